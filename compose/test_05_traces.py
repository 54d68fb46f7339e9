"""Traces: what the X-Ray stand-in accepted (SigV4-signed PutTraceSegments from the collector's awsxray exporter),
and the same traces in the trace UI, Zipkin, which the stand-in feeds."""

import time

from evidence import (both_services, ecs_origin, peer_fault_500, s3_list_buckets, trace_across_both_services,
                      zipkin_trace_of_both_and_s3)
from harness import get_json
from stack import XRAY, ZIPKIN, xray_stats

SIGV4_REJECTIONS = {"missing_authentication", "incomplete_signature", "unknown_access_key", "invalid_security_token",
                    "wrong_credential_scope", "clock_skew", "missing_content_sha256", "payload_hash_mismatch",
                    "signature_mismatch"}


def test_xray_stand_in_accepted_sigv4_signed_put_trace_segments_with_no_signature_rejections(task, xray_docs):
    stats = task.ns.call(xray_stats)
    assert stats.get("accepted", {}).get("POST /TraceSegments", 0) > 0, stats
    assert not SIGV4_REJECTIONS & {k.lower() for k in stats.get("rejected", {})}, stats


def test_segments_of_both_services_reached_the_xray_stand_in(xray_docs):
    assert both_services(xray_docs), f"{len(xray_docs)} documents at {XRAY}"


def test_one_trace_spans_both_services_via_outgoing_sampleapp(xray_docs):
    assert trace_across_both_services(xray_docs)


def test_the_aws_sdk_call_is_an_s3_list_buckets_subsegment(xray_docs):
    assert s3_list_buckets(xray_docs)


def test_the_peers_failing_order_is_an_xray_fault_with_http_500(xray_docs):
    assert peer_fault_500(xray_docs)


def test_segments_carry_the_ecs_origin_and_task_metadata_from_the_ecs_metadata_stand_in(xray_docs):
    assert ecs_origin(xray_docs)


def test_zipkin_shows_a_trace_of_both_services_and_the_s3_call_fed_by_the_xray_stand_in(zipkin_traces):
    assert zipkin_trace_of_both_and_s3(zipkin_traces), f"{len(zipkin_traces)} traces in Zipkin"


def test_zipkins_dependency_graph_links_sample_app_to_sample_app_peer(task, zipkin_traces):
    links = task.ns.call(get_json, f"{ZIPKIN}/api/v2/dependencies?endTs={int(time.time() * 1000)}&lookback=3600000")
    assert any(d.get("parent") == "sample-app" and d.get("child") == "sample-app-peer" for d in links), links
