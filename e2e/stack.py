"""The loopback replica of the ECS task, started the same way by e2e/conftest.py and reliability/conftest.py.

    Prometheus (remote-write receiver) <- AMP stand-in (SigV4 check) <-+
                                                                       |  collector, SHIPPED config
    X-Ray stand-in (SigV4 check, sampling rules) <---------------------+-- (otlp, awsproxy, ecs metrics)
    S3 stand-in <- sample-app instance(s) (:8080, :8081)
    ECS task metadata v4 stand-in -> collector (resource detection, container metrics) and the apps

Each suite's conftest decides which apps run with which settings, the teardown order and its messages; the
start-up of every piece, the environment it gets and its readiness check are here, once. Every process is a
harness.Proc (own process group, output in the suite's log directory) registered in Stack.procs *before* its
readiness wait, so the suite's teardown stops it even when the wait fails.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import awsutil
# report_logs: the conftests import it from here
from harness import Proc, clean_env, get, get_json, http, port_in_use, report_logs, tail  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "otel-collector-config.yaml"
ADOT_LAUNCH = REPO / "collector" / "adot-launch.sh"
SAMPLING_RULES = REPO / "deploy" / "xray-sampling-rules.json"   # the rules the stack deploys
ALERT_RULES = REPO / "monitoring" / "alert-rules.yml"   # the alerts AMP's ruler evaluates

ZIPKIN = "http://127.0.0.1:9411"   # the local trace UI, fed by the X-Ray stand-in
XRAY = "http://127.0.0.1:4510"
AMP = "http://127.0.0.1:4511"
S3 = "http://127.0.0.1:4512"
ECS_META = "http://127.0.0.1:4513"
PROM = "http://127.0.0.1:9090"
COLLECTOR_HEALTH = "http://127.0.0.1:13133/"

# Ports the stack binds besides the apps' (each suite adds its apps' ports under its own names); all must be
# free before anything starts, else a suite would test someone else's process.
BACKEND_PORTS = {9090: "prometheus", 4510: "x-ray stand-in", 4511: "amp stand-in", 4512: "s3 stand-in",
                 4513: "ecs metadata stand-in", 4317: "collector otlp grpc", 4318: "collector otlp http",
                 13133: "collector health_check", 2000: "collector awsproxy", 8888: "collector self-telemetry"}

# JVM options of the app and the stand-ins: small, quick to start.
JVM_OPTIONS = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]


def artifact(env_name: str, default: Path, runner: str) -> Path:
    """The path in $env_name (else `default`); ends the session when it does not exist."""
    path = Path(os.environ.get(env_name) or default)
    if not path.exists():
        pytest.exit(f"missing {path} ({env_name}); run {runner}, which builds it", returncode=2)
    return path


def suite_artifacts(prefix: str, runner: str, config: Path) -> tuple[str, Path, Path, Path]:
    """What the suite's run.sh passes as {prefix}_JAVA, _APP_JAR, _STANDINS_JAR and _COLLECTOR_BIN (each file
    checked to exist, as is {prefix}_CONFIG or `config`): (java, app jar, stand-ins jar, collector binary)."""
    java = os.environ.get(f"{prefix}_JAVA", "java")
    app_jar = artifact(f"{prefix}_APP_JAR", REPO / "target" / "sample-app.jar", runner)
    standins_jar = artifact(f"{prefix}_STANDINS_JAR", REPO / "standins" / "target" / "aws-standins.jar", runner)
    collector_bin = artifact(f"{prefix}_COLLECTOR_BIN", Path("/nonexistent/otelcol-ecs"), runner)
    artifact(f"{prefix}_CONFIG", config, runner)
    return java, app_jar, standins_jar, collector_bin


def base_env() -> dict[str, str]:
    """A clean environment (harness.clean_env) with AWS's published example credentials the stand-ins accept."""
    env = clean_env()
    env.update({
        "AWS_ACCESS_KEY_ID": awsutil.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": awsutil.SECRET_KEY,
        "AWS_REGION": awsutil.REGION,
    })
    return env


def collector_env(**extra: str) -> dict[str, str]:
    """The variables the shipped config reads, pointed at the stand-ins; `extra` adds or overrides."""
    env = base_env()
    env.update({
        "AMP_REMOTE_WRITE_URL": f"{AMP}/workspaces/ws-local/api/v1/remote_write",
        "XRAY_ENDPOINT": XRAY,
        "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/aws-otel-collector",
        # The collector's own metrics every 5 s instead of 60 s, as the apps export every 2 s here.
        "COLLECTOR_METRICS_INTERVAL": "5s",
    })
    env.update(extra)
    return env


def app_env(port: int, service: str, **extra: str) -> dict[str, str]:
    """A sample-app instance's environment as in the task definition, on loopback; `extra` adds or overrides."""
    env = base_env()
    env.update({
        "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "OTEL_SERVICE_NAME": service,
        "AWS_ENDPOINT_URL_S3": S3,
        "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/sample-app",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
        "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:2000",
        "OTEL_METRIC_EXPORT_INTERVAL": "2000",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "ORDERS_LATENCY_MS": "10",
    })
    env.update(extra)
    return env


def busy_ports(ports: dict[int, str]) -> list[str]:
    """The ports of `ports` something already listens on, as "port (what)"."""
    return [f"{port} ({what})" for port, what in ports.items() if port_in_use(port)]


@dataclass
class Stack:
    logdir: Path
    java: str = "java"
    app_jar: Path | None = None
    collector_bin: Path | None = None
    procs: dict[str, Proc] = field(default_factory=dict)
    # Put before Prometheus's and the stand-ins' command lines: bench/ runs them at `nice -n 19`, as they play
    # remote AWS services that cost an ECS task no CPU.
    backend_prefix: tuple[str, ...] = ()

    def log_tail(self, name: str, lines: int = 80) -> str:
        return tail(self.procs[name].log, lines)

    def _launch(self, key: str, proc: Proc, probe, timeout: float, what: str) -> Proc:
        self.procs[key] = proc.start()  # registered before the wait: teardown stops it whatever happens
        proc.wait_ready(probe, timeout, what)
        return proc

    def start_prometheus(self, binary: str) -> Proc:
        """Prometheus with the remote-write receiver and no scrape jobs (it only stores what AMP forwards), evaluating
        the alert rules AMP's ruler gets (monitoring/alert-rules.yml) every 5 s instead of every minute."""
        prom_dir = self.logdir / "prometheus"
        prom_dir.mkdir()
        (prom_dir / "prometheus.yml").write_text(
            "global:\n  evaluation_interval: 5s\n"
            f"rule_files: [{json.dumps(str(ALERT_RULES))}]\nscrape_configs: []\n")
        proc = Proc("prometheus", [
            *self.backend_prefix, binary,
            f"--config.file={prom_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={prom_dir / 'data'}",
            "--web.listen-address=127.0.0.1:9090",
            "--web.enable-remote-write-receiver",
        ], base_env(), self.logdir)
        return self._launch(
            "prometheus", proc,
            lambda: get(f"{PROM}/-/ready").status == 200
            and get_json(f"{PROM}/api/v1/status/flags")["data"]["storage.tsdb.path"] == str(prom_dir / "data"),
            60, "/-/ready (this instance, judged by its storage path)")

    def launch_zipkin(self, jar: Path) -> Proc:
        """Zipkin (in-memory storage, loopback only) without waiting for it: it takes ~15 s to start, so the rest
        of the stack starts meanwhile; wait_zipkin() waits. The stand-ins feed it (ZIPKIN_URL)."""
        proc = Proc("zipkin", [self.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar),
                               "--armeria.ports[0].port=9411", "--armeria.ports[0].ip=127.0.0.1",
                               "--armeria.ports[0].protocols[0]=http"], base_env(), self.logdir)
        self.procs["zipkin"] = proc.start()
        return proc

    def wait_zipkin(self) -> None:
        self.procs["zipkin"].wait_ready(lambda: get(f"{ZIPKIN}/health").status == 200, 120, "Zipkin /health")

    def start_standins(self, jar: Path, jvm_options: tuple[str, ...] = (), small_jvm: bool = True,
                       **extra_env: str) -> Proc:
        """The AWS stand-ins (X-Ray, AMP -> Prometheus, S3, ECS metadata), all SigV4-verifying. Their JVM runs with
        JVM_OPTIONS, then `jvm_options`; small_jvm=False leaves out JVM_OPTIONS (the JVM's own GC and JIT)."""
        env = base_env()
        env.update({"BIND_ADDRESS": "127.0.0.1", "PROMETHEUS_URL": PROM, "SAMPLING_RULES_FILE": str(SAMPLING_RULES),
                    "STANDIN_ACCESS_KEY_ID": awsutil.ACCESS_KEY,
                    "STANDIN_SECRET_ACCESS_KEY": awsutil.SECRET_KEY, "STANDIN_REGION": awsutil.REGION})
        env.update(extra_env)
        proc = Proc("standins", [*self.backend_prefix, self.java, *(JVM_OPTIONS if small_jvm else ()), *jvm_options,
                                 "-jar", str(jar)], env, self.logdir)
        self.procs["standins"] = proc.start()
        for base in (XRAY, AMP, S3, ECS_META):
            proc.wait_ready(lambda b=base: get(f"{b}/admin/stats").status == 200, 90, f"{base}/admin/stats")
        return proc

    def start_collector(self, name: str, key: str | None = None, config: Path = SHIPPED_CONFIG,
                        feature_gates: str | None = None, storage_dir: Path | None = None,
                        **extra_env: str) -> Proc:
        """The collector on `config` (the shipped one, unchanged, by default), started the way ADOT starts on ECS
        (collector/adot-launch.sh: AOT_CONFIG_CONTENT as stored in SSM, the task definition's command, uid 10001,
        read-only root, no capabilities); only environment variables differ from ECS. `feature_gates` replaces
        the task definition's command by that one flag ("" = no flags). Its task volume (file_storage) is
        `storage_dir`, by default one directory per stack, so a restart finds what the last run queued, as a
        container restarted in place by ECS does. Kept in procs[key] (default: `name`); waits for its health check."""
        env = collector_env(**extra_env)
        env["ADOT_STORAGE_DIR"] = str(storage_dir or self.collector_storage_dir())
        if feature_gates is not None:
            env["ADOT_COMMAND"] = f"--feature-gates={feature_gates}" if feature_gates else ""
        proc = Proc(name, [str(ADOT_LAUNCH), str(self.collector_bin), str(config)], env, self.logdir)
        return self._launch(key or name, proc, lambda: get(COLLECTOR_HEALTH).status == 200, 90,
                            "health_check on :13133")

    def collector_storage_dir(self) -> Path:
        """The stack's collector task volume (adot-launch.sh's ADOT_STORAGE_DIR), under the log directory."""
        return self.logdir / "collector-storage"

    def start_app(self, name: str, port: int, service: str, **extra_env: str) -> Proc:
        """A sample-app instance (app_env(port, service, **extra_env)); waits for its /health."""
        proc = Proc(name, [self.java, *JVM_OPTIONS, "-jar", str(self.app_jar)],
                    app_env(port, service, **extra_env), self.logdir)
        return self._launch(name, proc, lambda: get(f"http://127.0.0.1:{port}/health").status == 200, 90,
                            "/health")

    def stop(self, names: list[str], suite: str) -> None:
        """Stops the named processes in this order, noting each exit code at the end of its log."""
        for name in names:
            code = self.procs[name].stop()
            with open(self.procs[name].log, "a") as f:
                f.write(f"\n[{suite}] {name} stopped, exit code {code}\n")


# --- the X-Ray stand-in's sampling rules (e2e/ and compose/) -----------------------------------------------

# The rules the e2e tests (all but the sampling test) and the compose test run under: sample everything, so each
# request's trace can be looked up. (X-Ray's own default rule, 1/s then 5 %, would make the checks probabilistic.)
SAMPLE_ALL_RULES = [
    {"RuleName": "Default", "Priority": 10000, "FixedRate": 1.0, "ReservoirSize": 0, "ServiceName": "*",
     "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "ResourceARN": "*", "Version": 1,
     "Attributes": {}},
]


def put_sampling_rules(rules: list[dict]) -> None:
    reply = http("PUT", f"{XRAY}/admin/sampling-rules", body=json.dumps(rules).encode(),
                 headers={"Content-Type": "application/json"})
    assert reply.status in (200, 204), f"PUT /admin/sampling-rules -> {reply.status} {reply.text()[:300]}"


def sampling_rule_polls() -> int:
    """How many GetSamplingRules calls (from the apps, through the collector's awsproxy) the stand-in answered."""
    accepted = xray_stats().get("accepted", {})
    return accepted.get("POST /GetSamplingRules", 0)


# --- backend reads -----------------------------------------------------------------------------------------

def xray_stats() -> dict:
    return get_json(f"{XRAY}/admin/stats")


def xray_documents(timeout: float = 15.0) -> list[dict]:
    """Every segment/subsegment document the X-Ray stand-in accepted (PutTraceSegments), parsed.
    GET /admin/segments answers a JSON array of the documents as sent (XRayStandin.storedSegments)."""
    docs = get_json(f"{XRAY}/admin/segments", timeout=timeout)
    assert isinstance(docs, list), f"/admin/segments is not a JSON array: {str(docs)[:200]}"
    return docs


def promql(query: str, at: float | None = None) -> list[dict]:
    """An instant PromQL query over Prometheus's HTTP API (at `at`, else now); returns the result."""
    params = {"query": query}
    if at is not None:
        params["time"] = f"{at:.3f}"
    data = get_json(f"{PROM}/api/v1/query?" + urllib.parse.urlencode(params))
    assert data["status"] == "success", data
    return data["data"]["result"]
