"""task-definition.json: valid against ECS RegisterTaskDefinition (botocore's model) and production-ready."""
from __future__ import annotations

import copy
import re

import botocore.session
import pytest
from botocore.validate import ParamValidator

from conftest import APP_SRC, PLACEHOLDER, REPO, TASK_DEF, VALUES, container, env_of
from shape_validator import input_shape, validate

SHAPE = input_shape("ecs", "RegisterTaskDefinition")
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
# Valid Fargate task sizes (CPU units -> allowed MiB) for the small end of the table.
FARGATE_SIZES = {"256": {512, 1024, 2048}, "512": set(range(1024, 4097, 1024))}


def test_placeholders_are_the_documented_set():
    found = set(PLACEHOLDER.findall(TASK_DEF.read_text()))
    assert found == {"STACK_NAME", "AWS_REGION", "AWS_ACCOUNT_ID", "AMP_WORKSPACE_ID", "APP_IMAGE",
                     "TASK_ROLE_ARN", "EXECUTION_ROLE_ARN", "TRACES_EXPORTER", "COLLECTOR_CONFIG_SHA256"}
    assert found <= set(VALUES)


def test_valid_against_register_task_definition_shape(task_def):
    assert validate(task_def, SHAPE) == []


def test_botocore_param_validator_agrees(task_def):
    report = ParamValidator().validate(task_def, SHAPE)
    assert not report.has_errors(), report.generate_report()


def test_raw_file_with_placeholders_is_also_valid(raw_task_def):
    # The placeholders sit only in string fields, so the committed file itself is a valid request body.
    assert validate(raw_task_def, SHAPE) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda td: td["containerDefinitions"][0].__setitem__("healthcheck", {"command": ["CMD", "x"]}),
     "unknown key 'healthcheck'"),
    (lambda td: td.__setitem__("networkMode", "awsvpcx"), "'awsvpcx' is not one of"),
    (lambda td: td["containerDefinitions"][1].__setitem__("memory", "320"), "expected an integer"),
    (lambda td: td["containerDefinitions"][1]["healthCheck"].pop("command"), "missing required member 'command'"),
    (lambda td: td["containerDefinitions"][0]["secrets"][0].pop("valueFrom"), "missing required member 'valueFrom'"),
    (lambda td: td["containerDefinitions"][1]["dependsOn"][0].__setitem__("condition", "READY"),
     "'READY' is not one of"),
    (lambda td: td["containerDefinitions"][0].__setitem__("essential", "true"), "expected a boolean"),
    (lambda td: td.pop("family"), "missing required member 'family'"),
])
def test_validator_catches_bad_input(task_def, mutate, expected):
    broken = copy.deepcopy(task_def)
    mutate(broken)
    errors = validate(broken, SHAPE)
    assert any(expected in e for e in errors), errors


def test_validator_uses_the_real_model():
    # Guards against validating against an empty or wrong shape.
    assert "containerDefinitions" in SHAPE.required_members and "family" in SHAPE.required_members
    enum = SHAPE.members["networkMode"].enum
    assert "awsvpc" in enum and "bridge" in enum
    assert botocore.session.get_session().get_service_model("ecs").api_version == "2014-11-13"


def test_fargate_sizing(task_def):
    assert task_def["requiresCompatibilities"] == ["FARGATE"]
    assert task_def["networkMode"] == "awsvpc"
    assert int(task_def["memory"]) in FARGATE_SIZES[task_def["cpu"]]
    # 0.25 vCPU with 1 GB, not the smallest 0.5 GB: at 0.5 GB the benchmark saw the app at 88 % of a 320 MiB
    # limit and the collector at 95 % of 192 MiB (docs/benchmark.md, "Memory"); the split must leave the app
    # container room for its heap, the JVM's native memory and the health-check JVM.
    assert (task_def["cpu"], task_def["memory"]) == ("256", "1024"), "0.25 vCPU / 1 GB is the sized target"
    hard = sum(c.get("memory", 0) for c in task_def["containerDefinitions"])
    assert hard <= int(task_def["memory"]), "container memory limits exceed the task's memory"


def test_collector_sidecar(task_def):
    col = container(task_def, "aws-otel-collector")
    assert col["image"] == COLLECTOR_IMAGE
    assert col["essential"] is True
    assert col["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    secret = {s["name"]: s["valueFrom"] for s in col["secrets"]}
    assert set(secret) == {"AOT_CONFIG_CONTENT"}
    assert re.fullmatch(r"arn:aws:ssm:us-west-2:123456789012:parameter/ecs-otel-sample/otel-collector-config",
                        secret["AOT_CONFIG_CONTENT"])
    assert "AOT_CONFIG_CONTENT" not in env_of(col), "config must come from SSM, not a plain env var"


def test_app_container(task_def):
    app = container(task_def, "sample-app")
    assert app["essential"] is True
    assert app["image"] == VALUES["APP_IMAGE"]
    assert app["dependsOn"] == [{"containerName": "aws-otel-collector", "condition": "HEALTHY"}]
    # The image's static probe (healthcheck/, ~2.5 MiB, a few ms of CPU), not a second JVM per probe.
    assert app["healthCheck"]["command"] == ["CMD", "/app/healthcheck"]
    assert "-XX:AOTCache=/app/sample-app.aot" in app["entryPoint"], "the image's AOT cache, for a faster start"
    assert [p["containerPort"] for p in app["portMappings"]] == [8080]
    env = env_of(app)
    assert env["PORT"] == "8080"
    assert env["OTEL_SERVICE_NAME"] == "sample-app"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4317"
    assert env["XRAY_SAMPLING_ENDPOINT"] == "http://127.0.0.1:2000"
    assert env["AWS_REGION"] == "us-west-2"
    assert env["AWS_LOG_GROUP_NAMES"] == app["logConfiguration"]["options"]["awslogs-group"]


def test_health_probe_source_is_built_into_the_image():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert (REPO / "healthcheck" / "main.go").is_file(), "the app health check runs healthcheck/ (Go)"
    assert "COPY --from=healthcheck /out/healthcheck /app/healthcheck" in dockerfile


def app_default_shutdown_grace() -> int:
    src = (APP_SRC / "config" / "AppConfig.java").read_text()
    m = re.search(r'"SHUTDOWN_GRACE_SECONDS",\s*(\d+),\s*\d+,\s*(\d+)', src)
    assert m, "AppConfig.java no longer declares SHUTDOWN_GRACE_SECONDS with a default; update this test"
    return int(m.group(1))


def test_stop_timeout_covers_shutdown_grace(task_def):
    app = container(task_def, "sample-app")
    grace = int(env_of(app).get("SHUTDOWN_GRACE_SECONDS", app_default_shutdown_grace()))
    assert grace == app_default_shutdown_grace() == 10
    # ECS sends SIGKILL stopTimeout seconds after SIGTERM. The app derives its shutdown budget (drain, executor
    # wait, telemetry flush, margin: config/ShutdownBudget.java) from STOP_TIMEOUT_SECONDS, so the variable must
    # be the container's own stopTimeout, or a raised stopTimeout would never reach the budget.
    assert int(env_of(app)["STOP_TIMEOUT_SECONDS"]) == app["stopTimeout"]
    # drain + 1 s executor wait + 2 s minimum flush + 2 s margin (ShutdownBudget's constants)
    assert grace + 5 <= app["stopTimeout"] <= 120, "Fargate allows at most 120 s"
    col = container(task_def, "aws-otel-collector")
    assert 5 <= col["stopTimeout"] <= 120


def test_hardening(task_def):
    names = {c["name"] for c in task_def["containerDefinitions"]}
    assert names == {"sample-app", "aws-otel-collector", "collector-storage-init"}
    volumes = {v["name"] for v in task_def.get("volumes", [])}
    for c in task_def["containerDefinitions"]:
        user = c.get("user", "")
        assert user and user.split(":")[0] not in ("0", "root"), f"{c['name']} must run as a non-root user"
        assert c["readonlyRootFilesystem"] is True, c["name"]
        assert not c.get("privileged"), c["name"]
        for mp in c.get("mountPoints", []):
            assert mp["sourceVolume"] in volumes
        assert c["image"].split(":")[-1] not in ("latest", ""), f"{c['name']} image must be pinned"
        log = c["logConfiguration"]
        assert log["logDriver"] == "awslogs"
        assert {"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} <= set(log["options"])
        for e in c.get("environment", []):
            assert not re.search(r"SECRET|PASSWORD|TOKEN|ACCESS_KEY", e["name"]), f"secret-like env {e['name']}"


def test_app_heap_leaves_room_for_the_rest_of_the_jvm(task_def):
    app = container(task_def, "sample-app")
    # The java command line decides (it beats JAVA_TOOL_OPTIONS); only _JAVA_OPTIONS would beat it.
    assert "_JAVA_OPTIONS" not in env_of(app) and "JAVA_TOOL_OPTIONS" not in env_of(app)
    flags = [f for f in app["entryPoint"] if f.startswith("-XX:MaxRAMPercentage=")]
    assert len(flags) == 1, "the app's entryPoint must size the heap explicitly"
    percent = float(flags[0].split("=")[1])
    # bench/ measured ~120 MiB outside the heap under load (metaspace, code cache, JIT arenas, CDS,
    # threads, malloc); with a 60 % heap of 320 MiB the app reached 317 MiB RSS. The health check is a
    # second JVM in the same container (~41 MiB peak, measured in bench/): it needs room too.
    assert app["memory"] * (100 - percent) / 100 >= 144 + 41, "the JVM's native memory + the health-check JVM"


def test_unique_log_groups(task_def):
    # The init container exists for the collector and logs to its group (its own stream: ecs/<container>/<task>).
    groups = [c["logConfiguration"]["options"]["awslogs-group"] for c in task_def["containerDefinitions"]
              if c["essential"]]
    assert len(set(groups)) == len(groups)
    init = container(task_def, "collector-storage-init")
    assert init["logConfiguration"] == container(task_def, "aws-otel-collector")["logConfiguration"]
    assert all(g.startswith("/ecs/ecs-otel-sample/") for g in groups)


def test_every_container_restarts_in_place_but_not_a_crash_loop(task_def):
    # ECS restarts a container with an enabled restart policy inside the running task, so a collector crash costs
    # only that container's restart, not the task (an essential container's exit stops the task otherwise). A
    # container that exits sooner than restartAttemptPeriod after its start is not restarted (API reference,
    # ContainerRestartPolicy): 60 s, the minimum ECS takes, lets a config that never starts stop the task, which
    # the deployment circuit breaker then rolls back; exit codes are not ignored, so an OOM exit restarts too.
    for c in task_def["containerDefinitions"]:
        if not c["essential"]:   # collector-storage-init exits 0 by design: a policy would restart it forever
            assert not c.get("restartPolicy", {}).get("enabled"), f"{c['name']} must run once"
            continue
        policy = c.get("restartPolicy", {})
        assert policy.get("enabled") is True, f"{c['name']}: restartPolicy.enabled"
        assert policy.get("restartAttemptPeriod") == 60, f"{c['name']}: restartAttemptPeriod (60..1800, minimum 60)"
        assert not policy.get("ignoredExitCodes"), f"{c['name']}: every exit is a crash to restart"


def test_collector_queue_is_a_task_volume_its_non_root_user_can_write(task_def):
    # otlp_http/xray's persistent queue (file_storage) lives on a task volume: it survives a restart of the
    # collector container in place (restartPolicy), and it is the collector's only writable path. Fargate creates
    # the volume root-owned 0755; an init container of the app image, which declares the path as a VOLUME owned
    # by uid 10001 (test_consistency checks the Dockerfile), mounts it first, so Fargate fills it from the image,
    # owner included. Nothing runs as root and nothing gets a capability.
    volumes = {v["name"]: v for v in task_def["volumes"]}
    assert volumes == {"collector-storage": {"name": "collector-storage"}}, "a plain task (bind mount) volume"
    col, init = container(task_def, "aws-otel-collector"), container(task_def, "collector-storage-init")
    assert col["mountPoints"] == init["mountPoints"] == [
        {"sourceVolume": "collector-storage", "containerPath": "/var/lib/aws-otel-collector", "readOnly": False}]
    assert col["dependsOn"] == [{"containerName": "collector-storage-init", "condition": "SUCCESS"}]
    assert init["essential"] is False
    assert init["image"] == container(task_def, "sample-app")["image"], "the image that declares the VOLUME"
    assert init["user"] == col["user"] and init["readonlyRootFilesystem"] is True
    assert init["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    # It must exit 0 at once: the image has no shell or coreutils, its JVM prints its version.
    assert init["entryPoint"] == ["java", "-XX:-UsePerfData", "-version"] and "command" not in init
    # No hard limit or health check: it runs for well under a second inside the task's memory.
    assert "memory" not in init and "healthCheck" not in init and "portMappings" not in init
