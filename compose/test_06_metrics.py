"""Metrics: what the AMP stand-in accepted (SigV4-signed remote writes) and passed on to Prometheus, as a user
queries it: per-route histograms, JVM and ECS metrics, the collector's own health, and the alert rules AMP's ruler
gets; plus the S3 stand-in's signed calls."""

import pytest

from conftest import settle
from evidence import ECS_MEMORY, ROUTE_HISTOGRAM, routes_of_both_services
from harness import get_json
from stack import AMP, PROM, S3

ALERT_GROUPS = {"sample-app-slo-ratios", "sample-app-slo-burn", "ecs-task-memory", "telemetry-loss"}


def test_amp_stand_in_accepted_sigv4_signed_remote_writes_and_rejected_none(metrics):
    stats = metrics.ns.call(get_json, f"{AMP}/admin/stats")
    assert sum(stats.get("accepted", {}).values()) > 0 and stats.get("rejectedTotal", 1) == 0, stats


def test_s3_stand_in_served_the_apps_signed_list_buckets_calls_and_rejected_none(metrics):
    stats = metrics.ns.call(get_json, f"{S3}/admin/stats")
    assert sum(stats.get("accepted", {}).values()) > 0 and stats.get("rejectedTotal", 1) == 0, stats


def test_prometheus_has_the_request_duration_histogram_per_service_and_route_template(metrics):
    labels = metrics.ns.labels(ROUTE_HISTOGRAM)
    assert routes_of_both_services(labels), labels


def test_prometheus_has_no_raw_paths_as_routes(metrics):
    labels = metrics.ns.labels("count by (http_route) (http_server_request_duration_seconds_count)")
    assert labels and not any("/orders/7" in (m.get("http_route") or "") for m in labels), labels


def test_prometheus_has_jvm_runtime_metrics_of_both_services(metrics):
    labels = metrics.ns.labels("count by (job) (jvm_memory_used_bytes)")
    assert {"sample-app", "sample-app-peer"} <= {m.get("job") for m in labels}, labels


def test_prometheus_has_ecs_task_metrics_from_the_collectors_awsecscontainermetrics_receiver(metrics):
    assert metrics.ns.labels(ECS_MEMORY)


@pytest.fixture(scope="module")
def collector_metrics(metrics):
    """The task, once the collector's own metrics (prometheus receiver on its :8888, every 5 s) are in Prometheus."""
    settle(lambda: metrics.ns.labels("otelcol_receiver_accepted_spans_total"), 40,
           "the collector's own metrics in Prometheus")
    return metrics


def test_prometheus_has_the_collectors_own_metrics_job_aws_otel_collector_instance_task_id(collector_metrics):
    labels = collector_metrics.ns.labels("count by (job, instance) (otelcol_receiver_accepted_spans_total)")
    assert labels and all(m.get("job") == "aws-otel-collector" and len(m.get("instance", "")) == 32
                          for m in labels), labels


def test_prometheus_evaluates_the_alert_rules_amps_ruler_gets_every_rule_healthy(metrics):
    """4 groups (monitoring/alert-rules.yml), each rule ok or not evaluated yet; the UI is at :9090/alerts."""
    groups = metrics.ns.call(get_json, f"{PROM}/api/v1/rules")["data"]["groups"]
    assert {g["name"] for g in groups} == ALERT_GROUPS
    unhealthy = [(r["name"], r["health"]) for g in groups for r in g["rules"] if r["health"] not in ("ok", "unknown")]
    assert not unhealthy


def test_prometheus_target_info_carries_the_resource_of_sample_app(metrics):
    assert metrics.ns.labels('target_info{job="sample-app"}')
