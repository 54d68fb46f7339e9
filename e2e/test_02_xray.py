"""What a user sees in the X-Ray console: the segments the collector's awsxray exporter delivered."""

import os
import re
import time

import pytest

from conftest import (BASE, CALLS, CONFIG, ECS_META, SERVICE, SERVICE_A, SERVICE_B, get, get_json, is_subsegment,
                      server_segment, wait_for_trace)

TRACED = [c for c in CALLS if c[1] != "/health"]


def _trace_id(traffic, instance, path):
    return traffic[(instance, path)].json()["traceId"]


@pytest.mark.parametrize("instance,path,status", TRACED, ids=[f"{i}{p}" for i, p, _ in TRACED])
def test_server_segment_has_service_name_http_data_and_flags(traffic, instance, path, status):
    service = SERVICE[instance]
    docs = wait_for_trace(_trace_id(traffic, instance, path), lambda d: server_segment(d, service, path),
                          f"the {service} segment for {path}")
    seg = server_segment(docs, service, path)
    assert "parent_id" not in seg, "a request from curl starts a new trace"
    assert seg["id"] and len(seg["id"]) == 16
    assert seg["end_time"] >= seg["start_time"]
    request = seg["http"]["request"]
    assert request["method"] == "GET"
    assert request["url"].endswith(path), request
    assert seg["http"]["response"]["status"] == status
    # X-Ray's flags: fault for 5xx, error for 4xx, neither for success.
    assert bool(seg.get("fault")) == (status >= 500), seg
    assert bool(seg.get("error")) == (400 <= status < 500), seg


@pytest.mark.parametrize("path", ["/orders/7", "/orders/0"])
def test_every_indexed_attribute_of_the_config_is_an_annotation_on_the_app_segment(traffic, path):
    # What a user filters on in the X-Ray console (annotation.http.route = "/orders/{id}"): each
    # indexed_attributes entry of the shipped config, on the segment the stand-in stored from the real app.
    (listed,) = re.findall(r"(?m)^\s+indexed_attributes: \[(.*)\]$", CONFIG.read_text())   # the e2e venv has no YAML
    indexed = [key.strip() for key in listed.split(",")]
    docs = wait_for_trace(_trace_id(traffic, "A", path), lambda d: server_segment(d, SERVICE_A, path),
                          f"the {SERVICE_A} segment for {path}")
    annotations = server_segment(docs, SERVICE_A, path).get("annotations", {})
    assert [key for key in indexed if key not in annotations] == [], annotations
    assert annotations.get("http.route") == "/orders/{id}", annotations


@pytest.mark.parametrize("instance", ["A", "B"])
def test_aws_sdk_call_shows_an_s3_subsegment(traffic, instance):
    def has_s3(docs):
        return [d for d in docs if is_subsegment(d) and d.get("namespace") == "aws"]
    docs = wait_for_trace(_trace_id(traffic, instance, "/aws-sdk-call"), has_s3, "an AWS SDK subsegment")
    sub = has_s3(docs)[0]
    assert sub["name"] == "S3"
    assert sub["aws"]["operation"] == "ListBuckets"
    assert sub["http"]["response"]["status"] == 200
    assert not sub.get("fault") and not sub.get("error")
    # It hangs under the app's own segment of the same trace.
    ids = {d["id"] for d in docs}
    assert sub["parent_id"] in ids


# The ECS metadata stand-in models one task with one app container, so both instances report it.
@pytest.mark.parametrize("instance,container", [("A", "sample-app"), ("B", "sample-app")])
def test_segments_carry_ecs_origin_and_metadata(traffic, instance, container):
    service = SERVICE[instance]
    docs = wait_for_trace(_trace_id(traffic, instance, "/"), lambda d: server_segment(d, service, "/"),
                          f"the {service} segment")
    seg = server_segment(docs, service, "/")
    assert seg["origin"] == "AWS::ECS::Fargate", seg
    task = get_json(f"{ECS_META}/v4/{container}/task")
    ecs = seg["aws"]["ecs"]
    # Task-level fields come from the app's EcsResource and/or the collector's ecs resource detector.
    assert ecs["task_arn"] == task["TaskARN"], seg
    assert ecs["cluster_arn"] == task["Cluster"], seg
    assert ecs["task_family"] == task["Family"], seg
    assert ecs["launch_type"].lower() == task["LaunchType"].lower(), seg
    # The container name only the app itself can know (its own metadata); the contrib EcsResource gives up
    # silently after 2 s, so on a starved machine it may be missing, but it is never another container's.
    assert ecs.get("container", container) == container, seg
    # Trace -> logs: the segment names the app container's CloudWatch Logs group (awslogs driver), which the
    # app's own EcsResource reads; the collector's ecs detector ran when the app was still NONE (not created) (the
    # stand-in's ECS start order), so the collector's own group or a second one never appears.
    log_group = get_json(f"{ECS_META}/v4/{container}")["LogOptions"]["awslogs-group"]
    assert [g.get("log_group") for g in seg["aws"].get("cloudwatch_logs", [])] == [log_group], seg["aws"]


def test_one_trace_spans_both_services(traffic):
    trace_id = _trace_id(traffic, "A", "/outgoing-sampleapp")
    docs = wait_for_trace(trace_id, lambda d: server_segment(d, SERVICE_A) and server_segment(d, SERVICE_B),
                          "segments of both services")
    a = server_segment(docs, SERVICE_A, "/outgoing-sampleapp")
    b = server_segment(docs, SERVICE_B, "/outgoing-sampleapp")
    assert "parent_id" not in a, "A's segment is the root of the trace"
    assert b["http"]["request"]["url"].endswith("/outgoing-sampleapp")
    # B's parent is A's outgoing HTTP call: a subsegment in the same trace, below A's segment.
    by_id = {d["id"]: d for d in docs}
    client = by_id.get(b["parent_id"])
    assert client is not None and is_subsegment(client), f"B's parent {b.get('parent_id')} not in trace"
    assert client["http"]["request"]["url"].endswith("/outgoing-sampleapp")
    assert client["http"]["response"]["status"] == 200
    node, hops = client, 0
    while node.get("parent_id") and hops < 10:
        node, hops = by_id[node["parent_id"]], hops + 1
    assert node is a, "the client subsegment's ancestry ends at A's segment"


def test_alb_root_without_parent_is_the_trace_in_xray(traffic):
    """An ALB's own header (Self=...;Root=..., no Parent): the app continues the ALB's trace id as a new root,
    so the ALB access log and X-Ray share one trace id (as the X-Ray SDKs do)."""
    root = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    reply = get(f"{BASE['A']}/", headers={"X-Amzn-Trace-Id": f"Self=1-{int(time.time()):08x}-{os.urandom(12).hex()};"
                                                              f"Root={root}"})
    assert reply.status == 200 and reply.json()["traceId"] == root, reply.text()
    docs = wait_for_trace(root, lambda d: server_segment(d, SERVICE_A, "/"), "the segment under the ALB's Root")
    seg = server_segment(docs, SERVICE_A, "/")
    assert seg["trace_id"] == root
    assert "parent_id" not in seg, "the ALB is not a segment: the app's segment is the root"
