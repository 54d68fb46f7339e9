"""Warm-up apart from steady state (issue 20, item 3): load a fresh app JVM until its JIT is quiet, and say what
that took.

The load is the saturation load itself (wrk, closed loop), in cycles of one slice per endpoint, so a quiet
cycle has run every endpoint. After each cycle the JIT's compilation time per second of that cycle is read from
the JVM's CompilationMXBean (`TotalCompilationTime`: the compiler threads' accumulated elapsed milliseconds in
compilation, through JvmProbe --serve: one attach per warm-up). The JIT is quiet when `quiet_cycles` cycles in a
row stay below QUIET_MS_PER_S (one quiet cycle is not enough: on one CPU a warm JVM still recompiles now and then,
100-400 ms in a second, after a deoptimization); then the measured windows start. At `max_s` the warm-up stops
anyway and the run records that quiet was not reached.

Reported per JVM: seconds from the first 200 to the start of the quiet cycles (under saturating load), the
whole warm-up's length, the compiler threads' CPU
seconds from JVM start to then (/proc/<pid>/task: the "C1/C2 CompilerThre" threads; on one CPU the JVM keeps
one of each for its life, so none is missed by exiting), the MXBean's compilation time, the app's CPU and the
requests served meanwhile, and the per-cycle series.
"""

from __future__ import annotations

import json
import select
import subprocess
import tempfile
import time
from pathlib import Path

from settings import ENDPOINTS, JAVA
from harness import say
from load import run_wrk
from probes import thread_cpu, thread_role

# Quiet: less than this many milliseconds of compilation per second of a cycle (1 % of a core: with one CPU,
# compilation shares the core with the requests, so its elapsed time is at most ~1,000 ms per second).
QUIET_MS_PER_S = 10.0
# Per mode: seconds of wrk per endpoint in a cycle, quiet cycles in a row, the most a warm-up may take (s).
# (A first try, the app alone on CPU 0 with wrk on CPU 1: `disabled` went below 10 ms/s after ~15 s, `on` after
# ~30-45 s, with single cycles of 50-200 ms/s later.) The smoke run keeps its old 2 s: it checks the mechanics.
SETTINGS = {"full": {"warmup_slice_s": 2, "warmup_quiet_cycles": 2, "warmup_max_s": 180,
                     "warmup_quiet_ms_per_s": QUIET_MS_PER_S},
            "smoke": {"warmup_slice_s": 1, "warmup_quiet_cycles": 1, "warmup_max_s": 2,
                      "warmup_quiet_ms_per_s": QUIET_MS_PER_S}}


class JitProbe:
    """JvmProbe --serve on one app JVM: one sample (compile_ms, cpu_ns, ...) per call."""

    def __init__(self, tools: Path, pid: int):
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen([JAVA, "-cp", str(tools), "JvmProbe", "--serve", str(pid)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err, text=True)

    def sample(self, timeout: float = 30) -> dict:
        self.p.stdin.write("\n")
        self.p.stdin.flush()
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        line = self.p.stdout.readline() if ready else ""
        if not line.startswith("{"):
            self.close()
            self.err.seek(0)
            raise RuntimeError(f"JvmProbe --serve gave no sample: {line!r} {self.err.read()[-2000:]!r}")
        s = json.loads(line)
        s["mono"] = time.monotonic()
        return s

    def close(self) -> None:
        try:
            self.p.stdin.close()
            self.p.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait(5)
        self.err.close()


def jit_cpu_s(pid: int) -> float:
    """CPU seconds of the app's JIT compiler threads since JVM start (/proc)."""
    return sum(cpu for name, cpu in thread_cpu(pid).items() if thread_role(name) == "jit")


def warm_until_quiet(tools: Path, pid: int, prof: dict, label: str) -> dict:
    """Cycles of saturating load (one wrk slice per endpoint) until `warmup_quiet_cycles` cycles in a row stay
    below QUIET_MS_PER_S of compilation, or `warmup_max_s` is spent. Returns the warm-up's figures."""
    slice_s, need, max_s = prof["warmup_slice_s"], prof["warmup_quiet_cycles"], prof["warmup_max_s"]
    threshold = prof["warmup_quiet_ms_per_s"]
    cycle_s = slice_s * len(ENDPOINTS)
    say(f"{label}: warming up until the JIT is quiet (< {threshold:g} ms of compilation per s in {need} "
        f"cycle(s) of {cycle_s:g} s in a row, both endpoints; at most {max_s:g} s)")
    probe = JitProbe(tools, pid)
    try:
        first = prev = probe.sample()
        jit0 = jit_cpu_s(pid)
        requests = {name: 0 for name in ENDPOINTS}
        series: list[list[float]] = []
        quiet_since, in_row = 0.0, 0
        while True:
            for name, path in ENDPOINTS.items():
                requests[name] += run_wrk(path, slice_s, prof["wrk_conns"])["requests"]
            cur = probe.sample()
            cur["jit_cpu_s"] = jit_cpu_s(pid)
            dt = max(1e-3, cur["mono"] - prev["mono"])
            rate = (cur["compile_ms"] - prev["compile_ms"]) / dt
            # [s since the first sample, compilation ms per s (the criterion), compiler threads' CPU ms per s]: on
            # a core shared with other work the two part (elapsed compilation grows while the JIT waits for CPU).
            series.append([round(cur["mono"] - first["mono"], 1), round(rate, 1),
                           round((cur["jit_cpu_s"] - prev.get("jit_cpu_s", jit0)) * 1e3 / dt, 1)])
            if rate < threshold:
                in_row += 1
                quiet_since = quiet_since if in_row > 1 else prev["mono"] - first["mono"]
            else:
                in_row = 0
            prev = cur
            if in_row >= need or cur["mono"] - first["mono"] + cycle_s > max_s:
                break
        jit_end = prev["jit_cpu_s"]
    finally:
        probe.close()
    quiet = in_row >= need
    total = prev["mono"] - first["mono"]
    seconds = quiet_since if quiet else None   # time to steady state: when the quiet cycles began
    out = {"quiet": quiet, "seconds": seconds, "warmup_s": total, "cycles": len(series),
           "threshold_ms_per_s": threshold, "quiet_cycles": need, "cycle_s": cycle_s, "max_s": max_s,
           "last_ms_per_s": series[-1][1],
           "compile_ms": prev["compile_ms"] - first["compile_ms"], "compile_ms_total": prev["compile_ms"],
           "jit_cpu_s": jit_end, "jit_cpu_s_warmup": jit_end - jit0,
           "app_cpu_s": (prev["cpu_ns"] - first["cpu_ns"]) / 1e9, "requests": requests, "series": series}
    say(f"{label}: " + (f"JIT quiet after {seconds:.1f} s of load" if quiet else
                        f"JIT NOT quiet within {max_s:g} s (the cap)")
        + f"; {total:.1f} s of warm-up, {series[-1][1]:.1f} ms/s of compilation in the last cycle, JIT CPU "
          f"{jit_end:.2f} s since JVM start")
    return out
