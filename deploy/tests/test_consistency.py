"""The task definition, collector config, compose file, Dockerfile and app defaults agree.

Files owned by other parts of the project are required: a missing one fails the test loudly.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml

import config_budget
from config_budget import HEADROOM, SSM_ADVANCED_TIER

from conftest import (APP_SRC, REPO, COLLECTOR_CONFIG, COMPOSE, DEPLOY, DOCKERFILE, container, env_of,
                      require_file)

ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")
# Variables ECS itself injects into every container of a task.
ECS_PROVIDED = {"ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}
ADOT_HEALTHCHECK_PORT = 13133   # what ADOT's /healthcheck binary probes


@pytest.fixture(scope="module")
def collector_text() -> str:
    return require_file(COLLECTOR_CONFIG, "the collector helper").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def collector(collector_text) -> dict:
    return yaml.safe_load(collector_text)


# Read by the Go runtime of the collector, not by its config.
GO_RUNTIME_VARS = {"GOGC", "GOMEMLIMIT"}


def port_of(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def url_port(url: str) -> int:
    return urlsplit(url).port


def test_every_env_reference_is_provided(collector_text, task_def):
    col = container(task_def, "aws-otel-collector")
    provided = set(env_of(col)) | {s["name"] for s in col.get("secrets", [])} | ECS_PROVIDED
    refs = ENV_REF.findall(collector_text)
    assert refs, "the collector config references no ${env:...} at all?"
    missing = sorted({name for name, default in refs if name not in provided and not default})
    assert missing == [], f"collector config needs {missing}, which the task definition does not set"
    # No other ${...} form that the collector would expand (or choke on); $${...} is an escaped literal $.
    others = set(re.findall(r"(?<!\$)\$\{[^}]*\}", collector_text)) - {m.group(0) for m in ENV_REF.finditer(collector_text)}
    assert others == set(), others


def test_task_definition_sets_nothing_the_config_ignores(collector_text, task_def):
    col = container(task_def, "aws-otel-collector")
    # COLLECTOR_CONFIG_SHA256 is read by nothing on purpose: it makes every config change a new revision.
    used = {name for name, _ in ENV_REF.findall(collector_text)} | {"AOT_CONFIG_CONTENT", "COLLECTOR_CONFIG_SHA256"} \
        | GO_RUNTIME_VARS
    unused = set(env_of(col)) - used
    assert unused == set(), f"collector env vars not referenced by the config: {unused}"


def mib(size: str) -> float:
    m = re.fullmatch(r"(\d+)(B|KiB|MiB|GiB)", size)
    assert m, f"unexpected Go size {size!r}"
    return int(m.group(1)) / {"B": 2**20, "KiB": 2**10, "MiB": 1, "GiB": 1 / 2**10}[m.group(2)]


def test_go_memory_limit_sits_below_the_memory_limiters_soft_limit(collector, task_def):
    """GOMEMLIMIT makes the Go GC work harder as the heap nears it; it only helps if that happens
    before memory_limiter's soft limit (limit - spike), where the collector starts refusing data."""
    col = container(task_def, "aws-otel-collector")
    env = env_of(col)
    ml = collector["processors"]["memory_limiter"]
    soft_limit = col["memory"] * (ml["limit_percentage"] - ml["spike_limit_percentage"]) / 100
    assert "GOMEMLIMIT" in env, "set GOMEMLIMIT with GOGC (a high GOGC alone can grow the heap past the limiter)"
    assert mib(env["GOMEMLIMIT"]) <= soft_limit, (env["GOMEMLIMIT"], soft_limit)
    assert int(env.get("GOGC", "100")) >= 100


def test_ports_agree(collector, task_def):
    app_env = env_of(container(task_def, "sample-app"))
    grpc = collector["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    http = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert (port_of(grpc), port_of(http)) == (4317, 4318)
    assert url_port(app_env["OTEL_EXPORTER_OTLP_ENDPOINT"]) == port_of(grpc)
    assert app_env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc") == "grpc"
    assert url_port(app_env["XRAY_SAMPLING_ENDPOINT"]) == port_of(collector["extensions"]["awsproxy"]["endpoint"]) == 2000
    assert port_of(collector["extensions"]["health_check"]["endpoint"]) == ADOT_HEALTHCHECK_PORT
    # The app reaches the sidecar over the task's shared loopback (awsvpc). The collector binds
    # 127.0.0.1 only, so the app must use that address (not "localhost", which may resolve to ::1).
    for url, ep in ((app_env["OTEL_EXPORTER_OTLP_ENDPOINT"], grpc),
                    (app_env["XRAY_SAMPLING_ENDPOINT"], collector["extensions"]["awsproxy"]["endpoint"])):
        bind = ep.rsplit(":", 1)[0]
        assert bind in ("127.0.0.1", "0.0.0.0", ""), f"collector listener {ep} is not loopback/any"
        assert urlsplit(url).hostname == "127.0.0.1" or bind in ("0.0.0.0", ""), (url, ep)


def test_pipelines_export_to_xray_and_amp(collector, task_def):
    exporters = collector["exporters"]
    pipelines = collector["service"]["pipelines"]
    # The traces exporter is awsxray unless TRACES_EXPORTER selects the durable otlp_http/xray path.
    traces_exporters = pipelines["traces"]["exporters"]
    assert traces_exporters in (["awsxray"], ["${env:TRACES_EXPORTER:-awsxray}"]), traces_exporters
    assert "awsxray" in exporters and "otlp_http/xray" in exporters
    prw = [k for k in exporters if k.startswith(("prometheusremotewrite", "prometheus_remote_write"))]
    assert prw, "no Prometheus remote-write exporter"
    assert exporters[prw[0]]["endpoint"] == "${env:AMP_REMOTE_WRITE_URL}"
    sigv4 = collector["extensions"]["sigv4auth"]
    assert sigv4.get("service") == "aps"
    remote_write = env_of(container(task_def, "aws-otel-collector"))["AMP_REMOTE_WRITE_URL"]
    assert re.fullmatch(r"https://aps-workspaces\.us-west-2\.amazonaws\.com/workspaces/ws-local/api/v1/remote_write",
                        remote_write)


def test_memory_limiter_follows_a_container_limit(collector, task_def):
    ml = collector["processors"].get("memory_limiter", {})
    if "limit_percentage" in ml:
        # Percentages are of the cgroup limit: give the collector its own hard limit, or it would
        # size itself against the whole task and starve the app.
        assert container(task_def, "aws-otel-collector").get("memory"), "collector needs a container memory limit"


def test_ssm_value_fits_advanced_tier_with_headroom(collector_text):
    budget = config_budget.stored_config()
    assert 0 < budget.size <= budget.allowed, (
        f"collector config is {budget.size} bytes as stored in SSM; keep it under {budget.allowed} bytes so that "
        f"{HEADROOM:.0%} of the Advanced tier's {SSM_ADVANCED_TIER} bytes stay free for users' additions")
    # Dropping comments must not change the configuration the collector sees.
    assert yaml.safe_load(budget.stored) == yaml.safe_load(collector_text)


def test_docs_quote_the_config_size_and_headroom_this_check_computes():
    quoted = config_budget.docs_block(config_budget.DOCS.read_text(encoding="utf-8"))
    assert quoted == config_budget.stored_config().sentence(), (
        "docs/deploy.md quotes stale config-size figures: run `python3 deploy/tests/config_budget.py --write`")


def test_app_defaults_match_task_definition(task_def):
    app = container(task_def, "sample-app")
    env = env_of(app)
    app_config = (APP_SRC / "config" / "AppConfig.java").read_text()
    telemetry_config = (APP_SRC / "config" / "TelemetryConfig.java").read_text()
    telemetry = (APP_SRC / "telemetry" / "SdkDefaults.java").read_text()  # the SDK defaults Telemetry applies
    port = re.search(r'"PORT",\s*(\d+)', app_config)
    sampling = re.search(r'"XRAY_SAMPLING_ENDPOINT",\s*"([^"]+)"', telemetry_config)
    service = re.search(r'DEFAULT_SERVICE_NAME\s*=\s*"([^"]+)"', telemetry_config)
    protocol = re.search(r'"otel\.exporter\.otlp\.protocol",\s*"([^"]+)"', telemetry)
    assert port and sampling and service and protocol, "app source no longer declares these defaults; update this test"
    assert env["PORT"] == port.group(1) == str(app["portMappings"][0]["containerPort"])
    # Same port as the app's default; the host is 127.0.0.1 instead of localhost (see test_ports_agree).
    assert url_port(env["XRAY_SAMPLING_ENDPOINT"]) == url_port(sampling.group(1))
    assert urlsplit(sampling.group(1)).hostname in ("localhost", "127.0.0.1")
    assert env["OTEL_SERVICE_NAME"] == service.group(1)
    assert env.get("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.group(1)) == protocol.group(1) == "grpc"
    # The SDK's own default endpoint for gRPC is http://localhost:4317: same port.
    assert url_port(env["OTEL_EXPORTER_OTLP_ENDPOINT"]) == 4317


def dockerfile_runtime_stage() -> str:
    text = require_file(DOCKERFILE, "the app/docker helper").read_text()
    return re.split(r"(?m)^FROM ", text)[-1]


def test_dockerfile_matches_task_definition(task_def):
    stage = dockerfile_runtime_stage()
    app = container(task_def, "sample-app")
    user = re.search(r"(?m)^USER\s+(\S+)", stage)
    assert user and user.group(1) == app["user"], "task definition user must be the image's non-root user"
    assert "/app/sample-app.jar" in stage
    hc = re.search(r"HEALTHCHECK[^\n]*\\\n\s*CMD\s*(\[.*?\])", stage, re.S)
    assert hc, "Dockerfile HEALTHCHECK not found"
    docker_cmd = yaml.safe_load(hc.group(1).replace("\\\n", " "))
    assert app["healthCheck"]["command"] == ["CMD", *docker_cmd], "ECS and Docker should run the same probe"
    # entryPoint = the image's ENTRYPOINT with only the heap percentage changed (see the template).
    ep = re.search(r"(?ms)^ENTRYPOINT\s*(\[.*?\])\s*$", stage)
    assert ep, "Dockerfile ENTRYPOINT (exec form) not found"
    image_entrypoint = yaml.safe_load(ep.group(1).replace("\\\n", " "))
    heap = re.compile(r"-XX:MaxRAMPercentage=\d+")
    assert [heap.sub("HEAP", a) for a in app["entryPoint"]] == [heap.sub("HEAP", a) for a in image_entrypoint], (
        "the task definition's entryPoint drifted from the Dockerfile's ENTRYPOINT")
    port = re.search(r"(?m)^EXPOSE\s+(\d+)", stage)
    assert port and int(port.group(1)) == app["portMappings"][0]["containerPort"]


def test_tmp_volume_is_writable_for_the_app_user(task_def):
    """Fargate bind mounts are root-owned 0755 unless the image declares the path as a VOLUME (ECS then
    copies the image's directory, permissions included): without VOLUME /tmp the non-root app could
    not write its /tmp on a read-only root file system."""
    app = container(task_def, "sample-app")
    mounted = {m["containerPath"] for m in app.get("mountPoints", [])}
    if "/tmp" in mounted:
        stage = dockerfile_runtime_stage()
        assert re.search(r'(?m)^VOLUME\s+(\[\s*"/tmp"\s*\]|/tmp\b)', stage), (
            "Dockerfile must declare VOLUME /tmp (with /tmp mode 1777) for the task definition's /tmp mount")


def test_collector_queue_directory_is_the_volume_the_init_image_hands_to_the_collector_user(collector, task_def):
    """The config's file_storage directory default is the collector's mount point, and the app image declares that
    path as a VOLUME owned by the containers' uid, mode 0700: what Fargate copies into the task volume when the
    init container mounts it (ECS developer guide, "Bind mounts": root 0755 unless the image's VOLUME says else)."""
    col = container(task_def, "aws-otel-collector")
    (mount,) = col["mountPoints"]
    default = re.fullmatch(r"\$\{env:COLLECTOR_STORAGE_DIR:-([^}]+)\}", collector["extensions"]["file_storage"]["directory"])
    assert default and default.group(1) == mount["containerPath"]
    assert collector["exporters"]["otlp_http/xray"]["sending_queue"]["storage"] == "file_storage"
    assert "file_storage" in collector["service"]["extensions"]
    stage = dockerfile_runtime_stage()
    path = mount["containerPath"]
    assert re.search(rf'(?m)^VOLUME\s+\[\s*"{re.escape(path)}"\s*\]', stage), f"Dockerfile must declare VOLUME {path}"
    text = DOCKERFILE.read_text()
    uid = col["user"].split(":")[0]
    assert re.search(rf"chown {uid}:{uid} /rootfs{re.escape(path)};", text), f"{path} must belong to uid {uid}"
    assert re.search(rf"chmod 700 /rootfs{re.escape(path)};", text)
    assert re.search(rf"mkdir -p [^;]*/rootfs{re.escape(path)}[ ;]", text)


def compose_env(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def test_compose_agrees(task_def):
    compose = yaml.safe_load(require_file(COMPOSE, "the docker helper").read_text())
    services = compose["services"]
    names = {c["name"] for c in task_def["containerDefinitions"]}
    assert names <= set(services), f"compose services {sorted(services)} should include the ECS container names {sorted(names)}"

    ecs_app, ecs_col = container(task_def, "sample-app"), container(task_def, "aws-otel-collector")
    app, col = services["sample-app"], services["aws-otel-collector"]
    env, ecs_env = compose_env(app), env_of(ecs_app)
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "XRAY_SAMPLING_ENDPOINT", "PORT", "OTEL_SERVICE_NAME"):
        assert env.get(var) == ecs_env[var], f"{var}: compose {env.get(var)!r} vs ECS {ecs_env[var]!r}"
    # Like awsvpc: the app shares the collector's network namespace, so loopback endpoints work.
    assert app.get("network_mode") == col.get("network_mode") and str(col.get("network_mode", "")).startswith("service:")
    # Same collector image (by default) and the same health probe.
    assert ecs_col["image"] in str(col["image"])
    assert col["healthcheck"]["test"] == ecs_col["healthCheck"]["command"]
    # The collector gets the variables ECS gives it (values differ: stand-ins instead of AWS); the config hash
    # only makes ECS roll the service, which compose has no use for (it mounts the file).
    assert set(env_of(ecs_col)) - {"COLLECTOR_CONFIG_SHA256"} <= set(compose_env(col))
    assert app.get("read_only") is True and col.get("read_only") is True
    # docker stops with SIGKILL after stop_grace_period (10 s by default) as ECS does after stopTimeout; the app
    # budgets its drain and flush inside STOP_TIMEOUT_SECONDS, so both apps get the task definition's figure.
    for name in ("sample-app", "sample-app-peer"):
        assert services[name].get("stop_grace_period") == f"{ecs_app['stopTimeout']}s", name
    # A crash restarts the container in place, as the task definition's restartPolicy does on ECS.
    for c in task_def["containerDefinitions"]:
        if c.get("restartPolicy", {}).get("enabled"):
            assert services[c["name"]].get("restart") == "on-failure", c["name"]
    assert services["sample-app-peer"].get("restart") == "on-failure"
    # The queue volume: a named volume (kept across a restart), filled by the init service first, as on ECS.
    init = services["collector-storage-init"]
    ecs_init = container(task_def, "collector-storage-init")
    (mount,) = ecs_col["mountPoints"]
    want = f"collector-storage:{mount['containerPath']}"
    assert want in col["volumes"] and init["volumes"] == [want]
    assert "collector-storage" in compose["volumes"]
    assert col["depends_on"]["collector-storage-init"] == {"condition": "service_completed_successfully"}
    assert init["entrypoint"] == ecs_init["entryPoint"] and init["user"] == ecs_init["user"]
    assert init.get("read_only") is True and "restart" not in init


def test_trace_ui_runs_the_same_zipkin_everywhere():
    # docker-compose.yml's default image, the jar the e2e/compose tests run, and the stand-ins' Zipkin library.
    import re
    compose = yaml.safe_load(COMPOSE.read_text())
    image = compose["services"]["zipkin"]["image"]
    (tag,) = re.findall(r"openzipkin/zipkin:([0-9.]+)", image)
    lib = (REPO / "e2e" / "lib.sh").read_text()
    (jar,) = re.findall(r"^ZIPKIN_VERSION=([0-9.]+)$", lib, re.M)
    pom = (REPO / "standins" / "pom.xml").read_text()
    (library,) = re.findall(r"<zipkin.version>([0-9.]+)</zipkin.version>", pom)
    assert tag == jar == library, (tag, jar, library)
    # The stand-ins feed it inside the task namespace.
    assert compose["services"]["aws-standins"]["environment"]["ZIPKIN_URL"] == "http://127.0.0.1:9411"
