"""The Grafana dashboard (monitoring/dashboards/ecs-otel-sample.json) against live data: every panel's query, with
the dashboard's variables set to "All", parses and returns series from the e2e Prometheus (what AMP would hold)."""

import json
import urllib.parse

import pytest

from conftest import PROM, REPO, get_json, wait_until

DASHBOARD = json.loads((REPO / "monitoring" / "dashboards" / "ecs-otel-sample.json").read_text())
# What Grafana substitutes: "All" of a variable with allValue ".+", and $__rate_interval (>= 4 scrape intervals).
VARIABLES = {"$job": ".+", "$family": ".+", "$__rate_interval": "1m"}


def expand(expr: str) -> str:
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown variable left in {expr}"
    return expr


def query(expr: str) -> dict:
    return get_json(f"{PROM}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))


PANELS = [p for p in DASHBOARD["panels"] if p["type"] != "row"]
TARGETS = [(p["title"], t["refId"], t["expr"]) for p in PANELS for t in p["targets"]]


def test_dashboard_shape():
    assert {p["type"] for p in PANELS} == {"timeseries"}
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    # Every panel reads the data source the importer picks, never a uid of one particular Grafana.
    assert {json.dumps(p["datasource"], sort_keys=True) for p in PANELS} == {'{"type": "prometheus", "uid": "${datasource}"}'}
    names = {v["name"] for v in DASHBOARD["templating"]["list"]}
    assert names == {"datasource", "job", "family"}


@pytest.mark.parametrize("title, ref, expr", TARGETS, ids=[f"{t}:{r}" for t, r, _ in TARGETS])
def test_panel_query_returns_data(stack, traffic, title, ref, expr):
    promql = expand(expr)

    def answered():
        body = query(promql)
        assert body["status"] == "success", body   # a query that does not parse fails here at once
        return body["data"]["result"]

    # ECS metrics arrive every 30 s and rates need two samples: allow a minute for the first data.
    result = wait_until(answered, 60, f"data for panel {title!r} {ref}: {promql}", interval=2)
    assert result


@pytest.mark.parametrize("variable", ["job", "family"])
def test_variable_values_exist(stack, traffic, variable):
    (v,) = [v for v in DASHBOARD["templating"]["list"] if v["name"] == variable]
    metric, label = v["query"].removeprefix("label_values(").removesuffix(")").split(", ")
    values = wait_until(lambda: get_json(f"{PROM}/api/v1/label/{label}/values?"
                                         + urllib.parse.urlencode({"match[]": metric}))["data"], 60, variable)
    assert values
