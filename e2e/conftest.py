"""Session fixtures: the whole local replica of the ECS task, on loopback only, with two app instances:

    S3 stand-in <- app A (sample-app :8080) --HTTP--> app B (sample-app-peer :8081)

The stack itself (Prometheus, the SigV4-verifying AWS stand-ins, the collector on the SHIPPED config, the apps)
is started by e2e/stack.py, which the reliability suite uses too. Every process runs in its own process group
with its output in a temp log directory; all of them are stopped in teardown whatever happened, and their logs
are tailed in the report when a test failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import get, get_json, http, interrupt_on_sigterm, live_progress, wait_until  # noqa: F401
from stack import (AMP, BACKEND_PORTS, ECS_META, PROM, REPO, S3, SAMPLE_ALL_RULES, SHIPPED_CONFIG,  # noqa: F401
                   XRAY, ZIPKIN, Stack, artifact, base_env, busy_ports, promql, put_sampling_rules, report_logs,
                   sampling_rule_polls, suite_artifacts, xray_documents, xray_stats)

CONFIG = SHIPPED_CONFIG
APP_A = "http://127.0.0.1:8080"
APP_B = "http://127.0.0.1:8081"
SERVICE_A = "sample-app"
SERVICE_B = "sample-app-peer"

PORTS = {**BACKEND_PORTS, 8080: "app A", 8081: "app B", 9411: "zipkin"}

XRAY_TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")

_LOGDIR: Path | None = None
_base_env = base_env


def _artifact(env_name: str, default: Path) -> Path:
    return artifact(env_name, default, "e2e/run.sh")


# What e2e's apps get on top of stack.app_env: calls go to B (/outgoing-sampleapp through SAMPLE_APP_PEERS,
# /outgoing-http-call), and the X-Ray samplers poll every second.
APP_ENV = {"OUTGOING_HTTP_URL": f"{APP_B}/", "XRAY_SAMPLING_POLL_SECONDS": "1"}


@pytest.fixture(scope="session")
def stack():
    global _LOGDIR
    java, app_jar, standins_jar, collector = suite_artifacts("E2E", "e2e/run.sh", CONFIG)

    busy = busy_ports(PORTS)
    if busy:
        pytest.exit("loopback ports already in use, another stack is running: " + ", ".join(busy), returncode=2)

    logdir = Path(tempfile.mkdtemp(prefix="ecs-otel-e2e-"))
    _LOGDIR = logdir
    # Run private copies: a rebuild of target/ while the suite runs must not swap classes under a live JVM.
    (logdir / "jars").mkdir()
    app_jar = Path(shutil.copy2(app_jar, logdir / "jars" / "sample-app.jar"))
    standins_jar = Path(shutil.copy2(standins_jar, logdir / "jars" / "aws-standins.jar"))
    st = Stack(logdir, java, app_jar, collector)
    try:
        st.launch_zipkin(_artifact("E2E_ZIPKIN_JAR", Path("zipkin-server-exec.jar")))
        st.start_prometheus(os.environ.get("E2E_PROMETHEUS", "prometheus"))
        st.start_standins(standins_jar, ZIPKIN_URL=ZIPKIN)
        put_sampling_rules(SAMPLE_ALL_RULES)
        st.start_collector("collector")
        # B fails every order (ORDERS_ERROR_RATE=1) so a real 5xx reaches X-Ray as a fault.
        # One after the other: a JVM start is CPU-heavy, and each app reads ECS metadata at start with a
        # 2 s client timeout (contrib EcsResource); two cold JVMs at once on a busy CI box can miss it.
        st.start_app("app-b", 8081, SERVICE_B, SAMPLE_APP_PEERS="", ORDERS_ERROR_RATE="1", **APP_ENV)
        st.start_app("app-a", 8080, SERVICE_A, SAMPLE_APP_PEERS=APP_B, ORDERS_ERROR_RATE="0", **APP_ENV)
        st.wait_zipkin()
        yield st
    finally:
        st.stop(list(reversed(list(st.procs))), "e2e")


def pytest_configure(config):
    interrupt_on_sigterm()
    live_progress(config, "e2e")   # long waits (stack start, data arriving) say they are still waiting


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report_logs(terminalreporter, _LOGDIR, "e2e")


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
