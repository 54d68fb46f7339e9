"""What a user sees in Amazon Managed Prometheus: real PromQL against the Prometheus the AMP stand-in feeds."""

import re

import pytest

from conftest import ECS_META, SERVICE_A, SERVICE_B, get_json, promql, wait_for_series

ROUTES = {"/", "/outgoing-http-call", "/aws-sdk-call", "/outgoing-sampleapp", "/orders/{id}"}


def _labels(result):
    return [r["metric"] for r in result]


@pytest.mark.parametrize("service", [SERVICE_A, SERVICE_B])
def test_request_duration_histogram_per_route(traffic, service):
    # Routes each instance served in the traffic fixture (B's /orders always fails with 500).
    want = {("/", "200"), ("/aws-sdk-call", "200"), ("/outgoing-sampleapp", "200"), ("/outgoing-http-call", "200")}
    want |= {("/orders/{id}", "200"), ("/orders/{id}", "404"), ("/orders/{id}", "400")} if service == SERVICE_A \
        else {("/orders/{id}", "500")}
    query = f'sum by (http_route, http_response_status_code) (http_server_request_duration_seconds_count{{job="{service}"}})'

    def complete(result):
        got = {(m["metric"].get("http_route"), m["metric"].get("http_response_status_code")) for m in result}
        return want <= got

    result = wait_for_series(query, f"request-duration histogram of {service} for every route", complete)
    for r in result:
        assert float(r["value"][1]) >= 1
    # Buckets with the histogram's le label, and the semconv attributes as labels.
    buckets = promql(f'http_server_request_duration_seconds_bucket{{job="{service}", http_route="/orders/{{id}}"}}')
    assert buckets, "no _bucket series"
    labels = _labels(buckets)
    assert {m["le"] for m in labels} >= {"+Inf"} and len({m["le"] for m in labels}) > 5
    for m in labels:
        assert m["http_request_method"] == "GET"
        assert m["__name__"] == "http_server_request_duration_seconds_bucket"


def test_routes_are_templates_never_raw_paths(traffic):
    result = wait_for_series('count by (http_route) (http_server_request_duration_seconds_count)', "routes")
    routes = {r["metric"].get("http_route") for r in result}
    assert routes <= ROUTES, routes - ROUTES


# The ADOT sample-app spec metrics under the names users find in AMP. The exporter's Prometheus
# translation (UnderscoreEscapingWithSuffixes) adds unit and _total suffixes and moves a leading "total"
# of a counter to the _total suffix: total_api_requests -> api_requests_total.
SPEC_METRICS = {
    "total_api_requests": "api_requests_total",
    "total_bytes_sent": "bytes_sent_total",
    "latency_time": "latency_time_milliseconds_bucket",
    "time_alive": "time_alive_milliseconds_total",
    "total_heap_size": "total_heap_size_bytes",
    "threads_active": "threads_active",
    "cpu_usage": "cpu_usage_ratio",
}


@pytest.mark.parametrize("otel_name,prom_name", SPEC_METRICS.items(), ids=list(SPEC_METRICS))
def test_spec_metric_present(traffic, otel_name, prom_name):
    result = wait_for_series(f'{prom_name}{{job="{SERVICE_A}"}}', f"spec metric {otel_name}")
    for m in _labels(result):
        assert m["language"] == "java" and m["signal"] == "metric", m
        assert m.get("instance"), m
        if otel_name in ("total_api_requests", "total_bytes_sent", "latency_time"):
            assert m["metricType"] == "request"
            assert m["apiName"] in ROUTES | {"unmatched"}, m
        else:
            assert m["metricType"] == "random"


def test_api_request_counter_counts_requests_per_route(traffic):
    query = f'sum by (apiName) (api_requests_total{{job="{SERVICE_A}"}})'
    result = wait_for_series(query, "total_api_requests per apiName",
                             lambda r: {"/orders/{id}", "/aws-sdk-call"} <= {x["metric"]["apiName"] for x in r})
    per_api = {r["metric"]["apiName"]: float(r["value"][1]) for r in result}
    assert per_api["/orders/{id}"] >= 3  # /orders/7, /orders/0, /orders/not-a-number at least


@pytest.mark.parametrize("service", [SERVICE_A, SERVICE_B])
def test_target_info_carries_the_resource(traffic, service):
    result = wait_for_series(f'target_info{{job="{service}"}}', f"target_info of {service}")
    m = result[0]["metric"]
    assert m.get("instance"), m


def test_no_task_arn_or_per_task_labels_on_app_series(traffic):
    wait_for_series(f'http_server_request_duration_seconds_count{{job="{SERVICE_A}"}}', "app series")
    result = promql(f'{{job=~"{SERVICE_A}|{SERVICE_B}", __name__!="target_info"}}')
    assert result
    offenders = {name for r in result for name in r["metric"] if re.search(r"arn|task|container_id", name)}
    assert not offenders, f"resource attributes promoted to labels on every series: {offenders}"


def test_series_count_is_bounded(traffic):
    count = float(promql(f'count({{job=~"{SERVICE_A}|{SERVICE_B}"}})')[0]["value"][1])
    assert count < 2000, f"{count} series for two app instances"


# awsecscontainermetrics -> filter/ecs keeps these (Prometheus names, with the translated unit suffixes).
ECS_TASK = ["ecs_task_cpu_utilized", "ecs_task_cpu_reserved", "ecs_task_memory_utilized_mebibytes",
            "ecs_task_memory_reserved_mebibytes", "ecs_task_network_rate_rx_bytes_per_second",
            "ecs_task_network_rate_tx_bytes_per_second", "ecs_task_storage_read_bytes",
            "ecs_task_storage_write_bytes"]
ECS_CONTAINER = ["container_cpu_utilized", "container_memory_utilized_mebibytes"]


@pytest.mark.parametrize("metric", ECS_TASK + ECS_CONTAINER)
def test_ecs_container_metrics_arrive(stack, metric):
    # The receiver collects every 30 s, so the first samples take up to ~40 s after the collector started.
    task = get_json(f"{ECS_META}/v4/aws-otel-collector/task")  # what ECS tells the collector
    result = wait_for_series(metric, f"ECS metric {metric}", timeout=120)
    for m in _labels(result):
        # resource/ecs: job = task family, instance = task id; no ARNs as labels
        assert m.get("job") == task["Family"], m
        assert m.get("instance") == task["TaskARN"].rsplit("/", 1)[-1], m
        assert not any(re.search(r"arn", k) for k in m), m
    if metric.startswith("container_"):
        # one series per container of the task, told apart by container_name
        assert {m.get("container_name") for m in _labels(result)} >= {"sample-app", "aws-otel-collector"}, \
            _labels(result)


def test_ecs_metrics_are_filtered_to_the_useful_series(stack):
    wait_for_series('{__name__=~"ecs_task_memory_utilized.*"}', "ECS task metrics", timeout=120)
    names = {r["metric"]["__name__"] for r in promql('{__name__=~"(ecs_task|container)_.+"}')}
    keep = re.compile(r"^(ecs_task_(cpu_(utilized|reserved)|memory_(utilized|reserved)|network_rate_(rx|tx)|"
                      r"storage_(read|write)_bytes|ephemeral_storage_(utilized|reserved))|"
                      r"container_(cpu_utilized|memory_(utilized|reserved)))(_[a-zA-Z]+)*$")
    assert names and all(keep.match(n) for n in names), sorted(n for n in names if not keep.match(n))
