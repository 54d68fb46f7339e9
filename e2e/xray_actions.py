"""Which X-Ray IAM actions the collector really calls, read from the X-Ray stand-in's accepted-request counters,
and which ones a task role policy in deploy/iam grants. Least privilege is then a comparison, not a belief."""

from __future__ import annotations

import json
import re

import botocore.session

from stack import REPO, xray_stats


def route_actions() -> dict[str, str]:
    """'METHOD /path' -> IAM action, from botocore's X-Ray model (the IAM action is the operation's name)."""
    model = botocore.session.get_session().get_service_model("xray")
    routes = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
        routes[f"{http['method']} {http['requestUri']}"] = f"xray:{name}"
    # X-Ray's OTLP endpoint is not an SDK operation; the Service Authorization Reference names its action
    # PutSpans ("upload OpenTelemetry spans to AWS X-Ray"; deploy/tests/test_policies.py checks that text).
    routes["POST /v1/traces"] = "xray:PutSpans"
    return routes


def accepted() -> dict[str, int]:
    return dict(xray_stats()["accepted"])


def used_between(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """IAM actions of every route the stand-in accepted more often in `after` than in `before`."""
    routes = route_actions()
    grown = {r for r, n in after.items() if n > before.get(r, 0)}
    unknown = grown - set(routes)
    assert not unknown, f"requests the X-Ray model does not describe: {sorted(unknown)}"
    return {routes[r] for r in grown}


def granted(policy_file: str) -> set[str]:
    """X-Ray actions a deploy/iam policy allows (placeholders filled with dummies: only actions matter)."""
    text = re.sub(r"\$\{[A-Z_]+\}", "x", (REPO / "deploy" / "iam" / policy_file).read_text())
    actions = set()
    for st in json.loads(text)["Statement"]:
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        actions |= {a for a in acts if a.startswith("xray:")}
    return actions
