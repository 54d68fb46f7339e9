"""The collector watches itself: a handful of its own metrics reach AMP through the shipped config (prometheus
receiver on its loopback endpoint, ADOT components only), labelled like the app's: job = the collector's name,
instance = the ECS task id. The local Prometheus evaluates the same alert rules AMP's ruler gets."""

from conftest import PROM, get_json, promql, wait_for_series

# What filter/collector keeps, under the names the remote-write exporter gives them.
KEPT = {
    "otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total",
    "otelcol_receiver_accepted_metric_points_total", "otelcol_receiver_refused_metric_points_total",
    "otelcol_exporter_sent_spans_total", "otelcol_exporter_send_failed_spans_total",
    "otelcol_exporter_sent_metric_points_total", "otelcol_exporter_send_failed_metric_points_total",
    "otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity",
    "otelcol_process_memory_rss", "otelcol_process_cpu_seconds_total",
}


def _names(result):
    return {r["metric"]["__name__"] for r in result}


def test_collector_metrics_reach_amp_with_job_and_task_instance(stack, traffic):
    must = {"otelcol_receiver_accepted_spans_total", "otelcol_exporter_sent_spans_total",
            "otelcol_exporter_queue_size", "otelcol_process_memory_rss"}
    result = wait_for_series('{job="aws-otel-collector"}', "the collector's own metrics",
                             predicate=lambda r: must <= _names(r))
    names = _names(result) - {"target_info"}
    assert names <= KEPT, f"not in the keep-list: {sorted(names - KEPT)}"
    # Bounded: a few series per receiver/exporter, not hundreds of internal ones.
    assert len(result) < 60, len(result)
    # instance = the task id, the same label the ECS task metrics carry (so per-task panels join).
    task_ids = {r["metric"]["instance"] for r in wait_for_series("ecs_task_memory_utilized_mebibytes", "ECS task metrics")}
    assert len(task_ids) == 1
    assert {r["metric"]["instance"] for r in result} == task_ids
    # Spans the app sent are counted as accepted by the otlp receiver and sent by the trace exporter.
    sent = promql('otelcol_exporter_sent_spans_total{job="aws-otel-collector"}')
    assert {r["metric"].get("exporter") for r in sent} >= {"awsxray"}


def test_local_prometheus_evaluates_the_alert_rules(stack):
    groups = get_json(f"{PROM}/api/v1/rules")["data"]["groups"]
    assert {g["name"] for g in groups} == {"sample-app-slo-ratios", "sample-app-slo-burn", "ecs-task-memory",
                                           "telemetry-loss"}
    alerts = {r["name"] for g in groups for r in g["rules"] if r["type"] == "alerting"}
    assert {"ErrorBudgetFastBurn", "CollectorExportFailing", "TaskMemoryNearLimit"} <= alerts
    assert all(r["health"] in ("ok", "unknown") for g in groups for r in g["rules"]), groups
