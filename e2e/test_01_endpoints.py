"""What a user sees first: every endpoint of both instances answers, and traced ones return an X-Ray trace id."""

import pytest

from conftest import CALLS, XRAY_TRACE_ID


@pytest.mark.parametrize("instance,path,status", CALLS, ids=[f"{i}{p}" for i, p, _ in CALLS])
def test_endpoint_answers_with_expected_status_and_trace_id(traffic, instance, path, status):
    reply = traffic[(instance, path)]
    assert reply.status == status, f"{instance} {path}: {reply.status} {reply.text()[:300]}"
    assert reply.headers.get("content-type", "").startswith("application/json")
    body = reply.json()
    if path == "/health":
        # Health probes are deliberately untraced (no span per ECS probe).
        assert body.get("status") == "ok"
        assert "traceId" not in body
    else:
        assert XRAY_TRACE_ID.match(body.get("traceId", "")), body


def test_outgoing_sampleapp_reaches_the_peer(traffic):
    body = traffic[("A", "/outgoing-sampleapp")].json()
    calls = body["calls"]
    assert [c["target"] for c in calls] == ["http://127.0.0.1:8081/outgoing-sampleapp"]
    assert calls[0]["statusCode"] == 200


def test_aws_sdk_call_lists_the_stand_in_buckets(traffic):
    body = traffic[("A", "/aws-sdk-call")].json()
    # The S3 stand-in answered the SigV4-signed ListBuckets with its bucket names.
    assert body["buckets"] and all(isinstance(b, str) and b for b in body["buckets"]), body


def test_each_request_gets_its_own_trace(traffic):
    ids = [r.json()["traceId"] for (i, p), r in traffic.items() if p != "/health"]
    assert len(ids) == len(set(ids))
