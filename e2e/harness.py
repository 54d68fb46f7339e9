"""Process and HTTP plumbing of the pytest suites (e2e/, reliability/, collector/test/, compose/).

Everything here talks to loopback only: `http()` refuses any other host, and the HTTP opener ignores
proxy variables so a CI proxy can never see (or reroute) a test request. Standard library only, so every
suite's venv can import it.

Progress: a suite that calls `live_progress(config, tag)` from its pytest_configure gets `say()` lines on the
terminal while fixtures and tests run (pytest's output capture is bypassed for them), a "still waiting for X
(Ns)" line every 15 s from every long `wait_until`, and `run_step()` for long commands (builds, installs).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

LOOPBACK = {"127.0.0.1", "::1"}

# No ProxyHandler: environment proxies must never apply to these loopback calls.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 15.0) -> Reply:
    """One HTTP exchange; 4xx/5xx are returned, not raised. Loopback URLs only."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the e2e suite only talks to loopback, refusing {url}")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def get(url: str, **kw) -> Reply:
    return http("GET", url, **kw)


def get_json(url: str, **kw) -> Any:
    reply = get(url, **kw)
    if reply.status != 200:
        raise AssertionError(f"GET {url} -> {reply.status}: {reply.text()[:500]}")
    return reply.json()


def wait_until(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Polls `probe` until it returns a truthy value; the timeout is only an upper bound. With live progress on,
    a long wait says every HEARTBEAT seconds that it is still waiting, and when it ends."""
    start = time.monotonic()
    deadline = start + timeout
    next_note = start + HEARTBEAT
    last: Any = None
    while True:
        try:
            last = probe()
            if last:
                if time.monotonic() - start >= HEARTBEAT:
                    say(f"{what}: there after {time.monotonic() - start:.0f}s")
                return last
        except (OSError, ValueError, AssertionError, KeyError) as e:  # not up yet / not there yet
            last = e
        now = time.monotonic()
        if now >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r:.2000}")
        if now >= next_note:
            say(f"still waiting for {what} ({now - start:.0f}s of at most {timeout:.0f}s)")
            next_note = now + HEARTBEAT
        time.sleep(interval)


# --- progress a person can follow ------------------------------------------------------------------------

HEARTBEAT = 15.0   # seconds between "still ..." lines
_LIVE: dict[str, Any] = {"tag": "", "t0": time.monotonic(), "config": None}


def live_progress(config, tag: str, started_at: float | None = None) -> None:
    """Turns `say()` on for this pytest session (call it from pytest_configure); lines are tagged `tag` and
    carry the seconds since `started_at` (a time.time(), e.g. when the suite's run.sh started), else this call.
    Outside pytest (bench/bench.py), config is None: the lines go to stderr."""
    ago = time.time() - started_at if started_at else 0.0
    _LIVE.update(tag=tag, t0=time.monotonic() - ago, config=config)


def say(message: str) -> None:
    """One progress line on the terminal, now, even while pytest captures output; a no-op without live_progress."""
    if not _LIVE["tag"]:
        return
    line = f"[{_LIVE['tag']} {time.monotonic() - _LIVE['t0']:4.0f}s] {message}"
    if _LIVE["config"] is None:
        print(line, file=sys.stderr, flush=True)
        return
    plugins = _LIVE["config"].pluginmanager   # looked up now: a conftest's pytest_configure may precede theirs
    capman, reporter = plugins.getplugin("capturemanager"), plugins.getplugin("terminalreporter")
    if capman is None or reporter is None:
        print(line, file=sys.stderr, flush=True)
        return
    with capman.global_and_fixture_disabled():
        reporter.ensure_newline()
        writer = getattr(reporter, "_tw", None)
        if writer is not None and writer.width_of_current_line:
            reporter.write("\n")   # on a line of its own, even after a file's test dots
        reporter.write_line(line)
        reporter.flush()


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
            lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:160] if lines else ""


def run_step(argv: list[str], what: str, log: Path, env: dict[str, str] | None = None, cwd: Path | None = None,
             stdout: Path | None = None, echo: str | None = None) -> int:
    """Runs a long command (a build, an install) with its output in `log` (stdout in `stdout` if given), saying
    what it does: every line of the log matching the regex `echo` as it comes (e.g. docker build's "Step 3/9"),
    and every HEARTBEAT seconds "still <what> (Ns): <last log line>". Returns the exit code. Interrupted
    (Ctrl-C, SIGTERM), it stops the command before passing the interrupt on."""
    start = time.monotonic()
    pattern = re.compile(echo) if echo else None
    next_note, seen, pending = start + HEARTBEAT, 0, b""
    with open(log, "ab") as out, open(stdout or os.devnull, "wb") as out_stdout:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=out_stdout if stdout else out, stderr=out)
        try:
            while True:
                done = proc.poll() is not None
                if pattern is not None:
                    with open(log, "rb") as f:
                        f.seek(seen)
                        chunk = f.read()
                    seen += len(chunk)
                    *lines, pending = (pending + chunk).split(b"\n")
                    for raw in lines:
                        line = raw.decode("utf-8", "replace").strip()
                        if pattern.search(line):
                            say(f"{what}: {line[:160]}")
                if done:
                    break
                now = time.monotonic()
                if now >= next_note:
                    last = _last_line(log)
                    say(f"still {what} ({now - start:.0f}s){': ' + last if last else ''}")
                    next_note = now + HEARTBEAT
                time.sleep(0.5)
        finally:
            if proc.poll() is None:   # interrupted: do not leave the command running
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    say(f"{what}: {'done' if proc.returncode == 0 else f'FAILED (exit code {proc.returncode})'} "
        f"in {time.monotonic() - start:.0f}s")
    return proc.returncode


def clean_env() -> dict[str, str]:
    """A child's base environment: the caller's PATH, HOME, LANG and TMPDIR and nothing else (no AWS setup,
    proxy or OTEL_* setting leaks in), loopback exempt from proxies, EC2 instance metadata never probed."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update({
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost,::1",
        "no_proxy": "127.0.0.1,localhost,::1",
    })
    return env


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """The TCP sockets process `pid` listens on, as (address, port), read with `ss -ltnp` (iproute2)."""
    out = subprocess.run(["ss", "-H", "-ltnp"], capture_output=True, text=True, check=True).stdout
    socks = []
    for line in out.splitlines():
        if f"pid={pid}," not in line:
            continue
        local = line.split()[3]
        addr, _, port = local.rpartition(":")
        socks.append((addr, int(port)))
    return socks


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return "\n".join(text[-lines:])


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if pytest dies (even by SIGKILL), so nothing is orphaned."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Proc:
    """A child process in its own process group, logging to a file, stopped with SIGTERM then SIGKILL. It gets
    SIGTERM when the test process dies, unless `die_with_parent` is False (a daemon meant to outlive the run)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path, cwd: Path | None = None,
                 die_with_parent: bool = True):
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log = logdir / f"{name}.log"
        self.die_with_parent = die_with_parent
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        out = open(self.log, "ab")
        try:
            self.popen = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                          preexec_fn=_die_with_parent if self.die_with_parent else None)
        finally:
            out.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_ready(self, probe: Callable[[], Any], timeout: float, what: str) -> None:
        def check():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode} before {what}:\n"
                                   f"{tail(self.log)}")
            ok = probe()
            # Still ours? A probe can be answered by a stranger on the same port if our bind failed.
            if ok and not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail(self.log)}")
            return ok
        try:
            wait_until(check, timeout, f"{self.name}: {what}", interval=0.3)
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- {self.log} (tail)\n{tail(self.log)}") from None

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM to this process's own group, SIGKILL after `grace` seconds; returns the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(10)
        return self.popen.returncode


def interrupt_on_sigterm() -> None:
    """SIGTERM (CI timeout, Ctrl-C in a wrapper) becomes KeyboardInterrupt, so the fixtures' teardown runs.
    Call it from a suite's pytest_configure."""
    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)


def report_logs(terminalreporter, logdir: Path | None, suite: str) -> None:
    """At session end: the log directory goes when all passed; else every process log's tail is reported.
    (A `jars` folder in it, private copies of the jars under test, always goes.)"""
    if logdir is None:
        return
    shutil.rmtree(logdir / "jars", ignore_errors=True)
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if not failed:
        shutil.rmtree(logdir, ignore_errors=True)
        return
    terminalreporter.section(f"{suite} process logs (tails; full logs kept in {logdir})")
    for log in sorted(logdir.glob("*.log")):
        terminalreporter.write_line(f"----- {log.name}")
        terminalreporter.write_line(tail(log, 60))
