"""The running task (docker-compose.yml + compose/docker-compose.test.yml), as ECS runs it: healthy, cut off from
every network, non-root without capabilities on read-only file systems, the collector configured the ADOT way,
and the apps' X-Ray sampling going through the collector's awsproxy."""

from conftest import note
from dockertask import cmdline, proc_status
from stack import ZIPKIN


def test_stack_starts_with_compose_up(task):
    assert task.compose.started


def test_every_container_reports_healthy_stand_ins_collector_healthcheck_both_apps_healthcheck(task):
    assert not task.compose.unhealthy()
    if task.healthy_after is not None:
        note(f"test stack healthy {task.healthy_after:.0f}s after compose up")


def test_zipkin_trace_ui_answers_health_in_the_task_namespace(task):
    assert task.ns.get(f"{ZIPKIN}/health", timeout=5).status == 200


def test_task_namespace_has_only_a_loopback_interface(task):
    assert task.ns.interfaces() == ["lo"]


def test_app_process_runs_as_uid_10001_not_root(task):
    assert proc_status(task.compose.pid("sample-app"), "Uid")[:2] == ["10001", "10001"]


def test_app_process_has_no_capabilities(task):
    assert int(proc_status(task.compose.pid("sample-app"), "CapEff")[0], 16) == 0


def test_collector_runs_as_uid_10001_the_task_definitions_user_without_capabilities(task):
    pid = task.compose.pid("aws-otel-collector")
    assert proc_status(pid, "Uid")[:2] == ["10001", "10001"]
    assert int(proc_status(pid, "CapEff")[0], 16) == 0


def test_collector_reads_its_config_from_aot_config_content_only_as_adot_does(task):
    """ADOT's loading: --config dropped for --config=env:AOT_CONFIG_CONTENT."""
    args = cmdline(task.compose.pid("aws-otel-collector"))
    assert [a for a in args if "--config" in a] == ["--config=env:AOT_CONFIG_CONTENT"], args


def test_app_and_collector_root_file_systems_are_read_only(task):
    for service in ("sample-app", "aws-otel-collector"):
        assert task.compose.inspect(service, "{{.HostConfig.ReadonlyRootfs}}") == "true", service


def test_app_container_is_memory_limited_and_the_jvm_sizes_itself_from_it(task):
    assert int(task.compose.inspect("sample-app", "{{.HostConfig.Memory}}")) > 0
    assert any("MaxRAMPercentage" in a for a in cmdline(task.compose.pid("sample-app")))


def test_xray_stand_in_serves_the_deployed_sampling_rules_through_awsproxy(deployed_rules):
    """deploy/xray-sampling-rules.json (mounted into the stand-in), as the collector's awsproxy returns them."""
    assert deployed_rules == ["Default", "sample-app-orders"]


def test_apps_fetch_xray_sampling_rules_through_the_collectors_awsproxy(sampled_all):
    assert sampled_all >= 6, f"{sampled_all} GetSamplingRules polls in 30 s (both apps poll every second)"
