"""Metrics from the app (OTLP/HTTP) and from the ECS task (awsecscontainermetrics, polling the task stats) reach
AMP as Prometheus remote-write 1.0, SigV4-signed for aps, with the label sets AMP would store: `job`/`instance`,
resource attributes only on `target_info`, exactly the kept ECS series."""

from conftest import AMP_WRITE_PATH, TASK_FAMILY, TASK_ID, ecs_metrics_written, ecs_stats_polled

# What filter/ecs keeps, with the names the UCUM units give them.
ECS_KEEP = {
    "ecs_task_cpu_utilized", "ecs_task_cpu_reserved", "ecs_task_memory_utilized_mebibytes",
    "ecs_task_memory_reserved_mebibytes", "ecs_task_network_rate_rx_bytes_per_second",
    "ecs_task_network_rate_tx_bytes_per_second", "ecs_task_storage_read_bytes", "ecs_task_storage_write_bytes",
    "ecs_task_ephemeral_storage_utilized_mebibytes", "ecs_task_ephemeral_storage_reserved_mebibytes",
    "container_cpu_utilized", "container_memory_utilized_mebibytes", "container_memory_reserved_mebibytes",
}
RESOURCE_LABEL = ("aws_", "cloud_", "container_id", "container_image", "service_")


def ecs_series(series: list[dict]) -> list[dict]:
    return [s for s in series if s["__name__"].startswith(("ecs_", "container_"))]


def test_otlp_http_metric_is_accepted(sent):
    assert sent.metric.status == 200, (sent.metric.status, sent.metric.text())


def test_amp_receives_remote_write_requests(fakes, delivered):
    assert fakes.requests("amp")


def test_every_remote_write_is_sigv4_signed_for_aps(fakes, delivered):
    assert not fakes.sigv4_problems("amp", f"{AMP_WRITE_PATH}$", "aps")


def test_remote_write_uses_the_prometheus_remote_write_1_0_wire_format(fakes, delivered):
    wire = {"content-encoding": "snappy", "content-type": "application/x-protobuf",
            "x-prometheus-remote-write-version": "0.1.0"}
    assert all({k: r["headers"].get(k) for k in wire} == wire for r in fakes.requests("amp")), \
        [r["headers"] for r in fakes.requests("amp")]


def test_awsecscontainermetrics_polls_the_task_stats_endpoint(fakes, ecs_collected):
    assert ecs_stats_polled(fakes), [r["path"] for r in fakes.requests("metadata")]


def test_ecs_metrics_are_remote_written_after_the_stats_poll(fakes, ecs_collected):
    assert ecs_metrics_written(fakes)


def test_app_metric_is_stored_with_job_service_and_instance_task_id(series):
    # collector_test_requests_total{job=sample-app, instance=<ECS task id>, http_route}
    assert any(s["__name__"] == "collector_test_requests_total" and s.get("job") == "sample-app"
               and s.get("instance") == TASK_ID and s.get("http_route") == "/api/orders/{id}" for s in series), series


def test_no_series_but_target_info_carries_resource_attributes(series):
    # No task-ARN label explosion: resource attributes as labels only on target_info.
    bad = [s for s in series if s["__name__"] != "target_info" and any(k.startswith(RESOURCE_LABEL) for k in s)]
    assert not bad, bad


def test_resource_attributes_are_kept_on_target_info_joinable_by_job_and_instance(series):
    assert any(s["__name__"] == "target_info" and s.get("job") == "sample-app" and s.get("instance") == TASK_ID
               and s.get("aws_ecs_task_arn", "").startswith("arn:aws:ecs:") for s in series), series


def test_ecs_metrics_are_exactly_the_kept_series_all_present(series):
    assert {s["__name__"] for s in ecs_series(series)} == ECS_KEEP


def test_ecs_metrics_have_job_task_family_instance_task_id_and_container_name_per_container(series):
    ecs = ecs_series(series)
    assert ecs and all(s.get("job") == TASK_FAMILY and s.get("instance") == TASK_ID for s in ecs), ecs
    assert sorted(s.get("container_name") for s in ecs if s["__name__"] == "container_cpu_utilized") \
        == ["collector", "sample-app"], ecs


def test_ecs_label_sets_are_job_instance_and_container_name_nothing_else(series):
    for s in ecs_series(series):
        if s["__name__"].startswith("ecs_task_"):
            assert sorted(s) == ["__name__", "instance", "job"], s
        elif s["__name__"].startswith("container_"):
            assert sorted(s) == ["__name__", "container_name", "instance", "job"], s


def test_ecs_task_attributes_are_on_one_target_info_per_task_none_per_container(series):
    infos = [s for s in series if s["__name__"] == "target_info" and s.get("job") == TASK_FAMILY]
    assert len(infos) == 1, infos
    assert infos[0].get("instance") == TASK_ID and infos[0].get("aws_ecs_task_arn", "").startswith("arn:aws:ecs:") \
        and "container_name" not in infos[0], infos
