"""Trace headers through the collector to X-Ray (the stand-in's segments) and Zipkin (issue 22, items 1-3): each
propagation format is judged on its own, an all-zero id never reaches X-Ray, and Sampled=? with a Parent continues
the caller's trace under the X-Ray rules (here the suite's sample-everything rule; test_09 shows a 0 % rule
dropping it)."""

import os
import time

from conftest import (APP_A, SERVICE_A, XRAY_TRACE_ID, ZIPKIN, get, server_segment, trace_documents, wait_for_trace,
                      wait_until)


def _root() -> str:
    return f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"


def _get(path: str, headers: dict) -> str:
    reply = get(f"{APP_A}{path}", headers=headers)
    assert reply.status == 200, reply.text()
    return reply.json()["traceId"]


def test_deferred_sampling_with_a_parent_continues_the_callers_trace(traffic):
    root, parent = _root(), os.urandom(8).hex()
    trace_id = _get("/", {"X-Amzn-Trace-Id": f"Root={root};Parent={parent};Sampled=?"})
    assert trace_id == root
    docs = wait_for_trace(root, lambda d: server_segment(d, SERVICE_A, "/"), "the deferred request's segment")
    assert server_segment(docs, SERVICE_A, "/")["parent_id"] == parent


def test_a_malformed_traceparent_does_not_cost_the_albs_root(traffic):
    root = _root()
    trace_id = _get("/", {"traceparent": "00-not-a-trace-01", "X-Amzn-Trace-Id": f"Self={_root()};Root={root}"})
    assert trace_id == root
    seg = server_segment(wait_for_trace(root, lambda d: server_segment(d, SERVICE_A, "/"), "the ALB Root's segment"),
                         SERVICE_A, "/")
    assert "parent_id" not in seg
    # The local trace UI shows the same trace under the ALB's id.
    zipkin_id = root.replace("1-", "", 1).replace("-", "")
    wait_until(lambda: get(f"{ZIPKIN}/api/v2/trace/{zipkin_id}").status == 200, 60,
               "the ALB Root's trace in Zipkin", interval=1.0)


def test_a_malformed_xray_header_does_not_cost_a_valid_traceparent(traffic):
    w3c_trace, w3c_parent = f"{int(time.time()):08x}{os.urandom(12).hex()}", os.urandom(8).hex()
    trace_id = _get("/", {"traceparent": f"00-{w3c_trace}-{w3c_parent}-01", "X-Amzn-Trace-Id": "Root=garbage"})
    assert trace_id == f"1-{w3c_trace[:8]}-{w3c_trace[8:]}"
    docs = wait_for_trace(trace_id, lambda d: server_segment(d, SERVICE_A, "/"), "the traceparent's segment")
    assert server_segment(docs, SERVICE_A, "/")["parent_id"] == w3c_parent


def test_an_all_zero_root_or_parent_starts_a_new_valid_trace(traffic):
    zero_root = "1-00000000-000000000000000000000000"
    root = _root()
    for header in (f"Self={_root()};Root={zero_root}", f"Root={root};Parent=0000000000000000;Sampled=1"):
        trace_id = _get("/", {"X-Amzn-Trace-Id": header})
        assert XRAY_TRACE_ID.match(trace_id) and trace_id not in (zero_root, root), (header, trace_id)
        seg = server_segment(wait_for_trace(trace_id, lambda d: server_segment(d, SERVICE_A, "/"), "new trace"),
                             SERVICE_A, "/")
        assert "parent_id" not in seg, header
    assert not trace_documents(zero_root), "X-Ray got a segment with an all-zero trace id"
