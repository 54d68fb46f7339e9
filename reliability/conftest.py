"""Fixtures of the reliability suite: the same loopback replica of the ECS task as e2e/ (Prometheus, the
SigV4-verifying AWS stand-ins, the ocb-built collector on the SHIPPED otel-collector-config.yaml, the sample app),
but with handles to break each piece: kill/restart the collector, switch a stand-in into 503/429/slow mode,
SIGTERM an app under load.

The stack's start-up is e2e/stack.py and the process and HTTP plumbing e2e/harness.py (both imported, not
copied): loopback only, every child in its own process group, stopped in teardown whatever happened.

Durations: the default run is CI-sized (the whole suite <= 8 minutes warm); RELIABILITY_FULL=1 uses the
durations of the issue (collector down 30 s, backend outages 2 minutes).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "e2e"))

import stack as _stack  # noqa: E402  (e2e/stack.py: starts the stack, shared with e2e/conftest.py)
from harness import Proc, get, get_json, http, interrupt_on_sigterm, live_progress, wait_until  # noqa: E402,F401
from stack import (AMP, BACKEND_PORTS, COLLECTOR_HEALTH, ECS_META, PROM, S3, SHIPPED_CONFIG,  # noqa: E402,F401
                   XRAY, busy_ports, collector_env, promql, report_logs, suite_artifacts, xray_stats)

CONFIG = Path(os.environ.get("RELIABILITY_CONFIG") or SHIPPED_CONFIG)
RESULTS = Path(os.environ.get("RELIABILITY_RESULTS") or HERE / "results")
FULL = os.environ.get("RELIABILITY_FULL") == "1"

APP = "http://127.0.0.1:8080"
APP_PORT = 8080
SECOND_APP_PORT = 8081
OTLP_HTTP = "http://127.0.0.1:4318"
COLLECTOR_METRICS = "http://127.0.0.1:8888/metrics"
SERVICE = "reliability-app"

PORTS = {**BACKEND_PORTS, 8080: "app", 8081: "second app"}

# Collector feature gates, as the task definition passes them on its command line: in v0.156.0 the
# prometheus_remote_write exporter retries HTTP 429 only with this (alpha) gate; without it a throttled batch is
# dropped. RELIABILITY_COLLECTOR_FEATURE_GATES="" runs without (and the AMP throttling test then measures loss).
FEATURE_GATES = os.environ.get("RELIABILITY_COLLECTOR_FEATURE_GATES",
                               "exporter.prometheusremotewritexporter.RetryOn429")

# How often the app exports metrics in these tests (ms); sample continuity is judged against it.
METRIC_INTERVAL_MS = 2000

# What this suite's apps get on top of stack.app_env: no peers, outgoing HTTP to the S3 stand-in, and every
# request sampled, so every request's trace can be looked up at the X-Ray stand-in (the app honours an explicit
# OTEL_TRACES_SAMPLER instead of the X-Ray remote sampler).
APP_ENV = {"SAMPLE_APP_PEERS": "", "OUTGOING_HTTP_URL": f"{S3}/", "OTEL_TRACES_SAMPLER": "parentbased_always_on",
           "OTEL_METRIC_EXPORT_INTERVAL": str(METRIC_INTERVAL_MS)}

_LOGDIR: Path | None = None
_RESULTS: dict[str, dict] = {}


def record_result(name: str, data: dict) -> None:
    """Keeps a measured result for reliability/results/ (written at session end, git-ignored)."""
    _RESULTS[name] = data
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _wait_for_free_ports() -> None:
    """Other suites (e2e, bench) use the same ports: wait a bounded time for them to finish, never share."""
    limit = float(os.environ.get("RELIABILITY_PORT_WAIT_SECONDS", "600"))
    deadline = time.monotonic() + limit
    announced = False
    while True:
        busy = busy_ports(PORTS)
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
class Stack(_stack.Stack):
    """e2e/stack.py's Stack, with handles to break the collector: restarts keep it at procs["collector"]."""
    collector_starts: int = 0

    # --- collector -----------------------------------------------------------------------------------
    def start_collector(self, config: Path = CONFIG, **env: str) -> Proc:
        self.collector_starts += 1
        name = "collector" if self.collector_starts == 1 else f"collector-{self.collector_starts}"
        return super().start_collector(name, key="collector", config=config, feature_gates=FEATURE_GATES, **env)

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
    def start_app(self, name: str, port: int, service: str, **extra: str) -> Proc:
        return super().start_app(name, port, service, **{**APP_ENV, **extra})


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
    java, app_jar, standins_jar, collector_bin = suite_artifacts("RELIABILITY", "reliability/run.sh", CONFIG)
    _wait_for_free_ports()

    logdir = Path(tempfile.mkdtemp(prefix="ecs-otel-reliability-"))
    _LOGDIR = logdir
    st = Stack(logdir, java, app_jar, collector_bin)
    try:
        st.start_prometheus(os.environ.get("RELIABILITY_PROMETHEUS", "prometheus"))
        st.start_standins(standins_jar, ("-Xmx512m",), SEGMENT_STORE_CAPACITY="200000")
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
        st.stop(order, "reliability")


def pytest_configure(config):
    interrupt_on_sigterm()          # SIGTERM (CI timeout) still runs the fixtures' teardown
    live_progress(config, "reliability")   # long waits (stack start, outages, drains) say they are still waiting


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _RESULTS:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "summary.json").write_text(json.dumps(_RESULTS, indent=2, sort_keys=True) + "\n")
        terminalreporter.section("reliability: measured results (also in reliability/results/)")
        for name, data in _RESULTS.items():
            terminalreporter.write_line(f"{name}: {json.dumps(data.get('summary', data), sort_keys=True)[:600]}")
    report_logs(terminalreporter, _LOGDIR, "reliability")


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
    return _stack.xray_documents(timeout=60)


def xray_segment_trace_ids(service: str) -> set[str]:
    """Trace ids of the (non-sub) segments of `service` the X-Ray stand-in accepted."""
    return {d.get("trace_id") for d in xray_documents()
            if d.get("type") != "subsegment" and d.get("name") == service}


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
