"""Fixtures of the collector suite (collector/test/run.sh): the shipped otel-collector-config.yaml on the real
ocb-built collector, started the way ADOT starts on ECS (collector/adot-launch.sh), against small recording fakes
of the ECS task metadata endpoint, X-Ray and AMP (fake_aws.py, on dummy loopback ports). run.sh runs the suite in
a private network namespace with only its own loopback: the collector's fixed ports (4317, 4318, 13133, 2000,
8888) never clash with another suite's collector, and nothing here can reach anything but that 127.0.0.1.

Process and HTTP plumbing is e2e/harness.py (imported, not copied): every child in its own process group, its
output in the session's log directory, stopped in teardown whatever happened; the logs' tails are reported when
a test failed. The test files are numbered and share ONE collector, as ECS runs it: started (test_04), sent a
trace and a metric (test_05, test_06), checked, and stopped with SIGTERM (test_08, last).

(test_adot_guard.py, the separate adot-guard suite in this folder, loads this file too; nothing here runs
unless a test asks for a fixture.)
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import fake_aws

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "e2e"))

from harness import (Proc, Reply, clean_env, get, http, interrupt_on_sigterm, live_progress,  # noqa: E402
                     port_in_use, report_logs, wait_until)

CONFIG = Path(os.environ.get("COLLECTOR_CONFIG") or REPO / "otel-collector-config.yaml")   # override only to test the tests
ADOT_LAUNCH = REPO / "collector" / "adot-launch.sh"

# Dummy loopback ports for the fakes (not the stand-ins' 4510-4513, so both can run on one loopback).
META_PORT = int(os.environ.get("META_PORT", "45513"))
XRAY_PORT = int(os.environ.get("XRAY_PORT", "45510"))
AMP_PORT = int(os.environ.get("AMP_PORT", "45511"))
COLLECTOR_PORTS = (4317, 4318, 13133, 2000, 8888)   # what the shipped config listens on
HEALTH = "http://127.0.0.1:13133/"
OTLP_HTTP = "http://127.0.0.1:4318"
AWSPROXY = "http://127.0.0.1:2000"
SELF_METRICS = "http://127.0.0.1:8888/metrics"

ECS_URI = f"http://127.0.0.1:{META_PORT}/v4/test-container"   # the container fake_aws.py serves
TASK_ARN = fake_aws.TASK_ARN
TASK_ID = TASK_ARN.rsplit("/", 1)[1]
TASK_FAMILY = fake_aws.TASK["Family"]
REGION = "us-west-2"
AMP_WRITE_PATH = "/workspaces/ws-local/api/v1/remote_write"

_LOGDIR: Path | None = None


def collector_env(**changes: str | None) -> dict[str, str]:
    """What the shipped config reads, pointed at the fakes, with AWS's published example credentials, on "ECS"
    (the fake metadata endpoint). `changes` set variables, or unset them when None."""
    env = clean_env()
    env.update({
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AMP_REMOTE_WRITE_URL": f"http://127.0.0.1:{AMP_PORT}{AMP_WRITE_PATH}",
        "XRAY_ENDPOINT": f"http://127.0.0.1:{XRAY_PORT}",
        "ECS_CONTAINER_METADATA_URI_V4": ECS_URI,
    })
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def adot_launch(collector_bin: Path, logdir: Path, name: str, **env_changes: str | None) -> Proc:
    """The collector on CONFIG, started like ADOT on ECS (collector/adot-launch.sh: AOT_CONFIG_CONTENT as stored in
    SSM, the task definition's command, uid 10001, read-only root, no capabilities, its memory limit)."""
    env = collector_env(**env_changes)
    # Its task volume (file_storage's directory): one per launch name, kept in the log directory.
    env.setdefault("ADOT_STORAGE_DIR", str(logdir / f"{name}-storage"))
    return Proc(name, [str(ADOT_LAUNCH), str(collector_bin), str(CONFIG)], env, logdir)


def settle(probe, timeout: float, what: str) -> bool:
    """Waits (bounded) until `probe` holds, without failing: the tests then assert on what arrived."""
    try:
        wait_until(probe, timeout, what)
        return True
    except AssertionError:
        return False


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def logdir() -> Path:
    global _LOGDIR
    _LOGDIR = Path(tempfile.mkdtemp(prefix="ecs-otel-collector-test-"))
    return _LOGDIR


@pytest.fixture(scope="session")
def collector_bin() -> Path:
    """The collector run.sh built (collector/build.sh, cached by its inputs) or was given (COLLECTOR_BIN)."""
    path = os.environ.get("COLLECTOR_BIN", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"no collector binary (COLLECTOR_BIN={path!r}): did collector/build.sh fail? "
                    "collector/test/run.sh builds it and runs the suite")
    return Path(path)


@dataclass
class Fakes:
    """fake_aws.py's ECS metadata, X-Ray and AMP endpoints; every request they answered is a line in `record`."""
    proc: Proc
    record: Path

    def requests(self, kind: str | None = None, path: str = "") -> list[dict]:
        """The recorded requests, oldest first; only those of `kind` whose path matches the regex `path`."""
        try:
            lines = self.record.read_text().split("\n")[:-1]   # the last line may still be being written
        except FileNotFoundError:
            return []
        found = [json.loads(line) for line in lines if line]
        return [r for r in found if (kind is None or r["kind"] == kind) and re.search(path, r["path"])]

    def segments(self, trace_id: str) -> list[dict]:
        """The segment documents of the X-Ray trace `trace_id` the collector sent (PutTraceSegments)."""
        docs = [json.loads(d) for r in self.requests("xray", "^/TraceSegments$")
                for d in (r.get("json") or {}).get("TraceSegmentDocuments", [])]
        return [d for d in docs if d.get("trace_id") == trace_id]

    def sigv4_problems(self, kind: str, path: str, service: str) -> list[str]:
        """Why the requests of `kind` to `path` are not all SigV4-signed for `service` in us-west-2 (none is a
        problem too); empty when they are."""
        signed = re.compile(rf"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{{8}}/{REGION}/{service}/aws4_request, "
                            r"SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$")
        found = self.requests(kind, path)
        if not found:
            return [f"no {kind} request to {path}"]
        return [f"{r['path']}: {r['headers'].get('authorization')!r}" for r in found
                if not signed.match(r["headers"].get("authorization", ""))]


@pytest.fixture(scope="session")
def fakes(logdir: Path):
    busy = [p for p in (*COLLECTOR_PORTS, META_PORT, XRAY_PORT, AMP_PORT) if port_in_use(p)]
    if busy:
        pytest.exit(f"ports the test needs are in use: {busy} (is another collector running? run.sh runs the suite "
                    "in its own network namespace unless COLLECTOR_TEST_NETNS=0)", returncode=2)
    record = logdir / "requests.jsonl"
    proc = Proc("fakes", [sys.executable, str(HERE / "fake_aws.py"), "--metadata", str(META_PORT),
                          "--xray", str(XRAY_PORT), "--amp", str(AMP_PORT), "--record", str(record)],
                clean_env(), logdir)
    try:
        proc.start().wait_ready(lambda: "ready" in proc.log.read_text(), 10, "'ready'")
        yield Fakes(proc, record)
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def collector(collector_bin: Path, fakes: Fakes, logdir: Path):
    """The collector on "ECS" (the fakes' task metadata), healthy; stopped at the end (test_08 stops it first)."""
    proc = adot_launch(collector_bin, logdir, "collector")
    try:
        # Up to 60 s: resource detection alone may take its 5 s timeout.
        proc.start().wait_ready(lambda: get(HEALTH, timeout=2).status == 200, 60, "health_check on :13133")
        yield proc
    finally:
        proc.stop(20)


@dataclass
class Sent:
    """What the tests sent the collector (as the app would) and the collector's answers."""
    trace_id: str          # OTLP, 32 hex digits
    trace: Reply
    metric: Reply
    sampling_rules: Reply

    @property
    def xray_trace_id(self) -> str:
        return f"1-{self.trace_id[:8]}-{self.trace_id[8:]}"


def _otlp(resource_key: str, scope_key: str, items_key: str, item: dict) -> bytes:
    """An OTLP/JSON request body from sample-app holding one span or metric."""
    return json.dumps({resource_key: [{
        # What the app's resource carries on ECS: its own awslogs group, from its EcsResource (the collector's
        # ecs detector runs before ECS starts the app, so it cannot add it).
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "sample-app"}},
                                    {"key": "aws.log.group.names",
                                     "value": {"arrayValue": {"values": [{"stringValue": "/ecs/sample-app"}]}}}]},
        scope_key: [{"scope": {"name": "collector-test"}, items_key: [item]}]}]}).encode()


@pytest.fixture(scope="session")
def sent(collector: Proc) -> Sent:
    """One OTLP/HTTP trace (a server span with HTTP attributes) and one metric, as JSON, and one GetSamplingRules
    call through awsproxy, as the app's X-Ray remote sampler makes it."""
    trace_id, span_id = os.urandom(16).hex(), os.urandom(8).hex()
    now = time.time_ns()
    start = now - 25_000_000
    route = {"key": "http.route", "value": {"stringValue": "/api/orders/{id}"}}
    span = {"traceId": trace_id, "spanId": span_id, "name": "GET /api/orders/{id}", "kind": 2,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(now), "status": {},
            "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}}, route,
                           {"key": "url.path", "value": {"stringValue": "/api/orders/42"}},
                           {"key": "http.response.status_code", "value": {"intValue": "200"}}]}
    metric = {"name": "collector.test.requests", "unit": "1",
              "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [
                  {"asInt": "3", "startTimeUnixNano": str(start), "timeUnixNano": str(now), "attributes": [route]}]}}
    json_type = {"Content-Type": "application/json"}
    return Sent(
        trace_id,
        http("POST", f"{OTLP_HTTP}/v1/traces", _otlp("resourceSpans", "scopeSpans", "spans", span), json_type, 10),
        http("POST", f"{OTLP_HTTP}/v1/metrics", _otlp("resourceMetrics", "scopeMetrics", "metrics", metric),
             json_type, 10),
        http("POST", f"{AWSPROXY}/GetSamplingRules", b"{}", timeout=10))


@pytest.fixture(scope="session")
def delivered(fakes: Fakes, sent: Sent) -> Sent:
    """`sent`, once (bounded: 30 s) the fakes hold its X-Ray segment and a remote write; the tests say what lacks."""
    settle(lambda: fakes.segments(sent.xray_trace_id) and fakes.requests("amp"), 30,
           "the segment at the X-Ray fake and a remote write at the AMP fake")
    return sent


def ecs_stats_polled(fakes: Fakes) -> bool:
    return bool(fakes.requests("metadata", "^/v4/test-container/task/stats$"))


def ecs_metrics_written(fakes: Fakes) -> bool:
    """Both ECS pipelines exported the first task-stats poll: remote writes after it carry task series
    (metrics/ecs) and container series (metrics/ecs_containers). They are two exporters with their own batches,
    so one write (or the app's) after the poll does not mean the other pipeline's data has arrived yet."""
    found = fakes.requests()
    poll = next((i for i, r in enumerate(found)
                 if r["kind"] == "metadata" and r["path"] == "/v4/test-container/task/stats"), None)
    if poll is None:
        return False
    names = {s.get("__name__", "") for r in found[poll:] if r["kind"] == "amp" for s in r.get("series", [])}
    return any(n.startswith("ecs_task_") for n in names) and any(n.startswith("container_") for n in names)


@pytest.fixture(scope="session")
def ecs_collected(fakes: Fakes, delivered: Sent) -> None:
    """Waits (bounded) for awsecscontainermetrics' first collection, one collection_interval (30 s) after start,
    and for its export (batch timeout 5 s)."""
    if settle(lambda: ecs_stats_polled(fakes), 45, "the task stats poll"):
        settle(lambda: ecs_metrics_written(fakes), 40, "task and container series written after the task stats poll")


@pytest.fixture(scope="session")
def series(fakes: Fakes, ecs_collected: None) -> list[dict[str, str]]:
    """The label sets AMP would store: every series of every remote write (decoded by the fake), each once."""
    unique = {json.dumps(s, sort_keys=True) for r in fakes.requests("amp") for s in r.get("series", [])}
    return [json.loads(s) for s in sorted(unique)]


# --- session hooks -------------------------------------------------------------------------------------------

def pytest_configure(config):
    interrupt_on_sigterm()
    live_progress(config, "collector")   # long waits (the ECS collection: 30 s) say they are still waiting


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report_logs(terminalreporter, _LOGDIR, "collector")
