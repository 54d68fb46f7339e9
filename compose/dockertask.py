"""The compose suite's handles on Docker: `docker` calls, one `docker compose -p PROJECT` stack (ComposeStack), and
the task's network namespace entered from a worker thread (TaskNamespace), never addressed from outside. The
fixtures in conftest.py create and stop them; the tests read through them.

Network: the test overlay gives the task's network namespace NO network (network_mode: none), only its loopback.
HTTP runs on a worker thread that joined it (setns(2), as nsenter does), commands run through nsenter, and
harness.http refuses anything but 127.0.0.1, so nothing here can reach a bridge address or any other one.
"""

from __future__ import annotations

import ctypes
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "e2e"))

from harness import Reply, clean_env, get, run_step, say, tail  # noqa: E402
from stack import promql  # noqa: E402

KEEP_STACK = os.environ.get("KEEP_STACK") == "1"
HEALTH_CHECKED = ("aws-standins", "aws-otel-collector", "sample-app", "sample-app-peer")
SERVICES = (*HEALTH_CHECKED, "prometheus", "zipkin")

# Builds and docker/compose calls get the caller's environment (a Go proxy, DOCKER_HOST, LOCAL_JDK_DIR...); the
# stacks only what compose/docker-compose.test.yml and the image variables say (nothing leaks into interpolation).
BUILD_ENV = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}


def docker(*args: str, timeout: float = 120) -> str:
    """`docker ARGS` (stdout); a failure is an AssertionError with docker's message."""
    done = subprocess.run(["docker", *args], env=BUILD_ENV, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"docker {shlex.join(args)}: exit code {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def docker_answers() -> bool:
    return subprocess.run(["docker", "info"], env=BUILD_ENV, capture_output=True, timeout=30).returncode == 0


def compose_env(**extra: str) -> dict[str, str]:
    """A stack's environment: clean (harness.clean_env), the Docker client's settings, and `extra`."""
    env = clean_env()
    env.update({k: v for k, v in os.environ.items() if k.startswith("DOCKER_")})
    env.update(extra)
    return env


def proc_status(pid: int, key: str) -> list[str]:
    """The fields of a /proc/PID/status line ("Uid", "CapEff", ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return line.split()[1:]
    raise AssertionError(f"no {key} in /proc/{pid}/status")


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")[:-1]


# --- the stacks -----------------------------------------------------------------------------------------------

@dataclass
class ComposeStack:
    """One `docker compose -p PROJECT` stack of this session. down() is idempotent; finish() saves every
    container's log into the log directory, then takes the stack down (unless KEEP_STACK=1)."""
    words: list[str]       # "docker compose" or "docker-compose"
    files: list[str]
    project: str
    env: dict[str, str]
    logdir: Path
    log_prefix: str = ""
    started: bool = False
    _ids: dict[str, str] = field(default_factory=dict)

    def command(self, *args: str) -> list[str]:
        return [*self.words, *self.files, "-p", self.project, *args]

    def shown(self, *args: str) -> str:
        return shlex.join(self.command(*args))

    def up(self) -> None:
        self.started = True   # first: a half-started stack is taken down too
        log = self.logdir / f"{self.log_prefix}compose-up.log"
        rc = run_step(self.command("up", "-d", "--no-build"), f"compose up -p {self.project}", log, env=self.env,
                      cwd=REPO, echo=r"(\.\.\. done|Started|Healthy)$")
        assert rc == 0, f"{self.shown('up', '-d', '--no-build')} failed (exit code {rc}):\n{tail(log, 30)}"

    def container(self, service: str) -> str:
        if service not in self._ids:
            done = subprocess.run(self.command("ps", "-q", service), cwd=REPO, env=self.env, capture_output=True,
                                  text=True, timeout=60)
            cid = done.stdout.strip()
            assert done.returncode == 0 and cid, f"no container for {service}: {done.stderr[-500:]}"
            self._ids[service] = cid
        return self._ids[service]

    def health(self, service: str) -> str:
        """The container's health ("healthy", "starting", ...), or its state when it has no health check."""
        try:
            return docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}"
                          "{{end}}", self.container(service), timeout=30).strip()
        except AssertionError as e:
            return f"<{e}>"

    def unhealthy(self) -> list[str]:
        """The health-checked services that are not healthy, as "service=state"."""
        states = {s: self.health(s) for s in HEALTH_CHECKED}
        return [f"{s}={state}" for s, state in states.items() if state != "healthy"]

    def pid(self, service: str) -> int:
        pid = int(docker("inspect", "-f", "{{.State.Pid}}", self.container(service)).strip())
        assert pid > 0, f"{service} is not running"
        return pid

    def inspect(self, service: str, template: str) -> str:
        return docker("inspect", "-f", template, self.container(service)).strip()

    def save_logs(self) -> None:
        for service in SERVICES:
            with open(self.logdir / f"{self.log_prefix}{service}.log", "wb") as out:
                subprocess.run(self.command("logs", "--no-color", service), cwd=REPO, env=self.env, stdout=out,
                               stderr=subprocess.STDOUT, timeout=120)

    def down(self) -> None:
        if self.started:
            say(f"taking the stack down: {self.shown('down')}")
            done = subprocess.run(self.command("down", "-v", "--remove-orphans", "--timeout", "10"), cwd=REPO,
                                  env=self.env, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                say(f"compose down failed (exit code {done.returncode}): {done.stderr[-1000:]}")
            self.started = False
            self._ids.clear()

    def finish(self, keep: bool = KEEP_STACK) -> None:
        if not self.started:
            return
        try:
            self.save_logs()
        except (OSError, subprocess.SubprocessError) as e:
            say(f"could not save the containers' logs: {e}")
        if keep:
            # docker-compose.yml alone names every service (the test overlay only changes them, and needs variables).
            say(f"KEEP_STACK=1: stack left running; stop it with: cd {REPO} && "
                f"{shlex.join([*self.words, '-f', 'docker-compose.yml', '-p', self.project, 'down', '-v'])}")
        else:
            self.down()


_libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNET = 0x40000000


class TaskNamespace:
    """The task's network namespace, entered, never addressed from outside. `call(fn, ...)` runs fn (an HTTP read
    of harness or stack) on a worker thread that joined the namespace with setns(2), so its 127.0.0.1 is the
    task's loopback; `run(argv)` runs a command in it through nsenter."""

    def __init__(self, pid: int):
        self.pid = pid
        self.netns = os.readlink(f"/proc/{pid}/ns/net")
        self._error: OSError | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="task-netns", initializer=self._enter)
        joined = self.call(os.readlink, "/proc/thread-self/ns/net")
        assert joined == self.netns, f"the worker thread is in {joined}, not the task's {self.netns}: {self._error}"

    def _enter(self) -> None:
        fd = os.open(f"/proc/{self.pid}/ns/net", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                self._error = OSError(ctypes.get_errno(), "setns into the task's network namespace")
        finally:
            os.close(fd)

    def call(self, fn, *args, **kwargs):
        return self._pool.submit(fn, *args, **kwargs).result(timeout=180)

    def get(self, url: str, **kwargs) -> Reply:
        return self.call(get, url, **kwargs)

    def run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(["nsenter", "-t", str(self.pid), "-n", *argv], env=clean_env(), capture_output=True,
                              text=True, timeout=timeout)

    def interfaces(self) -> list[str]:
        """The network interfaces of the namespace (/proc/PID/net/dev is the view of PID's namespace)."""
        lines = Path(f"/proc/{self.pid}/net/dev").read_text().splitlines()[2:]
        return sorted(line.split(":")[0].strip() for line in lines)

    def labels(self, query: str) -> list[dict]:
        """The label sets of a PromQL query's result, from the task's Prometheus."""
        return [m["metric"] for m in self.call(promql, query)]

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@dataclass
class Task:
    """The running test stack: the compose project and its task's network namespace."""
    compose: ComposeStack
    ns: TaskNamespace | None   # None for the quick start, reached through the host's loopback
    healthy_after: float | None   # seconds from `compose up` until every health check passed (None: never)
