"""Central sampling: a rule served by the X-Ray stand-in reaches the app's X-Ray remote sampler through the
collector's awsproxy and changes what is sampled. Runs last: it changes the rules for everyone."""

import json
import os
import time

from conftest import (APP_A, APP_B, SAMPLE_ALL_RULES, SERVICE_A, SERVICE_B, XRAY, put_sampling_rules, server_segment,
                      trace_documents, wait_for_trace)
from harness import get, http, wait_until
from stack import SAMPLING_RULES

ORDERS_OFF = {
    "RuleName": "orders-off", "Priority": 1, "FixedRate": 0.0, "ReservoirSize": 0,
    "ServiceName": SERVICE_A, "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "/orders/*",
    "ResourceARN": "*", "Version": 1, "Attributes": {},
}


def _trace(url):
    reply = get(url)
    assert reply.status in (200, 500), reply.text()
    return reply.json()["traceId"]


def test_zero_percent_rule_for_orders_stops_their_segments_only(traffic):
    # Before: under the sample-everything rule, A's orders are traced.
    before = _trace(f"{APP_A}/orders/5")
    wait_for_trace(before, lambda d: server_segment(d, SERVICE_A), "A's /orders segment before the rule change")

    put_sampling_rules([ORDERS_OFF, *SAMPLE_ALL_RULES])
    try:
        # The app polls the rules every second through awsproxy. Under the old rules an /orders request is
        # always sampled, so the first unsampled one proves the new rule arrived. Each round sends a control
        # request after the order and waits for the control's segment: it travels in the same export, so
        # once it is there, the order's segments would be too.
        def order_unsampled():
            order = _trace(f"{APP_A}/orders/11")
            control = _trace(f"{APP_A}/")
            wait_for_trace(control, lambda d: server_segment(d, SERVICE_A), "control segment")
            return not trace_documents(order)

        wait_until(order_unsampled, 120, "the orders-off rule to reach app A's sampler", interval=0.2)

        orders = [_trace(f"{APP_A}/orders/{n}") for n in range(100, 110)]
        others = [(SERVICE_A, _trace(f"{APP_A}/")), (SERVICE_A, _trace(f"{APP_A}/aws-sdk-call")),
                  # same route on the other service: the rule is scoped to ServiceName sample-app
                  (SERVICE_B, _trace(f"{APP_B}/orders/3"))]
        for service, trace_id in others:
            wait_for_trace(trace_id, lambda d, s=service: server_segment(d, s), f"{service} segment")
        sampled_orders = [t for t in orders if trace_documents(t)]
        assert sampled_orders == [], f"{len(sampled_orders)} of {len(orders)} /orders requests were sampled"
    finally:
        put_sampling_rules(SAMPLE_ALL_RULES)


def test_deferred_decision_with_a_parent_follows_the_rules(traffic):
    """X-Amzn-Trace-Id Root;Parent;Sampled=? (or no Sampled) leaves the decision to the app's X-Ray rules: under a 0 %
    rule for A's orders a deferred order is dropped, while a deferred "/" (100 % default rule) is traced in the
    caller's trace under the caller's parent. The rules come from the stand-in through the collector's awsproxy."""
    put_sampling_rules([ORDERS_OFF, *SAMPLE_ALL_RULES])
    try:
        def order_unsampled():
            order = _trace(f"{APP_A}/orders/11")
            control = _trace(f"{APP_A}/")
            wait_for_trace(control, lambda d: server_segment(d, SERVICE_A), "control segment")
            return not trace_documents(order)

        wait_until(order_unsampled, 120, "the orders-off rule to reach app A's sampler", interval=0.2)

        parent = "53995c3f42cd8ad8"
        # Sampled=? and a Parent without Sampled (the X-Ray SDKs defer a missing decision too) behave alike.
        for decision in (";Sampled=?", ""):
            roots = {path: f"1-{int(time.time()):08x}-{os.urandom(12).hex()}" for path in ("/", "/orders/12")}
            for path, root in roots.items():
                reply = get(f"{APP_A}{path}", headers={"X-Amzn-Trace-Id": f"Root={root};Parent={parent}{decision}"})
                assert reply.status == 200 and reply.json()["traceId"] == root, reply.text()
            docs = wait_for_trace(roots["/"], lambda d: server_segment(d, SERVICE_A, "/"),
                                  f"the deferred / ({decision!r})")
            assert server_segment(docs, SERVICE_A, "/")["parent_id"] == parent
            # Same export as the "/" segment (sent first): had the order been sampled, it would be here by now.
            control = _trace(f"{APP_A}/")
            wait_for_trace(control, lambda d: server_segment(d, SERVICE_A), "control segment")
            assert not trace_documents(roots["/orders/12"]), \
                f"a deferred order ({decision!r}) was sampled under the 0 % rule"
    finally:
        put_sampling_rules(SAMPLE_ALL_RULES)


def test_standin_serves_the_deployed_rules_file_through_awsproxy(traffic):
    """After a reset the X-Ray stand-in serves deploy/xray-sampling-rules.json - the rules CloudFormation deploys -
    and the app's sampler endpoint (the collector's awsproxy, signing with the task credentials) returns them."""
    rules_file = json.loads(SAMPLING_RULES.read_text())["SamplingRules"]
    try:
        reply = http("POST", f"{XRAY}/admin/reset")
        assert reply.status == 200, reply.text()
        served = json.loads(http("POST", "http://127.0.0.1:2000/GetSamplingRules", body=b"{}",
                                 headers={"Content-Type": "application/json"}).body)
        by_name = {r["SamplingRule"]["RuleName"]: r["SamplingRule"] for r in served["SamplingRuleRecords"]}
        assert set(by_name) == {r["RuleName"] for r in rules_file}
        for rule in rules_file:
            for field in ("Priority", "FixedRate", "ReservoirSize", "ServiceName", "HTTPMethod", "URLPath"):
                assert by_name[rule["RuleName"]][field] == rule[field], (rule["RuleName"], field)
    finally:
        put_sampling_rules(SAMPLE_ALL_RULES)
