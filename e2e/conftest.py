"""Session fixtures: the whole local replica of the ECS task, on loopback only.

    Prometheus (remote-write receiver) <- AMP stand-in (SigV4 check) <-+
                                                                       |  collector, SHIPPED config
    X-Ray stand-in (SigV4 check, sampling rules) <---------------------+-- (otlp, awsproxy, ecs metrics)
    S3 stand-in <- app A (sample-app :8080) --HTTP--> app B (sample-app-peer :8081)
    ECS task metadata v4 stand-in -> collector (resource detection, container metrics) and both apps

Every process runs in its own process group with its output in a temp log directory; all of them are
stopped in teardown whatever happened, and their logs are tailed in the report when a test failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import awsutil
from harness import Proc, get, get_json, http, port_in_use, tail, wait_until

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "otel-collector-config.yaml"

XRAY = "http://127.0.0.1:4510"
AMP = "http://127.0.0.1:4511"
S3 = "http://127.0.0.1:4512"
ECS_META = "http://127.0.0.1:4513"
PROM = "http://127.0.0.1:9090"
APP_A = "http://127.0.0.1:8080"
APP_B = "http://127.0.0.1:8081"
SERVICE_A = "sample-app"
SERVICE_B = "sample-app-peer"

# Ports the stack binds; all must be free before anything starts (else we would test someone else's process).
PORTS = {9090: "prometheus", 4510: "x-ray stand-in", 4511: "amp stand-in", 4512: "s3 stand-in",
         4513: "ecs metadata stand-in", 4317: "collector otlp grpc", 4318: "collector otlp http",
         13133: "collector health_check", 2000: "collector awsproxy", 8888: "collector self-telemetry",
         8080: "app A", 8081: "app B"}

XRAY_TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")

# The sampling rules every test but the sampling test runs under: sample everything, so each request's
# trace can be looked up. (X-Ray's own default rule, 1/s then 5 %, would make the checks probabilistic.)
SAMPLE_ALL_RULES = [
    {"RuleName": "Default", "Priority": 10000, "FixedRate": 1.0, "ReservoirSize": 0, "ServiceName": "*",
     "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "ResourceARN": "*", "Version": 1,
     "Attributes": {}},
]

_LOGDIR: Path | None = None


def _artifact(env_name: str, default: Path) -> Path:
    path = Path(os.environ.get(env_name) or default)
    if not path.exists():
        pytest.exit(f"missing {path} ({env_name}); run e2e/run.sh, which builds it", returncode=2)
    return path


def _base_env() -> dict[str, str]:
    """A clean environment: nothing from the caller's AWS setup, proxies or OTEL_* leaks in."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update({
        "AWS_ACCESS_KEY_ID": awsutil.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": awsutil.SECRET_KEY,
        "AWS_REGION": awsutil.REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost,::1",
        "no_proxy": "127.0.0.1,localhost,::1",
    })
    return env


@dataclass
class Stack:
    logdir: Path
    procs: dict[str, Proc] = field(default_factory=dict)
    collector_bin: Path | None = None

    def log_tail(self, name: str, lines: int = 80) -> str:
        return tail(self.procs[name].log, lines)


def collector_env(**extra: str) -> dict[str, str]:
    env = _base_env()
    env.update({
        "AMP_REMOTE_WRITE_URL": f"{AMP}/workspaces/ws-local/api/v1/remote_write",
        "XRAY_ENDPOINT": XRAY,
        "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/aws-otel-collector",
    })
    env.update(extra)
    return env


def start_collector(st: "Stack", name: str, **extra_env: str) -> Proc:
    """Starts the collector with the shipped config (unchanged) and waits for its health check."""
    proc = Proc(name, [str(st.collector_bin), f"--config={CONFIG}"], collector_env(**extra_env), st.logdir)
    st.procs[name] = proc.start()
    proc.wait_ready(lambda: get("http://127.0.0.1:13133/").status == 200, 90, "health_check on :13133")
    return proc


def put_sampling_rules(rules: list[dict]) -> None:
    reply = http("PUT", f"{XRAY}/admin/sampling-rules", body=_json(rules),
                 headers={"Content-Type": "application/json"})
    assert reply.status in (200, 204), f"PUT /admin/sampling-rules -> {reply.status} {reply.text()[:300]}"


def _json(obj) -> bytes:
    return json.dumps(obj).encode()


@pytest.fixture(scope="session")
def stack():
    global _LOGDIR
    java = os.environ.get("E2E_JAVA", "java")
    app_jar = _artifact("E2E_APP_JAR", REPO / "target" / "sample-app.jar")
    standins_jar = _artifact("E2E_STANDINS_JAR", REPO / "standins" / "target" / "aws-standins.jar")
    collector = _artifact("E2E_COLLECTOR_BIN", Path("/nonexistent/otelcol-ecs"))
    _artifact("E2E_CONFIG", CONFIG)

    busy = [f"{port} ({what})" for port, what in PORTS.items() if port_in_use(port)]
    if busy:
        pytest.exit("loopback ports already in use, another stack is running: " + ", ".join(busy), returncode=2)

    logdir = Path(tempfile.mkdtemp(prefix="ecs-otel-e2e-"))
    _LOGDIR = logdir
    # Run private copies: a rebuild of target/ while the suite runs must not swap classes under a live JVM.
    (logdir / "jars").mkdir()
    app_jar = Path(shutil.copy2(app_jar, logdir / "jars" / "sample-app.jar"))
    standins_jar = Path(shutil.copy2(standins_jar, logdir / "jars" / "aws-standins.jar"))
    st = Stack(logdir)
    jvm = [java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    try:
        # 1. Prometheus with the remote-write receiver and no scrape jobs (it only stores what AMP forwards).
        prom_dir = logdir / "prometheus"
        prom_dir.mkdir()
        (prom_dir / "prometheus.yml").write_text("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
        st.procs["prometheus"] = Proc("prometheus", [
            os.environ.get("E2E_PROMETHEUS", "prometheus"),
            f"--config.file={prom_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={prom_dir / 'data'}",
            "--web.listen-address=127.0.0.1:9090",
            "--web.enable-remote-write-receiver",
        ], _base_env(), logdir).start()
        st.procs["prometheus"].wait_ready(
            lambda: get(f"{PROM}/-/ready").status == 200
            and get_json(f"{PROM}/api/v1/status/flags")["data"]["storage.tsdb.path"] == str(prom_dir / "data"),
            60, "/-/ready (this instance, judged by its storage path)")

        # 2. The AWS stand-ins (X-Ray, AMP -> Prometheus, S3, ECS metadata), all SigV4-verifying.
        env = _base_env()
        env.update({"BIND_ADDRESS": "127.0.0.1", "PROMETHEUS_URL": PROM,
                    "STANDIN_ACCESS_KEY_ID": awsutil.ACCESS_KEY,
                    "STANDIN_SECRET_ACCESS_KEY": awsutil.SECRET_KEY, "STANDIN_REGION": awsutil.REGION})
        st.procs["standins"] = Proc("standins", [*jvm, "-jar", str(standins_jar)], env, logdir).start()
        for base in (XRAY, AMP, S3, ECS_META):
            st.procs["standins"].wait_ready(lambda b=base: get(f"{b}/admin/stats").status == 200, 90,
                                            f"{base}/admin/stats")
        put_sampling_rules(SAMPLE_ALL_RULES)

        # 3. The collector: the shipped config, unchanged; only environment variables differ from ECS.
        st.collector_bin = collector
        start_collector(st, "collector")

        # 4. Two app instances: A calls B for /outgoing-sampleapp (and for /outgoing-http-call).
        def app_env(port: int, service: str, peers: str, container: str, **extra) -> dict[str, str]:
            env = _base_env()
            env.update({
                "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "OTEL_SERVICE_NAME": service,
                "SAMPLE_APP_PEERS": peers, "OUTGOING_HTTP_URL": f"{APP_B}/",
                "AWS_ENDPOINT_URL_S3": S3,
                "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/{container}",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
                "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:2000",
                "XRAY_SAMPLING_POLL_SECONDS": "1",
                "OTEL_METRIC_EXPORT_INTERVAL": "2000",
                "OTEL_BSP_SCHEDULE_DELAY": "200",
                "ORDERS_LATENCY_MS": "10",
            })
            env.update(extra)
            return env

        # B fails every order (ORDERS_ERROR_RATE=1) so a real 5xx reaches X-Ray as a fault.
        # One after the other: a JVM start is CPU-heavy, and each app reads ECS metadata at start with a
        # 2 s client timeout (contrib EcsResource); two cold JVMs at once on a busy CI box can miss it.
        st.procs["app-b"] = Proc("app-b", [*jvm, "-jar", str(app_jar)],
                                 app_env(8081, SERVICE_B, "", "sample-app", ORDERS_ERROR_RATE="1"),
                                 logdir).start()
        st.procs["app-b"].wait_ready(lambda: get(f"{APP_B}/health").status == 200, 90, "/health")
        st.procs["app-a"] = Proc("app-a", [*jvm, "-jar", str(app_jar)],
                                 app_env(8080, SERVICE_A, APP_B, "sample-app", ORDERS_ERROR_RATE="0"),
                                 logdir).start()
        st.procs["app-a"].wait_ready(lambda: get(f"{APP_A}/health").status == 200, 90, "/health")
        yield st
    finally:
        for name in reversed(list(st.procs)):
            code = st.procs[name].stop()
            with open(st.procs[name].log, "a") as f:
                f.write(f"\n[e2e] {name} stopped, exit code {code}\n")


def pytest_configure(config):
    # SIGTERM (CI timeout, Ctrl-C in a wrapper) becomes KeyboardInterrupt so the fixtures' teardown runs.
    import signal

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _LOGDIR is None:
        return
    shutil.rmtree(_LOGDIR / "jars", ignore_errors=True)
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if not failed:
        shutil.rmtree(_LOGDIR, ignore_errors=True)
        return
    terminalreporter.section("e2e process logs (tails; full logs kept in %s)" % _LOGDIR)
    for log in sorted(_LOGDIR.glob("*.log")):
        terminalreporter.write_line(f"----- {log.name}")
        terminalreporter.write_line(tail(log, 60))


# --- traffic: what a user does first (curl every endpoint of both instances) -------------------------

# (instance, path, expected status). B fails every order (ORDERS_ERROR_RATE=1); A never does.
CALLS = [
    ("A", "/", 200),
    ("A", "/health", 200),
    ("A", "/outgoing-http-call", 200),
    ("A", "/aws-sdk-call", 200),
    ("A", "/outgoing-sampleapp", 200),
    ("A", "/orders/7", 200),
    ("A", "/orders/0", 404),
    ("A", "/orders/not-a-number", 400),
    ("B", "/", 200),
    ("B", "/health", 200),
    ("B", "/outgoing-http-call", 200),
    ("B", "/aws-sdk-call", 200),
    ("B", "/outgoing-sampleapp", 200),
    ("B", "/orders/7", 500),
]
BASE = {"A": APP_A, "B": APP_B}
SERVICE = {"A": SERVICE_A, "B": SERVICE_B}


def xray_stats() -> dict:
    return get_json(f"{XRAY}/admin/stats")


def sampling_rule_polls() -> int:
    """How many GetSamplingRules calls (from the apps, through the collector's awsproxy) the stand-in answered."""
    accepted = xray_stats().get("accepted", {})
    return accepted.get("POST /GetSamplingRules", 0)


@pytest.fixture(scope="session")
def traffic(stack):
    """Calls every endpoint once, after both apps' X-Ray samplers have loaded the sample-everything rules."""
    # Each app polls every second (XRAY_SAMPLING_POLL_SECONDS=1); several polls since both started means
    # both samplers hold the stand-in's rules rather than the SDK's built-in 1/s + 5 % fallback.
    wait_until(lambda: sampling_rule_polls() >= 6, 60, "the apps' samplers to fetch rules through awsproxy")
    replies = {}
    for instance, path, _ in CALLS:
        replies[(instance, path)] = get(BASE[instance] + path, timeout=30)
    return replies


# --- X-Ray stand-in reads ------------------------------------------------------------------------------

def xray_documents() -> list[dict]:
    """Every segment/subsegment document the X-Ray stand-in accepted (PutTraceSegments), parsed."""
    raw = get_json(f"{XRAY}/admin/segments")
    if isinstance(raw, dict):
        raw = raw.get("segments", raw.get("Segments", []))
    docs = []
    for item in raw:
        if isinstance(item, str):
            item = json.loads(item)
        if isinstance(item, dict) and "document" in item and "trace_id" not in item:
            item = item["document"]
            if isinstance(item, str):
                item = json.loads(item)
        docs.append(item)
    return docs


def trace_documents(trace_id: str) -> list[dict]:
    return [d for d in xray_documents() if d.get("trace_id") == trace_id]


def is_subsegment(doc: dict) -> bool:
    return doc.get("type") == "subsegment"


def wait_for_trace(trace_id: str, predicate, what: str, timeout: float = 60):
    """Polls the stand-in until the trace's documents satisfy `predicate`; returns those documents."""
    def probe():
        docs = trace_documents(trace_id)
        return docs if docs and predicate(docs) else None
    try:
        return wait_until(probe, timeout, f"{what} in trace {trace_id}", interval=0.5)
    except AssertionError as e:
        raise AssertionError(f"{e}\nstand-in holds for this trace: "
                             f"{json.dumps(trace_documents(trace_id), indent=1)[:4000]}") from None


def server_segment(docs: list[dict], service: str, path: str | None = None) -> dict | None:
    """The (first) segment of `service` in a trace, optionally the one that served `path`."""
    for d in docs:
        if not is_subsegment(d) and d.get("name") == service:
            url = d.get("http", {}).get("request", {}).get("url", "")
            if path is None or url.split("?")[0].endswith(path):
                return d
    return None


# --- Prometheus (behind the AMP stand-in) -------------------------------------------------------------

def promql(query: str) -> list[dict]:
    """An instant PromQL query over Prometheus's HTTP API; returns the vector/matrix result."""
    data = get_json(f"{PROM}/api/v1/query?" + urllib.parse.urlencode({"query": query}))
    assert data["status"] == "success", data
    return data["data"]["result"]


def wait_for_series(query: str, what: str, predicate=None, timeout: float = 90) -> list[dict]:
    def probe():
        result = promql(query)
        if result and (predicate is None or predicate(result)):
            return result
        return None
    try:
        return wait_until(probe, timeout, f"{what} (PromQL: {query})", interval=1.0)
    except AssertionError as e:
        try:
            names = get_json(f"{PROM}/api/v1/label/__name__/values")["data"]
        except (OSError, ValueError, AssertionError, KeyError) as err:
            names = [f"<cannot list metric names: {err}>"]
        raise AssertionError(f"{e}\nmetric names in Prometheus: {' '.join(names)[:3000]}") from None
