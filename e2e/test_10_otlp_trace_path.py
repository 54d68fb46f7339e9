"""The config's optional durable trace path: TRACES_EXPORTER=otlp_http/xray sends OTLP to X-Ray's /v1/traces,
SigV4-signed for xray, with the same file. Runs last: it restarts the collector with that variable."""

from conftest import APP_A, XRAY, get_json
from harness import get, wait_until
from xray_actions import accepted, granted, used_between


def _xray_stats():
    return get_json(f"{XRAY}/admin/stats")


def _sigv4_rejections():
    return {k: v for k, v in _xray_stats()["rejected"].items() if k.startswith("sigv4.")}


def test_otlp_trace_path_delivers_signed_spans(stack):
    stack.procs["collector"].stop()
    assert not stack.procs["collector"].alive()
    stack.start_collector("collector-otlp", TRACES_EXPORTER="otlp_http/xray")
    before = _xray_stats()["received"].get("spans", 0)
    rejected_before = _sigv4_rejections()
    routes_before = accepted()

    # The apps' OTLP exporters reconnect to the new collector by themselves; send requests until spans
    # arrive at X-Ray's OTLP endpoint (bounded: at most one request per second for 60 s).
    def spans_arrived():
        reply = get(f"{APP_A}/orders/42")
        assert reply.status == 200, reply.text()
        return _xray_stats()["received"].get("spans", 0) > before

    wait_until(spans_arrived, 60, "spans at the X-Ray stand-in's OTLP endpoint", interval=1.0)
    s = _xray_stats()
    assert s["accepted"].get("POST /v1/traces", 0) > 0, s["accepted"]
    # (the earlier tampering tests' rejections are in the counters already: compare, don't expect zero)
    assert _sigv4_rejections() == rejected_before, s["rejected"]

    # Least privilege on this path too: what the collector called since the switch is exactly what
    # deploy/iam/task-role-policy-otlp.json grants (PutSpans + sampling; no PutTraceSegments).
    expected = granted("task-role-policy-otlp.json")
    assert expected == {"xray:PutSpans", "xray:GetSamplingRules", "xray:GetSamplingTargets"}

    def all_used():
        assert get(f"{APP_A}/orders/43").status == 200
        return used_between(routes_before, accepted()) >= expected

    wait_until(all_used, 45, "the OTLP-path collector's X-Ray calls", interval=1.0)
    assert used_between(routes_before, accepted()) == expected
