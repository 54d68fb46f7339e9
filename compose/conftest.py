"""Fixtures of the compose suite (compose/test.sh): the Docker packaging, for real. The images are built from the
real Dockerfiles on local base images (no registry is reachable: compose/base-images.sh), docker-compose.yml runs
with compose/docker-compose.test.yml, and the tests check what a user of `docker compose up` and compose/traffic.sh
would see, through the stand-ins' admin API and Prometheus' HTTP API.

The Docker handles (ComposeStack, TaskNamespace) are compose/dockertask.py; what the tests look for in the
stack's output, compose/evidence.py.

Every fixture that starts something stops it whatever happens (a failure, Ctrl-C, SIGTERM): `docker compose down`
for each stack, and the dockerd this session started; KEEP_STACK=1 leaves both running for a look. Each container's
log is saved before `down`, and reported (tails) when a test failed. Long steps say what they do (harness.say):
"setup k/n", docker build's steps, "still waiting for ... (Ns)".

Process and HTTP plumbing is e2e/harness.py, the stand-ins' read API e2e/stack.py (imported, not copied).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# dockertask first: it puts e2e/ (harness, stack) on the import path.
from dockertask import (BUILD_ENV, HERE, KEEP_STACK, REPO, ComposeStack, Task, TaskNamespace, compose_env, docker,
                        docker_answers)
from evidence import (ECS_MEMORY, EXPECTED_STATUS, ROUTE_HISTOGRAM, both_services, peer_fault_500,
                      routes_of_both_services, s3_list_buckets, trace_across_both_services, zipkin_trace_of_both_and_s3)
from harness import (Proc, get_json, http, interrupt_on_sigterm, live_progress, port_in_use, report_logs, run_step,
                     say, tail, wait_until)
from stack import SAMPLE_ALL_RULES, ZIPKIN, put_sampling_rules, sampling_rule_polls, xray_documents

TAG = "test"
PROJECT = f"ecsotelci{os.getpid()}"
TEST_FILES = ["-f", "docker-compose.yml", "-f", "compose/docker-compose.test.yml"]
AWSPROXY = "http://127.0.0.1:2000"   # the collector's X-Ray sampling proxy

# What the session sets up, in order (a run of some tests only sets up what they need).
SETUP = ("docker daemon", "base images (compose/base-images.sh)", "app image", "stand-ins image", "Zipkin image",
         "collector image", "test stack: compose up", "quick-start stack: compose up")
DOCKER_STEP = r"^Step \d+/\d+ : |^#\d+ \[[^]]*\d+/\d+\] "   # docker build's step lines (legacy builder, BuildKit)

_LOGDIR: Path | None = None
_NOTES: list[str] = []


def setup_step(name: str) -> None:
    say(f"setup {SETUP.index(name) + 1}/{len(SETUP)}: {name}")


def note(text: str) -> None:
    """A measured fact worth seeing in every run (not a check): said now, repeated in the summary."""
    _NOTES.append(text)
    say(text)


def settle(probe, timeout: float, what: str, interval: float = 2.0) -> bool:
    """Waits (bounded) until `probe` holds, without failing: the tests then assert on what is there."""
    try:
        wait_until(probe, timeout, what, interval)
        return True
    except AssertionError:
        say(f"gave up waiting for {what} after {timeout:.0f}s; the tests say what is missing")
        return False


# --- session fixtures: set-up ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def logdir() -> Path:
    global _LOGDIR
    _LOGDIR = Path(tempfile.mkdtemp(prefix="ecs-otel-compose-"))
    (_LOGDIR / "builds").mkdir()
    return _LOGDIR


@pytest.fixture(scope="session")
def workdir():
    """Scratch space (build contexts, the saved image): always removed."""
    path = Path(tempfile.mkdtemp(prefix="ecs-otel-compose-work-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def compose_words() -> list[str]:
    """COMPOSE, else `docker compose` (v2) when installed, else Debian's docker-compose (v1)."""
    words = os.environ.get("COMPOSE", "").split()
    if not words:
        v2 = subprocess.run(["docker", "compose", "version"], env=BUILD_ENV, capture_output=True)
        words = ["docker", "compose"] if v2.returncode == 0 else ["docker-compose"]
    version = subprocess.run([*words, "version"], env=BUILD_ENV, capture_output=True, text=True)
    say(f"compose: {' '.join(words)} ({(version.stdout.splitlines() or ['?'])[0]})")
    return words


@pytest.fixture(scope="session")
def collector_launch() -> dict[str, str]:
    """How the test overlay starts the collector, as on ECS: the text deploy/deploy.sh stores in SSM (in
    AOT_CONFIG_CONTENT) and the task definition's command."""
    config = subprocess.run([str(REPO / "deploy" / "deploy.sh"), "--print-collector-config"], env=BUILD_ENV,
                            capture_output=True, text=True, timeout=60)
    assert config.returncode == 0 and config.stdout, f"deploy.sh --print-collector-config: {config.stderr[-1000:]}"
    task_definition = json.loads((REPO / "task-definition.json").read_text())
    collector = next(c for c in task_definition["containerDefinitions"] if c["name"] == "aws-otel-collector")
    return {"AOT_CONFIG_CONTENT": config.stdout.rstrip("\n"),
            "COLLECTOR_COMMAND": shlex.join(collector.get("command", []))}


@pytest.fixture(scope="session")
def docker_daemon():
    """A Docker daemon that answers: the running one, else a dockerd started here and stopped at the end."""
    setup_step("docker daemon")
    started: Proc | None = None
    if not docker_answers():
        binary = shutil.which("dockerd")
        assert binary, "no docker daemon answers and dockerd is not installed (compose/test.sh installs docker.io)"
        log_dir = Path("/tmp")
        (log_dir / "ecs-otel-sample-dockerd.log").unlink(missing_ok=True)
        # KEEP_STACK=1: the daemon must outlive this run, with the stack it holds.
        started = Proc("ecs-otel-sample-dockerd", [binary], BUILD_ENV, log_dir, die_with_parent=not KEEP_STACK)
        say(f"no docker daemon answers: starting dockerd (log: {started.log})")
        started.start()
    try:
        if started is not None:
            started.wait_ready(docker_answers, 60, "docker info")
        say(f"docker {docker('version', '-f', '{{.Server.Version}}').strip()}, "
            f"storage {docker('info', '-f', '{{.Driver}}').strip()}")
        yield
    finally:
        if started is not None:
            if KEEP_STACK:
                say(f"KEEP_STACK=1: the dockerd this run started keeps running (pid {started.popen.pid})")
            else:
                say(f"stopping the dockerd this run started (pid {started.popen.pid})")
                started.stop(30)


@pytest.fixture(scope="session")
def base_images(docker_daemon, logdir: Path) -> dict[str, str]:
    """Local stand-ins of the public base images (debootstrap + docker import; cached by their inputs):
    MAVEN_IMAGE, RUNTIME_BASE, JDK_IMAGE, GO_IMAGE, PROMETHEUS_IMAGE."""
    setup_step("base images (compose/base-images.sh)")
    log, assignments = logdir / "builds" / "base-images.log", logdir / "builds" / "base-images.env"
    rc = run_step([str(HERE / "base-images.sh")], "base images", log, env=BUILD_ENV, stdout=assignments,
                  echo=r"^\[base-images\]")
    assert rc == 0, f"compose/base-images.sh failed (exit code {rc}):\n{tail(log, 40)}"
    images = dict(line.split("=", 1) for line in assignments.read_text().splitlines() if "=" in line)
    assert images.get("PROMETHEUS_IMAGE"), f"no local Prometheus image:\n{tail(log, 20)}"
    return images


def docker_build(tag: str, name: str, args: list[str], logdir: Path) -> str:
    log = logdir / "builds" / f"{name}.log"
    rc = run_step(["docker", "build", *args, "-t", tag], f"docker build {tag}", log, env=BUILD_ENV, cwd=REPO,
                  echo=DOCKER_STEP)
    assert rc == 0, f"docker build of {tag} failed (exit code {rc}):\n{tail(log, 40)}"
    return tag


def maven_build_args(base_images: dict[str, str]) -> list[str]:
    """The app's and the stand-ins' Dockerfiles: Maven (which downloads dependencies) on the daemon's host network."""
    return ["--network", "host", "--build-arg", f"MAVEN_IMAGE={base_images['MAVEN_IMAGE']}",
            "--build-arg", f"GO_IMAGE={base_images['GO_IMAGE']}", "--build-arg", f"RUNTIME_BASE={base_images['RUNTIME_BASE']}"]


@pytest.fixture(scope="session")
def app_image(base_images: dict[str, str], logdir: Path) -> str:
    """The app image, from the repository's Dockerfile."""
    setup_step("app image")
    return docker_build(f"ecs-otel-sample/sample-app:{TAG}", "app", [*maven_build_args(base_images), "."], logdir)


@pytest.fixture(scope="session")
def standins_image(base_images: dict[str, str], logdir: Path) -> str:
    setup_step("stand-ins image")
    return docker_build(f"ecs-otel-sample/aws-standins:{TAG}", "standins",
                        [*maven_build_args(base_images), "-f", "compose/standins.Dockerfile", "."], logdir)


@pytest.fixture(scope="session")
def zipkin_image(base_images: dict[str, str], logdir: Path, workdir: Path) -> str:
    """The trace UI: openzipkin/zipkin's stand-in from the same zipkin-server jar (compose/zipkin.Dockerfile; the jar
    is the one compose/test.sh got with e2e/lib.sh install_zipkin)."""
    setup_step("Zipkin image")
    jar = Path(os.environ.get("COMPOSE_ZIPKIN_JAR", "/nonexistent"))
    assert jar.is_file(), f"no zipkin-server jar ({jar}): compose/test.sh downloads it (COMPOSE_ZIPKIN_JAR)"
    context = workdir / "zipkin-ctx"
    context.mkdir()
    shutil.copy(jar, context / "zipkin-server-exec.jar")
    return docker_build(f"ecs-otel-sample/zipkin:{TAG}", "zipkin",
                        ["--build-arg", f"JDK_IMAGE={base_images['JDK_IMAGE']}", "-f", "compose/zipkin.Dockerfile",
                         str(context)], logdir)


@pytest.fixture(scope="session")
def collector_image(base_images: dict[str, str], logdir: Path, workdir: Path) -> str:
    """The ocb-built collector (collector/build.sh, cached by its inputs) in collector/Dockerfile: ADOT's config
    path and /healthcheck."""
    setup_step("collector image")
    context, log = workdir / "collector-ctx", logdir / "builds" / "collector-build.log"
    rc = run_step([str(REPO / "collector" / "build.sh"), "--docker-context", str(context)], "collector/build.sh", log,
                  env=BUILD_ENV, echo=r"^\[collector/build\]")
    assert rc == 0 and (context / "Dockerfile").is_file(), f"collector/build.sh failed (exit code {rc}):\n{tail(log, 40)}"
    return docker_build(f"ecs-otel-sample/collector:{TAG}", "collector",
                        ["--build-arg", f"BASE={base_images['RUNTIME_BASE']}", str(context)], logdir)


@pytest.fixture(scope="session")
def image_env(base_images, app_image, standins_image, zipkin_image, collector_image) -> dict[str, str]:
    """docker-compose.yml's image variables, pointed at the images built here (nothing is pulled)."""
    return {"MAVEN_IMAGE": base_images["MAVEN_IMAGE"], "RUNTIME_BASE": base_images["RUNTIME_BASE"],
            "GO_IMAGE": base_images["GO_IMAGE"],
            "PROMETHEUS_IMAGE": base_images["PROMETHEUS_IMAGE"], "APP_IMAGE": app_image,
            "STANDINS_IMAGE": standins_image, "ZIPKIN_IMAGE": zipkin_image, "COLLECTOR_IMAGE": collector_image}


# --- session fixtures: the test stack and what the tests do to it ------------------------------------------------

@pytest.fixture(scope="session")
def task(compose_words, image_env, collector_launch, logdir: Path):
    """docker-compose.yml + compose/docker-compose.test.yml, up and healthy, with Zipkin answering (so the segments
    of the traffic find it up); taken down at the end whatever happened."""
    compose = ComposeStack(compose_words, TEST_FILES, PROJECT, compose_env(**image_env, **collector_launch), logdir)
    setup_step("test stack: compose up")
    t0 = time.monotonic()
    try:
        compose.up()
        healthy = settle(lambda: not compose.unhealthy(), 180,
                         "every container healthy (stand-ins, collector /healthcheck, both apps' /app/healthcheck)")
        ns = TaskNamespace(compose.pid("task"))
        try:
            settle(lambda: ns.get(f"{ZIPKIN}/health", timeout=5).status == 200, 120, "Zipkin's /health")
            yield Task(compose, ns, time.monotonic() - t0 if healthy else None)
        finally:
            ns.close()
    finally:
        compose.finish()


@pytest.fixture(scope="session")
def deployed_rules(task: Task) -> list[str]:
    """The sampling rule names the apps' sampler endpoint (the collector's awsproxy) returns at start: those of
    deploy/xray-sampling-rules.json, which the stand-in loads. Read before sampled_all replaces them."""
    reply = task.ns.call(http, "POST", f"{AWSPROXY}/GetSamplingRules", b"{}", timeout=10)
    assert reply.status == 200, f"POST {AWSPROXY}/GetSamplingRules -> {reply.status}: {reply.text()[:500]}"
    return sorted(r["SamplingRule"]["RuleName"] for r in reply.json()["SamplingRuleRecords"])


@pytest.fixture(scope="session")
def sampled_all(task: Task, deployed_rules) -> int:
    """Every request sampled (the X-Ray stand-in's rules, as the e2e suite does), once both apps' samplers
    (polling every second through the collector's awsproxy) have fetched them. Returns the polls seen meanwhile."""
    task.ns.call(put_sampling_rules, SAMPLE_ALL_RULES)
    before = task.ns.call(sampling_rule_polls)
    settle(lambda: task.ns.call(sampling_rule_polls) - before >= 6, 30,
           "the apps' samplers to fetch the rules through awsproxy (6 polls)", interval=1)
    return task.ns.call(sampling_rule_polls) - before


@pytest.fixture(scope="session")
def endpoint_statuses(task: Task, sampled_all) -> dict[str, int]:
    """Each endpoint called once (after every request is sampled): URL -> status (0: no answer)."""
    def status(url: str) -> int:
        try:
            return task.ns.get(url, timeout=30).status
        except OSError:
            return 0
    return {url: status(url) for url in EXPECTED_STATUS}


@pytest.fixture(scope="session")
def traffic(task: Task, endpoint_statuses) -> subprocess.CompletedProcess:
    """compose/traffic.sh, the quick start's traffic generator, in the task's namespace: 10 req/s for 8 s."""
    say("traffic: compose/traffic.sh --rate 10 --duration 8 in the task's namespace")
    return task.ns.run([str(HERE / "traffic.sh"), "--rate", "10", "--duration", "8", "--requests", "200", "--quiet"],
                       timeout=120)


@pytest.fixture(scope="session")
def xray_docs(task: Task, traffic) -> list[dict]:
    """The documents the X-Ray stand-in holds once the traffic's traces are there (bounded: 60 s)."""
    def arrived():
        docs = task.ns.call(xray_documents)
        return all(p(docs) for p in (both_services, trace_across_both_services, s3_list_buckets, peer_fault_500))
    settle(arrived, 60, "segments of both services, a trace across both, the S3 call and the peer's fault")
    return task.ns.call(xray_documents)


@pytest.fixture(scope="session")
def zipkin_traces(task: Task, xray_docs) -> list[list[dict]]:
    """sample-app's traces in Zipkin (fed by the X-Ray stand-in), once one spans both services and S3 (bounded)."""
    url = f"{ZIPKIN}/api/v2/traces?serviceName=sample-app&limit=200&lookback=3600000"
    settle(lambda: zipkin_trace_of_both_and_s3(task.ns.call(get_json, url)), 60,
           "a Zipkin trace of both services and the S3 call")
    return task.ns.call(get_json, url)


@pytest.fixture(scope="session")
def metrics(task: Task, traffic) -> Task:
    """The task, once Prometheus holds the request histogram of both services and the ECS task metrics (bounded)."""
    settle(lambda: routes_of_both_services(task.ns.labels(ROUTE_HISTOGRAM)) and task.ns.labels(ECS_MEMORY), 60,
           "both services' request histograms and the ECS task metrics in Prometheus")
    return task


# --- the quick start -----------------------------------------------------------------------------------------

QUICK_START_PORTS = (8080, 8081, 4510, 4511, 4512, 4513, 9090, 9411)


@pytest.fixture(scope="session")
def quick_start(task: Task, compose_words, image_env, logdir: Path):
    """The README's quick start as a user runs it: docker-compose.yml alone, ports published on the host's loopback.
    The test stack goes down first (also with KEEP_STACK=1); skipped when another process holds one of those host
    ports."""
    task.compose.finish(keep=False)
    busy = [p for p in QUICK_START_PORTS if port_in_use(p)]
    if busy:
        pytest.skip(f"host loopback ports in use by something else: {busy}")
    compose = ComposeStack(compose_words, ["-f", "docker-compose.yml"], f"{PROJECT}qs", compose_env(**image_env),
                           logdir, "quickstart-")
    setup_step("quick-start stack: compose up")
    t0 = time.monotonic()
    try:
        compose.up()
        healthy = settle(lambda: not compose.unhealthy(), 180, "every container of the quick start healthy")
        yield Task(compose, None, time.monotonic() - t0 if healthy else None)
    finally:
        compose.finish()


# --- session hooks -------------------------------------------------------------------------------------------

def pytest_configure(config):
    interrupt_on_sigterm()
    # The seconds on each progress line count from compose/test.sh's start, as its own lines do.
    live_progress(config, "compose", float(os.environ.get("COMPOSE_STARTED_AT") or 0) or None)


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _NOTES:
        terminalreporter.section("compose: measured")
        for text in _NOTES:
            terminalreporter.write_line(text)
    report_logs(terminalreporter, _LOGDIR, "compose")
