"""SigV4 end to end: everything the collector and the apps sent to the AWS stand-ins was signed correctly for
the right service and region, and the stand-ins reject what a forger or a mis-configured client would send."""

import datetime as dt
import json
import secrets
import time

import pytest

import awsutil
from conftest import (AMP, PROM, S3, SERVICE_A, XRAY, get_json, promql, trace_documents, wait_for_series,
                      wait_for_trace, xray_documents)
from harness import http, wait_until

AMP_PATH = "/workspaces/ws-local/api/v1/remote_write"


def stats(base):
    return get_json(f"{base}/admin/stats")


def sigv4_rejections(base):
    return sum(n for reason, n in stats(base)["rejected"].items() if reason.startswith("sigv4."))


def accepted_routes(base, route):
    return stats(base)["accepted"].get(route, 0)


def test_all_real_traffic_was_signed_correctly(traffic):
    # Let all three kinds of signed traffic happen: segments, remote writes, S3 calls, sampling polls.
    trace_id = traffic[("A", "/aws-sdk-call")].json()["traceId"]
    wait_for_trace(trace_id, lambda d: len(d) >= 2, "segments")
    wait_for_series(f'http_server_request_duration_seconds_count{{job="{SERVICE_A}"}}', "remote-written series")
    wait_until(lambda: accepted_routes(XRAY, "POST /SamplingTargets") > 0, 60, "a SamplingTargets call via awsproxy")
    for base, name, routes in ((XRAY, "X-Ray", ["POST /TraceSegments", "POST /GetSamplingRules",
                                                "POST /SamplingTargets"]),
                               (AMP, "AMP", ["POST /workspaces/{id}/api/v1/remote_write"]),
                               (S3, "S3", ["GET /"])):  # S3 ListBuckets is GET /
        s = stats(base)
        # Zero SigV4 rejections: every signature was valid for this service, region and date scope.
        sigv4 = {k: v for k, v in s["rejected"].items() if k.startswith("sigv4.")}
        assert sigv4 == {}, f"{name} stand-in rejected signatures: {sigv4}"
        if base != XRAY:
            assert s["rejectedTotal"] == 0, f"{name} stand-in rejected requests: {s['rejected']}"
        # (X-Ray: the Java X-Ray sampler sends GetSamplingTargets without SamplingStatisticsDocuments when
        # it has nothing to report, which the stand-in answers 400 InvalidRequestException; harmless.)
        for route in routes:
            assert s["accepted"].get(route, 0) > 0, f"{name}: no accepted {route} in {s['accepted']}"
    # The segments the exporter produced were all valid X-Ray documents (none came back unprocessed).
    received = stats(XRAY)["received"]
    assert received.get("segments", 0) > 0 and received.get("segmentsUnprocessed", 0) == 0, received


def _probe_segment(name):
    now = time.time()
    trace_id = f"1-{int(now):08x}-{secrets.token_hex(12)}"
    return {"name": name, "id": secrets.token_hex(8), "trace_id": trace_id,
            "start_time": now, "end_time": now + 0.001}


def _put_segments_body(doc):
    return json.dumps({"TraceSegmentDocuments": [json.dumps(doc)]}).encode()


def _is_invalid_signature(reply):
    return reply.status == 403 and reply.headers.get("x-amzn-errortype", "").startswith("InvalidSignatureException")


XRAY_HEADERS = {"Content-Type": "application/json"}


def test_xray_accepts_a_correctly_signed_probe_then_rejects_tampering(traffic):
    url = f"{XRAY}/TraceSegments"
    before = sigv4_rejections(XRAY)

    # Positive control: our own signer (awsutil, signing like the collector: no x-amz-content-sha256).
    good = _probe_segment("e2e-signed-probe")
    body = _put_segments_body(good)
    headers = awsutil.sign("POST", url, XRAY_HEADERS, body, "xray", content_sha256_header=False)
    reply = http("POST", url, body=body, headers=headers)
    assert reply.status == 200, reply.text()
    assert reply.json().get("UnprocessedTraceSegments", []) == []
    wait_until(lambda: trace_documents(good["trace_id"]), 30, "the signed probe segment")

    forged = _probe_segment("e2e-forged")
    forged_body = _put_segments_body(forged)
    attempts = {
        # valid headers replayed on a changed body
        "changed body": (forged_body, headers),
        # the same with x-amz-content-sha256 signed (how the AWS SDKs sign): payload hash no longer matches
        "changed body, signed payload hash": (
            forged_body, awsutil.sign("POST", url, XRAY_HEADERS, body, "xray")),
        "wrong secret key": (forged_body, awsutil.sign("POST", url, XRAY_HEADERS, forged_body, "xray",
                                                       secret_key="wrong" + awsutil.SECRET_KEY[5:])),
        "wrong region": (forged_body, awsutil.sign("POST", url, XRAY_HEADERS, forged_body, "xray",
                                                   region="us-east-1")),
        "wrong service": (forged_body, awsutil.sign("POST", url, XRAY_HEADERS, forged_body, "aps")),
        "stale date": (forged_body, awsutil.sign("POST", url, XRAY_HEADERS, forged_body, "xray",
                                                 now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))),
    }
    for what, (b, h) in attempts.items():
        reply = http("POST", url, body=b, headers=h)
        assert _is_invalid_signature(reply), f"{what}: {reply.status} {reply.headers} {reply.text()[:300]}"
        assert "message" in reply.json()
    assert sigv4_rejections(XRAY) == before + len(attempts)
    assert not [d for d in xray_documents() if d.get("trace_id") == forged["trace_id"]]


def test_amp_accepts_a_correctly_signed_write_then_rejects_tampering(traffic):
    url = AMP + AMP_PATH
    headers_base = {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                    "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "e2e-test"}
    now_ms = int(time.time() * 1000)
    run = secrets.token_hex(4)
    body = awsutil.snappy_encode(awsutil.write_request(
        [({"__name__": "e2e_signed_probe", "job": "e2e", "run": run}, 42.0, now_ms)]))
    before = sigv4_rejections(AMP)

    headers = awsutil.sign("POST", url, headers_base, body, "aps", content_sha256_header=False)
    reply = http("POST", url, body=body, headers=headers)
    assert reply.status in (200, 204), reply.text()
    result = wait_for_series(f'e2e_signed_probe{{run="{run}"}}', "the signed probe sample", timeout=30)
    assert float(result[0]["value"][1]) == 42.0

    forged = awsutil.snappy_encode(awsutil.write_request(
        [({"__name__": "e2e_signed_probe", "job": "e2e", "run": run, "forged": "yes"}, 13.0, now_ms)]))
    attempts = {
        "changed body": (forged, headers),
        "wrong secret key": (forged, awsutil.sign("POST", url, headers_base, forged, "aps",
                                                  secret_key="wrong" + awsutil.SECRET_KEY[5:])),
        "wrong region": (forged, awsutil.sign("POST", url, headers_base, forged, "aps", region="eu-west-1")),
        "wrong service": (forged, awsutil.sign("POST", url, headers_base, forged, "xray")),
    }
    for what, (b, h) in attempts.items():
        reply = http("POST", url, body=b, headers=h)
        assert _is_invalid_signature(reply), f"{what}: {reply.status} {reply.headers} {reply.text()[:300]}"
    assert sigv4_rejections(AMP) == before + len(attempts)
    assert promql(f'e2e_signed_probe{{run="{run}", forged="yes"}}') == []


def test_unsigned_requests_are_refused(traffic):
    reply = http("POST", f"{XRAY}/TraceSegments", body=b'{"TraceSegmentDocuments":[]}', headers=XRAY_HEADERS)
    assert reply.status == 403
    assert reply.headers.get("x-amzn-errortype", "").startswith("MissingAuthenticationToken")
    reply = http("GET", f"{S3}/")
    assert reply.status == 403, reply.text()
