"""What the memory-pressure tests (test_06 on the default trace path, test_10 on the durable one) sample while the
collector is under pressure: its RSS, cgroup charge and health check (Sampler), its own metrics, the OOM-kill counts."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import collector_metrics, get, rss_kib
from pressure import Cgroup


def rss_file_kib(pid: int) -> int:
    """The process's resident file pages (its binary's text and data mapped from disk), /proc/<pid>/status RssFile."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    return 0


def metrics_or_empty() -> dict[str, float]:
    """collector_metrics(), or {} when the collector does not answer (it died: the tests then say so)."""
    try:
        return collector_metrics()
    except OSError:
        return {}


def total(metrics: dict[str, float], name: str) -> float:
    """A counter of collector_metrics() summed over its labels, with or without the _total suffix."""
    return sum(v for k, v in metrics.items()
               for n in (name, name + "_total") if k == n or k.startswith(n + "["))


def vmstat_oom_kills() -> int:
    """The kernel's machine-wide OOM-kill count (a cross-check of the cgroup's own counter)."""
    for line in Path("/proc/vmstat").read_text().splitlines():
        if line.startswith("oom_kill "):
            return int(line.split()[1])
    return -1


class Sampler:
    """Samples the collector's RSS and cgroup every 0.5 s, its health check every 2 s (bounded by stop())."""

    def __init__(self, pid: int, cg: Cgroup, alive):
        self.pid, self.cg, self.alive = pid, cg, alive
        self.t0 = time.monotonic()
        self.timeline: list[tuple] = []        # every 5 s: (s, RSS MiB, cgroup usage MiB, cgroup anon MiB)
        self.rss_kib: list[int] = []
        self.usage: list[int] = []
        self.anon: list[int] = []
        self.health: dict[int, int] = {}
        self.dead = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Sampler":
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(0.5):
            if not self.alive():
                self.dead = True
                return
            try:
                self.rss_kib.append(rss_kib(self.pid))
                self.usage.append(self.cg.usage())
                self.anon.append(self.cg.anon() or 0)
            except (FileNotFoundError, ProcessLookupError):
                self.dead = True
                return
            n += 1
            if n % 10 == 0:
                self.timeline.append((round(time.monotonic() - self.t0), round(self.rss_kib[-1] / 1024),
                                      round(self.usage[-1] / 2**20), round(self.anon[-1] / 2**20)))
            if n % 4 == 0:
                try:
                    status = get("http://127.0.0.1:13133/", timeout=5).status
                except OSError:
                    status = 0
                self.health[status] = self.health.get(status, 0) + 1

    def stop(self) -> "Sampler":
        self._stop.set()
        self._thread.join(10)
        return self
