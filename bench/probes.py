"""The measurements: CPU and RSS of processes (/proc, per thread and thread role, an RSS sampler), a JVM's own
CPU and allocation (the JvmProbe tool), what reached the X-Ray stand-in, the collector's span counters, the
SDK's span counters in Prometheus, and the drain: waiting until no new span arrives.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import COLLECTOR_METRICS, JAVA
import harness
from harness import say
from stack import XRAY, promql, xray_stats


def proc_stat(pid: int) -> dict:
    """CPU seconds (utime+stime, this process only), RSS and its anonymous part (heap, stacks: what cannot
    be reclaimed under a memory limit, unlike the binary's file-backed pages) from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    mem = {"VmRSS:": 0, "RssAnon:": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(maxsplit=1)[0] if line.strip() else ""
            if key in mem:
                mem[key] = int(line.split()[1]) * 1024
    return {"cpu_s": cpu, "rss": mem["VmRSS:"], "rss_anon": mem["RssAnon:"]}


# Thread name (as /proc shows it, 15 characters) -> role. First match wins.
THREAD_ROLES = [
    ("http", re.compile(r"^(HTTP-Dispatcher|ForkJoinPool|VirtualThread|pool-\d+-thread)")),
    ("span-processor", re.compile(r"BatchSpanProces")),
    ("exporter", re.compile(r"(?i)okhttp|okio")),
    ("jit", re.compile(r"^C[12] CompilerThre")),
    ("gc", re.compile(r"^(VM Thread|GC |G1 )")),
]


def thread_role(name: str) -> str:
    return next((r for r, pattern in THREAD_ROLES if pattern.search(name)), "other")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name, threads of one pool summed (trailing digits folded: pool-3-thread-17 ->
    pool-3-thread-#, while "C2 CompilerThre" keeps its name and role), from /proc/<pid>/task/*/stat.
    Threads that ended are missing: diff two reads."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended between listing and reading
        name = re.sub(r"\d+$", "#", name)   # pool-3-thread-17 -> pool-3-thread-#; "C2 CompilerThre" stays
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def role_cpu(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per thread role between two thread_cpu() reads."""
    roles: dict[str, float] = {}
    for name, cpu in after.items():
        roles[thread_role(name)] = roles.get(thread_role(name), 0.0) + max(0.0, cpu - before.get(name, 0.0))
    return roles


class RssSampler:
    """Samples the RSS of a set of pids every 0.25 s in a thread; keeps the maximum per name."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.max = {k: 0 for k in pids}
        self.max_anon = {k: 0 for k in pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:
                    st = proc_stat(pid)
                    self.max[name] = max(self.max[name], st["rss"])
                    self.max_anon[name] = max(self.max_anon[name], st["rss_anon"])
                except OSError:
                    pass
            self._stop.wait(0.25)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(2)


def jvm_probe(tools: Path, pid: int) -> dict:
    """The JVM's own process CPU and total allocated bytes (JvmProbe, through the Attach API)."""
    out = subprocess.run([JAVA, "-cp", str(tools), "JvmProbe", str(pid)], capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"JvmProbe {pid} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- what reached the X-Ray stand-in -------------------------------------------------------------------------

def xray_reset() -> None:
    status = harness.http("POST", f"{XRAY}/admin/reset", body=b"", timeout=5).status
    if status >= 300:
        raise RuntimeError(f"X-Ray stand-in reset -> {status}")


def span_count(stats: dict) -> int:
    """Spans the X-Ray stand-in accepted: the awsxray exporter sends one segment document per span
    (received.segments), plus any subsegments nested inside a document (received.subsegments); the
    otlp_http/xray exporter (TRACES_EXPORTER) sends OTLP spans to /v1/traces (received.spans)."""
    rec = stats.get("received", {})
    return int(rec.get("segments", 0)) + int(rec.get("subsegments", 0)) + int(rec.get("spans", 0))


def span_rejected(stats: dict) -> int:
    return int(stats.get("received", {}).get("segmentsUnprocessed", 0))


def wait_spans_settled(quiet: float, timeout: float, what: str = "spans") -> int:
    """Waits until the X-Ray stand-in's span count has not changed for `quiet` seconds (at most `timeout`),
    saying what it drains; returns the count."""
    say(f"draining {what}: until no new span reaches the X-Ray stand-in for {quiet:g} s (at most {timeout:g} s)")
    seen = {"n": span_count(xray_stats()), "since": time.monotonic()}

    def settled() -> bool:
        n = span_count(xray_stats())
        if n != seen["n"]:
            seen.update(n=n, since=time.monotonic())
        return time.monotonic() - seen["since"] >= quiet

    try:
        harness.wait_until(settled, timeout, f"{what} to settle at the X-Ray stand-in", interval=0.5)
    except AssertionError:
        n = span_count(xray_stats())   # raises if the stand-in itself is gone
        say(f"{what}: still arriving after {timeout:g} s; counting the {n} so far")
        return n
    return seen["n"]


# --- the collector's and the SDK's own counters ----------------------------------------------------------

def collector_metrics() -> dict[str, float]:
    """Collector self-metrics summed per metric name (labels folded), span-related ones only."""
    reply = harness.get(COLLECTOR_METRICS, timeout=5)
    if reply.status != 200:
        return {}
    totals: dict[str, float] = {}
    for line in reply.text().splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m or "span" not in m.group(1):
            continue
        try:
            totals[m.group(1)] = totals.get(m.group(1), 0.0) + float(m.group(3))
        except ValueError:
            pass
    return totals


def metrics_delta(before: dict, after: dict) -> dict:
    return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in sorted(set(before) | set(after))}


def drop_counters(delta: dict) -> dict:
    """Collector-side span losses in a window: refused by receivers, dropped by processors, failed or
    not enqueued by exporters."""
    out = {}
    for k, v in delta.items():
        if any(w in k for w in ("refused", "dropped", "send_failed", "enqueue_failed")):
            out[k] = v
    return out


def sdk_span_counters(job: str) -> dict[str, float]:
    """The app SDK's (or agent's) own span-pipeline metrics as they reached Prometheus through the
    collector and the AMP stand-in (e.g. the batch span processor's processed/dropped counters)."""
    try:
        result = promql(f'{{__name__=~"(?i).*span.*", job="{job}"}}')
    except (OSError, AssertionError):
        return {}
    out = {}
    for item in result:
        m = dict(item["metric"])
        name = m.pop("__name__", "?")
        labels = ",".join(f"{k}={v}" for k, v in sorted(m.items())
                          if k not in ("job", "instance") and not k.startswith(("service_", "telemetry_",
                                                                                   "host_", "os_", "process_")))
        out[f"{name}{{{labels}}}"] = float(item["value"][1])
    return out
