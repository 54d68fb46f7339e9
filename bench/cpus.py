"""Where the benchmark's processes run (issue 20, item 2), and how busy each CPU was.

`pinned` (the default): the app JVM alone on one CPU (`taskset`), as on a 0.25-vCPU Fargate task where the JVM
sees one CPU (its JIT and GC size themselves for one: one C1 and one C2 compiler thread, Serial GC), and
everything else on the other CPUs: bench.py pins itself there before it starts anything, so Prometheus, the
stand-ins, the collector, wrk, RateLoader and JvmProbe inherit it. Then a saturation figure is the app's own
(its core full) and not the load generator's or the collector's, which share the other core. `shared`: no
pinning (everything on every CPU, as before issue 20). With fewer than two usable CPUs `pinned` cannot be
honoured: the run says so and falls back to `shared`, and the report carries that note.

Per-CPU busy time comes from /proc/stat (`cpuN` lines: busy = everything but idle and iowait; steal, the
time the hypervisor ran someone else while we wanted the CPU, is counted busy and also reported apart).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from harness import say

APP_BUSY_MIN = 0.95     # at saturation the app's core must be at least this busy: the app is the limit
OTHER_BUSY_MAX = 0.95   # ... and the other CPUs below this: the load generator and collector were not
APP_SHARE_MIN = 0.90    # ... and the app process itself must have had this much of its core: on a shared
                        # machine the core can be full of someone else's work (a first try: 99.6 % busy, 13 % app)


@dataclass
class Layout:
    mode: str                        # "pinned" or "shared"
    app: list[int]                   # the app JVM's CPUs (pinned: one)
    other: list[int]                 # everything else's CPUs (shared: all)
    note: str = ""                   # why the requested mode was not used, if it was not
    all: list[int] = field(default_factory=list)

    def app_argv(self, argv: list[str]) -> list[str]:
        """The app's command line, on its own CPU when this layout pins. taskset execs the JVM: the pid stays
        the JVM's."""
        if self.mode != "pinned":
            return list(argv)
        return ["taskset", "--cpu-list", ",".join(map(str, self.app)), *argv]

    def shared(self) -> "Layout":
        """The same CPUs, nothing pinned (the whole-task pass, inside unpinned())."""
        return Layout("shared", self.all, self.all, all=self.all)

    def describe(self) -> str:
        if self.mode == "pinned":
            return f"app JVM on CPU {self.app}, everything else on CPU {self.other}"
        return f"unpinned: every process on CPUs {self.all}" + (f" ({self.note})" if self.note else "")


def choose(requested: str, app_cpu: int | None = None) -> Layout:
    """The CPU layout for this run: `requested` ("pinned" or "shared") if this machine allows it."""
    cpus = sorted(os.sched_getaffinity(0))
    if requested == "shared":
        return Layout("shared", cpus, cpus, all=cpus)
    why = ""
    if len(cpus) < 2:
        why = (f"only {len(cpus)} usable CPU ({cpus}): the app cannot have a core of its own, so this run is "
               "unpinned and its saturation figures include the load generator's and the collector's CPU")
    elif shutil.which("taskset") is None:
        why = "taskset (util-linux) is missing: this run is unpinned"
    if why:
        say(f"CPU layout: pinned mode requested, but {why}")
        return Layout("shared", cpus, cpus, note=why, all=cpus)
    # The last CPU by default: CPU 0 takes most device interrupts on many VMs, and this repository's other
    # one-CPU tools (bench/aot_startup.py) pin to CPU 0.
    app = app_cpu if app_cpu is not None else cpus[-1]
    if app not in cpus:
        raise SystemExit(f"--app-cpu {app} is not one of this process's CPUs {cpus}")
    return Layout("pinned", [app], [c for c in cpus if c != app], all=cpus)


def enter_other_cpus(layout: Layout) -> None:
    """Moves this process (every thread) to the layout's `other` CPUs; what it starts afterwards inherits them."""
    if layout.mode != "pinned":
        return
    _set_affinity(os.getpid(), layout.other)
    say(f"CPU layout: {layout.describe()}")


def _set_affinity(pid: int, cpu_set: list[int]) -> None:
    """Every thread of `pid` (a process's threads each have their own affinity) onto `cpu_set`."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return   # the process is gone
    for task in tasks:
        try:
            os.sched_setaffinity(int(task.name), cpu_set)
        except (OSError, ValueError):
            pass   # a thread that ended meanwhile


@contextlib.contextmanager
def unpinned(layout: Layout, pids: list[int]):
    """For the whole-task pass of a pinned run: this process (so the app, wrk and the probes it starts) and the
    running backends (`pids`: collector, stand-ins, Prometheus) on every CPU, as in an unpinned run; back on the
    other CPUs afterwards."""
    if layout.mode != "pinned":
        yield
        return
    for pid in (os.getpid(), *pids):
        _set_affinity(pid, layout.all)
    try:
        yield
    finally:
        for pid in (os.getpid(), *pids):
            _set_affinity(pid, layout.other)


def cpu_ticks() -> dict[int, dict[str, int]]:
    """Per CPU, from /proc/stat: total, idle (idle + iowait) and steal ticks since boot."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *vals = line.split()
            if not (name.startswith("cpu") and name[3:].isdigit()):
                continue
            v = [int(x) for x in vals[:8]]   # user nice system idle iowait irq softirq steal
            out[int(name[3:])] = {"total": sum(v), "idle": v[3] + v[4], "steal": v[7]}
    return out


def busy(before: dict, after: dict, layout: Layout) -> dict:
    """How busy each CPU was between two cpu_ticks() reads: per CPU busy and steal fractions, and the app's
    CPU (min busy over the app's CPUs) against the others (max busy)."""
    per = {}
    for cpu in layout.all:
        if cpu not in before or cpu not in after:
            continue
        total = after[cpu]["total"] - before[cpu]["total"]
        if total <= 0:
            continue
        per[cpu] = {"busy": 1 - (after[cpu]["idle"] - before[cpu]["idle"]) / total,
                    "steal": (after[cpu]["steal"] - before[cpu]["steal"]) / total}
    app = [per[c]["busy"] for c in layout.app if c in per]
    other = [per[c]["busy"] for c in layout.other if c in per and c not in layout.app]
    return {"per_cpu": per, "app_core_busy": min(app) if app else None,
            "other_busy_max": max(other) if other else None, "mode": layout.mode}


def check(cpu: dict) -> bool | None:
    """The app's core was the limit: at least APP_BUSY_MIN busy, most of it (APP_SHARE_MIN) the app's own work,
    and the other CPUs below OTHER_BUSY_MAX. None when the run was not pinned: then there is no app core."""
    if not cpu or cpu.get("mode") != "pinned" or cpu.get("app_core_busy") is None:
        return None
    return (cpu["app_core_busy"] >= APP_BUSY_MIN and (cpu.get("app_process_share") or 0) >= APP_SHARE_MIN
            and (cpu.get("other_busy_max") or 0) < OTHER_BUSY_MAX)
