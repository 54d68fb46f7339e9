"""A trace from the app (OTLP/HTTP) reaches X-Ray as the segment X-Ray would store, and the app's sampling-rules
call goes through awsproxy; every X-Ray call is SigV4-signed for xray in us-west-2."""

import pytest
import yaml

from conftest import CONFIG, TASK_ARN


@pytest.fixture(scope="module")
def segment(fakes, delivered) -> dict:
    found = fakes.segments(delivered.xray_trace_id)
    assert found, f"the X-Ray fake holds no segment of {delivered.xray_trace_id}"
    return found[0]


def test_otlp_http_trace_is_accepted(sent):
    assert sent.trace.status == 200, (sent.trace.status, sent.trace.text())


def test_awsproxy_forwards_GetSamplingRules(sent):
    assert sent.sampling_rules.status == 200, (sent.sampling_rules.status, sent.sampling_rules.text())


def test_xray_receives_a_segment_for_the_trace(fakes, delivered):
    assert fakes.segments(delivered.xray_trace_id), [r["path"] for r in fakes.requests("xray")]


def test_segment_name_is_the_service_name(segment):
    assert segment.get("name") == "sample-app", segment


def test_segment_carries_the_http_request_data(segment):
    http = segment.get("http", {})
    assert (http.get("request", {}).get("method"), http.get("response", {}).get("status")) == ("GET", 200), segment


def test_http_route_is_an_indexed_annotation(segment):
    # v0.156.0 keeps dots in annotation keys (feature gate exporter.xray.allowDot, beta = on).
    assert segment.get("annotations", {}).get("http.route") == "/api/orders/{id}", segment


def test_every_indexed_attribute_of_the_config_is_an_annotation_of_the_segment(segment):
    # The span sent carries every span attribute the config indexes (http.request.method and
    # http.response.status_code are also folded into segment.http: the exporter re-adds indexed ones). A
    # resource attribute would be matched as "otel.resource.<key>", so a bare resource key is never indexed.
    indexed = yaml.safe_load(CONFIG.read_text())["exporters"]["awsxray"]["indexed_attributes"]
    missing = [key for key in indexed if key not in segment.get("annotations", {})]
    assert missing == [], (missing, segment.get("annotations"))


def test_url_path_is_not_indexed_only_metadata(segment):
    annotations = segment.get("annotations", {})
    assert "url.path" not in annotations and "url_path" not in annotations, segment


def test_segment_has_the_ecs_origin_and_task_from_resource_detection(segment):
    assert (segment.get("origin"), segment.get("aws", {}).get("ecs", {}).get("task_arn")) \
        == ("AWS::ECS::Fargate", TASK_ARN), segment


def test_segment_links_the_app_cloudwatch_log_group(segment):
    # trace -> logs: X-Ray's console opens the app's log group from here. The app's resource names it
    # (aws.log.group.names only); the collector's ecs detector saw the app not yet created (KnownStatus NONE) at its
    # start (ECS start order) and adds nothing. Had it added the app's group, it would come with aws.log.group.arns,
    # which the exporter writes as an "arn" entry: so no entry may carry one.
    logs = segment.get("aws", {}).get("cloudwatch_logs", [])
    assert [g.get("log_group") for g in logs] == ["/ecs/sample-app"], segment
    assert [g for g in logs if "arn" in g] == [], segment


def test_every_PutTraceSegments_call_is_sigv4_signed_for_xray(fakes, delivered):
    assert not fakes.sigv4_problems("xray", "^/TraceSegments$", "xray")


def test_the_sampling_rules_call_through_awsproxy_is_sigv4_signed_for_xray(fakes, delivered):
    assert not fakes.sigv4_problems("xray", "^/GetSamplingRules$", "xray")
