"""Malformed OTLP to the collector's receiver (the shipped config, OTLP/HTTP on 127.0.0.1:4318, gRPC on 4317):
each is refused with a 4xx, the collector stays up and healthy, and a good request afterwards still goes all the
way to the X-Ray stand-in (traces) and Prometheus behind the AMP stand-in (metrics)."""

from __future__ import annotations

import gzip
import urllib.error
import json
import os
import socket
import time

import pytest

from conftest import (COLLECTOR_HEALTH, OTLP_HTTP, get, http, promql, record_result, rss_kib, wait_until,
                      xray_documents)

PROTO = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def collector_stays_healthy(stack):
    yield
    assert stack.collector().alive(), "the collector process died"
    assert get(COLLECTOR_HEALTH, timeout=5).status == 200


def xray_trace_id() -> str:
    """An OTLP trace id that X-Ray accepts: the first 8 hex digits are the epoch seconds."""
    return f"{int(time.time()):08x}" + os.urandom(12).hex()


def otlp_json_trace(trace_id: str, service: str, name: str) -> bytes:
    now = time.time_ns()
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "reliability"}, "spans": [{
            "traceId": trace_id, "spanId": os.urandom(8).hex(), "name": name, "kind": 2,
            "startTimeUnixNano": str(now - 5_000_000), "endTimeUnixNano": str(now),
            "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                           {"key": "http.response.status_code", "value": {"intValue": "200"}}],
        }]}]}]}).encode()


CASES = [
    # (name, path, headers, body, acceptable statuses)
    ("garbage protobuf", "/v1/traces", PROTO, b"\xff\xff\xff\xff garbage \x00\x01" * 50, {400}),
    ("truncated protobuf", "/v1/traces", PROTO, b"\x0a\xff\xff\xff\x0f\x0a", {400}),
    ("garbage metrics protobuf", "/v1/metrics", PROTO, os.urandom(2048), {400}),
    ("invalid JSON", "/v1/traces", JSON, b'{"resourceSpans": [ {', {400}),
    ("JSON of the wrong shape", "/v1/traces", JSON, b'{"resourceSpans": "nope"}', {400}),
    ("bad trace id length", "/v1/traces", JSON,
     b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc","spanId":"00f067aa0ba902b7","name":"x"}]}]}]}',
     {400}),
    ("wrong content-type", "/v1/traces", {"Content-Type": "text/plain"}, b"hello", {415}),
    ("no content-type", "/v1/traces", {}, b"\x0a\x00", {415}),
    ("broken gzip", "/v1/traces", {**PROTO, "Content-Encoding": "gzip"}, b"\x1f\x8bnot really gzip", {400}),
    ("unknown encoding", "/v1/traces", {**PROTO, "Content-Encoding": "x-evil"}, b"\x0a\x00", {400, 415}),
    ("unknown path", "/v1/nope", PROTO, b"\x0a\x00", {404}),
]


@pytest.mark.parametrize("name,path,headers,body,expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_otlp_http_is_rejected_with_4xx(stack, name, path, headers, body, expected):
    reply = http("POST", OTLP_HTTP + path, body=body, headers=headers)
    assert reply.status in expected, f"{name}: {reply.status} {reply.text()[:300]}"


def test_wrong_method_is_405(stack):
    assert http("GET", OTLP_HTTP + "/v1/traces").status == 405


def test_huge_and_decompression_bomb_bodies_are_refused_with_bounded_memory(stack):
    """> max_request_body_size (20 MiB default) is refused, also when it only gets that big after gunzip."""
    pid = stack.collector().popen.pid
    rss_before = rss_kib(pid)
    huge = b"\x0a" + b"\xff" * (24 * 1024 * 1024)
    # The receiver may answer 4xx and close while the client is still uploading; the client then sees a
    # reset instead of the status. Both mean "refused"; what matters is memory and the pipeline after.
    try:
        reply = http("POST", OTLP_HTTP + "/v1/traces", body=huge, headers=PROTO, timeout=60)
        huge_status = reply.status
        assert 400 <= huge_status < 500, (huge_status, reply.text()[:200])
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError) as e:
        reason = getattr(e, "reason", e)
        if not isinstance(reason, (ConnectionResetError, BrokenPipeError)):
            raise
        huge_status = "connection closed by the collector while uploading"
    del huge
    bomb = gzip.compress(b"\x00" * (256 * 1024 * 1024), 9)       # ~250 KB that inflate to 256 MiB
    reply_bomb = http("POST", OTLP_HTTP + "/v1/traces", body=bomb, headers={**PROTO, "Content-Encoding": "gzip"},
                      timeout=60)
    assert 400 <= reply_bomb.status < 500, (reply_bomb.status, reply_bomb.text()[:200])
    rss_after = rss_kib(pid)
    record_result("otlp_bad_input_memory", {"collector_rss_kib_before": rss_before,
                                            "collector_rss_kib_after": rss_after,
                                            "huge_body_status": huge_status, "gzip_bomb_status": reply_bomb.status,
                                            "gzip_bomb_compressed_bytes": len(bomb)})
    # 256 MiB inflated would show; the receiver stops reading at the limit.
    assert rss_after - rss_before < 200 * 1024, f"collector RSS grew {rss_before} -> {rss_after} KiB"


def test_garbage_on_the_grpc_port_is_dropped(stack):
    for garbage in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x00" * 1024, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64):
        with socket.create_connection(("127.0.0.1", 4317), timeout=5) as s:
            s.sendall(garbage)
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass


def test_pipeline_still_delivers_after_bad_input(stack):
    trace_id = xray_trace_id()
    reply = http("POST", OTLP_HTTP + "/v1/traces", body=otlp_json_trace(trace_id, "reliability-otlp", "GET /ok"),
                 headers=JSON)
    assert reply.status == 200, reply.text()[:300]
    xray_id = f"1-{trace_id[:8]}-{trace_id[8:]}"
    wait_until(lambda: any(d.get("trace_id") == xray_id for d in xray_documents()), 30,
               f"trace {xray_id} at the X-Ray stand-in")
    # And metrics: one gauge through the metrics pipeline to Prometheus.
    now = time.time_ns()
    body = json.dumps({"resourceMetrics": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "reliability-otlp"}},
                                    {"key": "service.instance.id", "value": {"stringValue": "probe"}}]},
        "scopeMetrics": [{"metrics": [{"name": "reliability_probe", "unit": "1", "gauge": {"dataPoints": [
            {"asDouble": 42.0, "timeUnixNano": str(now)}]}}]}]}]}).encode()
    assert http("POST", OTLP_HTTP + "/v1/metrics", body=body, headers=JSON).status == 200
    # unit "1" on a gauge becomes the _ratio suffix (translation_strategy UnderscoreEscapingWithSuffixes)
    wait_until(lambda: promql('{__name__=~"reliability_probe(_ratio)?", job="reliability-otlp"}'), 60, "reliability_probe in Prometheus",
               interval=1)
