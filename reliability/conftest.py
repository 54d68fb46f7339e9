"""Fixtures of the reliability suite: the same loopback replica of the ECS task as e2e/ (Prometheus, the
SigV4-verifying AWS stand-ins, the ocb-built collector on the SHIPPED otel-collector-config.yaml, the sample app),
but with handles to break each piece: kill/restart the collector, switch a stand-in into 503/429/slow mode,
SIGTERM an app under load.

The process and HTTP plumbing is e2e/harness.py (imported, not copied): loopback only, every child in its own
process group, stopped in teardown whatever happened.

Durations: the default run is CI-sized (the whole suite <= 8 minutes warm); RELIABILITY_FULL=1 uses the
durations of the issue (collector down 30 s, backend outages 2 minutes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "e2e"))

import awsutil  # noqa: E402  (e2e/awsutil.py: the fake test credentials, SigV4 signer)
from harness import Proc, get, get_json, http, port_in_use, tail, wait_until  # noqa: E402,F401

CONFIG = Path(os.environ.get("RELIABILITY_CONFIG") or REPO / "otel-collector-config.yaml")
RESULTS = Path(os.environ.get("RELIABILITY_RESULTS") or HERE / "results")
FULL = os.environ.get("RELIABILITY_FULL") == "1"

XRAY = "http://127.0.0.1:4510"
AMP = "http://127.0.0.1:4511"
S3 = "http://127.0.0.1:4512"
ECS_META = "http://127.0.0.1:4513"
PROM = "http://127.0.0.1:9090"
APP = "http://127.0.0.1:8080"
APP_PORT = 8080
SECOND_APP_PORT = 8081
OTLP_HTTP = "http://127.0.0.1:4318"
COLLECTOR_HEALTH = "http://127.0.0.1:13133/"
COLLECTOR_METRICS = "http://127.0.0.1:8888/metrics"
SERVICE = "reliability-app"

PORTS = {9090: "prometheus", 4510: "x-ray stand-in", 4511: "amp stand-in", 4512: "s3 stand-in",
         4513: "ecs metadata stand-in", 4317: "collector otlp grpc", 4318: "collector otlp http",
         13133: "collector health_check", 2000: "collector awsproxy", 8888: "collector self-telemetry",
         8080: "app", 8081: "second app"}

# Collector feature gates, as the task definition passes them on its command line: in v0.156.0 the
# prometheus_remote_write exporter retries HTTP 429 only with this (alpha) gate; without it a throttled batch is
# dropped. RELIABILITY_COLLECTOR_FEATURE_GATES="" runs without (and the AMP throttling test then measures loss).
FEATURE_GATES = os.environ.get("RELIABILITY_COLLECTOR_FEATURE_GATES",
                               "exporter.prometheusremotewritexporter.RetryOn429")

# How often the app exports metrics in these tests (ms); sample continuity is judged against it.
METRIC_INTERVAL_MS = 2000

_LOGDIR: Path | None = None
_RESULTS: dict[str, dict] = {}


def record_result(name: str, data: dict) -> None:
    """Keeps a measured result for reliability/results/ (written at session end, git-ignored)."""
    _RESULTS[name] = data
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _artifact(env_name: str, default: Path) -> Path:
    path = Path(os.environ.get(env_name) or default)
    if not path.exists():
        pytest.exit(f"missing {path} ({env_name}); run reliability/run.sh, which builds it", returncode=2)
    return path


def _base_env() -> dict[str, str]:
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


def collector_env(**extra: str) -> dict[str, str]:
    env = _base_env()
    env.update({
        "AMP_REMOTE_WRITE_URL": f"{AMP}/workspaces/ws-local/api/v1/remote_write",
        "XRAY_ENDPOINT": XRAY,
        "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/aws-otel-collector",
    })
    env.update(extra)
    return env


def _wait_for_free_ports() -> None:
    """Other suites (e2e, bench) use the same ports: wait a bounded time for them to finish, never share."""
    limit = float(os.environ.get("RELIABILITY_PORT_WAIT_SECONDS", "600"))
    deadline = time.monotonic() + limit
    announced = False
    while True:
        busy = [f"{port} ({what})" for port, what in PORTS.items() if port_in_use(port)]
        if not busy:
            return
        if time.monotonic() >= deadline:
            pytest.exit(f"loopback ports still in use after {limit:.0f}s (another suite's stack is running): "
                        + ", ".join(busy), returncode=2)
        if not announced:
            print(f"\n[reliability] ports busy ({', '.join(busy)}); waiting up to {limit:.0f}s", flush=True)
            announced = True
        time.sleep(3)


@dataclass
class Stack:
    logdir: Path
    java: str
    app_jar: Path
    collector_bin: Path
    procs: dict[str, Proc] = field(default_factory=dict)
    collector_starts: int = 0

    # --- collector -----------------------------------------------------------------------------------
    def start_collector(self, config: Path = CONFIG, **env: str) -> Proc:
        self.collector_starts += 1
        name = "collector" if self.collector_starts == 1 else f"collector-{self.collector_starts}"
        argv = [str(self.collector_bin), f"--config={config}"]
        if FEATURE_GATES:
            argv.append(f"--feature-gates={FEATURE_GATES}")
        proc = Proc(name, argv, collector_env(**env), self.logdir).start()
        self.procs["collector"] = proc
        proc.wait_ready(lambda: get(COLLECTOR_HEALTH).status == 200, 90, "health_check on :13133")
        return proc

    def collector(self) -> Proc:
        return self.procs["collector"]

    def stop_collector(self, sig: int = signal.SIGTERM, grace: float = 20) -> int | None:
        proc = self.procs.get("collector")
        if proc is None or not proc.alive():
            return None
        os.killpg(proc.popen.pid, sig)
        try:
            proc.popen.wait(grace)
        except Exception:
            return proc.stop(1)
        return proc.popen.returncode

    # --- apps ------------------------------------------------------------------------------------------
    def app_env(self, port: int, service: str, **extra: str) -> dict[str, str]:
        env = _base_env()
        env.update({
            "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "OTEL_SERVICE_NAME": service,
            "SAMPLE_APP_PEERS": "", "OUTGOING_HTTP_URL": f"{S3}/",
            "AWS_ENDPOINT_URL_S3": S3,
            "ECS_CONTAINER_METADATA_URI_V4": f"{ECS_META}/v4/sample-app",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
            "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:2000",
            # Sample every request, so every request's trace can be looked up at the X-Ray stand-in
            # (the app honours an explicit OTEL_TRACES_SAMPLER instead of the X-Ray remote sampler).
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            "OTEL_METRIC_EXPORT_INTERVAL": str(METRIC_INTERVAL_MS),
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "ORDERS_LATENCY_MS": "10",
        })
        env.update(extra)
        return env

    def start_app(self, name: str, port: int, service: str, **extra: str) -> Proc:
        jvm = [self.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
        proc = Proc(name, [*jvm, "-jar", str(self.app_jar)], self.app_env(port, service, **extra),
                    self.logdir).start()
        self.procs[name] = proc
        proc.wait_ready(lambda: get(f"http://127.0.0.1:{port}/health").status == 200, 90, "/health")
        return proc


def set_fault(base: str, mode: str, slow_millis: int | None = None) -> None:
    body = {"mode": mode}
    if slow_millis is not None:
        body["slowMillis"] = slow_millis
    reply = http("POST", f"{base}/admin/fault", body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json"})
    assert reply.status == 200, f"POST {base}/admin/fault {body} -> {reply.status} {reply.text()[:300]}"


@pytest.fixture(scope="session")
def stack():
    global _LOGDIR
    java = os.environ.get("RELIABILITY_JAVA", "java")
    app_jar = _artifact("RELIABILITY_APP_JAR", REPO / "target" / "sample-app.jar")
    standins_jar = _artifact("RELIABILITY_STANDINS_JAR", REPO / "standins" / "target" / "aws-standins.jar")
    collector_bin = _artifact("RELIABILITY_COLLECTOR_BIN", Path("/nonexistent/otelcol-ecs"))
    _artifact("RELIABILITY_CONFIG", CONFIG)
    _wait_for_free_ports()

    logdir = Path(tempfile.mkdtemp(prefix="ecs-otel-reliability-"))
    _LOGDIR = logdir
    st = Stack(logdir, java, app_jar, collector_bin)
    jvm = [java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    try:
        prom_dir = logdir / "prometheus"
        prom_dir.mkdir()
        (prom_dir / "prometheus.yml").write_text("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
        st.procs["prometheus"] = Proc("prometheus", [
            os.environ.get("RELIABILITY_PROMETHEUS", "prometheus"),
            f"--config.file={prom_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={prom_dir / 'data'}",
            "--web.listen-address=127.0.0.1:9090",
            "--web.enable-remote-write-receiver",
        ], _base_env(), logdir).start()
        st.procs["prometheus"].wait_ready(lambda: get(f"{PROM}/-/ready").status == 200, 60, "/-/ready")

        env = _base_env()
        env.update({"BIND_ADDRESS": "127.0.0.1", "PROMETHEUS_URL": PROM,
                    "STANDIN_ACCESS_KEY_ID": awsutil.ACCESS_KEY,
                    "STANDIN_SECRET_ACCESS_KEY": awsutil.SECRET_KEY, "STANDIN_REGION": awsutil.REGION,
                    "SEGMENT_STORE_CAPACITY": "200000"})
        st.procs["standins"] = Proc("standins", [*jvm, "-Xmx512m", "-jar", str(standins_jar)], env, logdir).start()
        for base in (XRAY, AMP, S3, ECS_META):
            st.procs["standins"].wait_ready(lambda b=base: get(f"{b}/admin/stats").status == 200, 90,
                                            f"{base}/admin/stats")
        st.start_collector()
        st.start_app("app", APP_PORT, SERVICE)
        yield st
    finally:
        for base in (XRAY, AMP):  # never leave a stand-in broken for the teardown flushes
            try:
                set_fault(base, "ok")
            except Exception:
                pass
        # Apps first, then the collector (as ECS stops the task), then the backends.
        order = [n for n in st.procs if n not in ("collector", "standins", "prometheus")]
        order += [n for n in ("collector", "standins", "prometheus") if n in st.procs]
        for name in order:
            code = st.procs[name].stop()
            with open(st.procs[name].log, "a") as f:
                f.write(f"\n[reliability] {name} stopped, exit code {code}\n")


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _RESULTS:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "summary.json").write_text(json.dumps(_RESULTS, indent=2, sort_keys=True) + "\n")
        terminalreporter.section("reliability: measured results (also in reliability/results/)")
        for name, data in _RESULTS.items():
            terminalreporter.write_line(f"{name}: {json.dumps(data.get('summary', data), sort_keys=True)[:600]}")
    if _LOGDIR is None:
        return
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if not failed:
        shutil.rmtree(_LOGDIR, ignore_errors=True)
        return
    terminalreporter.section("reliability process logs (tails; full logs kept in %s)" % _LOGDIR)
    for log in sorted(_LOGDIR.glob("*.log")):
        terminalreporter.write_line(f"----- {log.name}")
        terminalreporter.write_line(tail(log, 60))


# --- raw HTTP, for requests urllib refuses to send -------------------------------------------------------

@dataclass
class RawReply:
    status: int | None      # None: the server closed the connection without a status line
    head: str
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def raw_request(data: bytes, port: int = APP_PORT, timeout: float = 10.0, pause_after: float = 0.0) -> RawReply:
    """Sends bytes as they are to 127.0.0.1:port and reads the reply until the server closes (Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if pause_after:
            time.sleep(pause_after)
        chunks = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if _complete(b"".join(chunks)):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return RawReply(int(m.group(1)) if m else None, head.decode("latin-1"), body)


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    return m is not None and len(body) >= int(m.group(1))


# --- steady, bounded load ----------------------------------------------------------------------------------

@dataclass
class Sample:
    t: float            # monotonic start time
    latency_ms: float
    status: int
    trace_id: str | None


class Load:
    """A fixed request rate (paced, one worker thread per in-flight slot) bounded by count AND duration."""

    def __init__(self, base: str, rate: float, max_seconds: float, path_fn=lambda i: f"/orders/{1 + i % 997}",
                 workers: int = 4, timeout: float = 10.0):
        self.base, self.rate, self.max_seconds, self.path_fn = base, rate, max_seconds, path_fn
        self.max_requests = int(rate * max_seconds) + 1
        self.workers, self.timeout = workers, timeout
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.t0 = 0.0

    def start(self) -> "Load":
        self.t0 = time.monotonic()
        for _ in range(self.workers):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _take(self) -> int | None:
        with self._lock:
            if self._stop.is_set() or self._next >= self.max_requests:
                return None
            i = self._next
            self._next += 1
            return i

    def _run(self) -> None:
        while True:
            i = self._take()
            if i is None:
                return
            due = self.t0 + i / self.rate
            if due > self.t0 + self.max_seconds:
                return
            delay = due - time.monotonic()
            if delay > 0:
                if self._stop.wait(delay):
                    return
            start = time.monotonic()
            try:
                reply = get(self.base + self.path_fn(i), timeout=self.timeout)
                status = reply.status
                try:
                    trace = reply.json().get("traceId")
                except ValueError:
                    trace = None
            except OSError as e:
                status, trace = 0, None
                with self._lock:
                    self.errors.append(repr(e)[:200])
            with self._lock:
                self.samples.append(Sample(start, (time.monotonic() - start) * 1000, status, trace))

    def stop(self) -> "Load":
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return self

    def window(self, a: float, b: float) -> list[Sample]:
        return [s for s in self.samples if a <= s.t < b]


def p99(samples: list[Sample]) -> float | None:
    if not samples:
        return None
    lat = sorted(s.latency_ms for s in samples)
    return round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1)


def latency_report(samples: list[Sample]) -> dict:
    if not samples:
        return {"requests": 0}
    lat = sorted(s.latency_ms for s in samples)
    return {"requests": len(samples), "p50_ms": round(lat[len(lat) // 2], 1), "p99_ms": p99(samples),
            "max_ms": round(lat[-1], 1),
            "non_2xx": sum(1 for s in samples if not 200 <= s.status < 300)}


# --- backend reads -----------------------------------------------------------------------------------------

def xray_documents() -> list[dict]:
    raw = get_json(f"{XRAY}/admin/segments", timeout=60)
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


def xray_segment_trace_ids(service: str) -> set[str]:
    """Trace ids of the (non-sub) segments of `service` the X-Ray stand-in accepted."""
    return {d.get("trace_id") for d in xray_documents()
            if d.get("type") != "subsegment" and d.get("name") == service}


def xray_stats() -> dict:
    return get_json(f"{XRAY}/admin/stats")


def promql(query: str, at: float | None = None) -> list[dict]:
    params = {"query": query}
    if at is not None:
        params["time"] = f"{at:.3f}"
    data = get_json(f"{PROM}/api/v1/query?" + urllib.parse.urlencode(params))
    assert data["status"] == "success", data
    return data["data"]["result"]


def collector_metrics() -> dict[str, float]:
    """The collector's own Prometheus metrics on :8888, summed by metric name + exporter label."""
    reply = get(COLLECTOR_METRICS)
    out: dict[str, float] = {}
    for line in reply.text().splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([-+0-9.eE]+|NaN|\+Inf)$', line)
        if not m:
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        exp = re.search(r'(?:exporter|otelcol_component_id)="([^"]+)"', labels)
        key = name + (f"[{exp.group(1)}]" if exp else "")
        try:
            out[key] = out.get(key, 0.0) + float(value)
        except ValueError:
            pass
    return out


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
