#!/usr/bin/env python3
"""Start-up on one CPU with and without the image's AOT cache (issue 21, item 2): time from exec to the first
200 on GET / (telemetry on), the app JVM pinned to CPU 0 (`taskset -c 0`) as on a 0.25-vCPU Fargate task
(the JVM sees one CPU), this poller on another CPU. The cache is made the way the Dockerfile makes it
(aot/AotTraining.java: the app's jar at a fixed path, every endpoint, -XX:AOTCacheOutput) with the JDK given.
Runs alternate (off, on, off, on, ...) so drift in the machine's load hits both alike. No collector: OTLP
points at 127.0.0.1:1 (refused at once), as in the training run. Loopback only, ephemeral ports.

    python3 bench/aot_startup.py [--runs 7] [--java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java]

Prints a Markdown section (docs/app.md quotes it) and writes it to bench/results/aot-startup.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import shipped  # noqa: E402  (bench/shipped.py: the task definition's JVM flags)
JDK = os.environ.get("BENCH_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shipped_jvm_flags() -> list[str]:
    """The task definition's app JVM flags as the benchmark runs them (bench/shipped.py: heap percentages of the
    container's memory, Serial GC as on one CPU), without the image's -XX:AOTCache path."""
    return shipped.app_jvm_flags(json.loads((REPO / "task-definition.json").read_text()))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_200(java: str, jar: Path, cache: Path | None, logdir: Path, n: int,
              probe: list[str] | None = None) -> tuple[float, float]:
    """Seconds from exec to the first 200 on GET /, and the JVM's CPU seconds by then. With probe: then also runs
    the health-check probe PROBE_RUNS times against the app (probe_cost)."""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "AWS_REGION": "us-west-2",
           "AWS_EC2_METADATA_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",
           "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:1", "OUTGOING_HTTP_URL": f"http://127.0.0.1:{port}/"}
    argv = ["taskset", "-c", "0", java, *shipped_jvm_flags(), *([f"-XX:AOTCache={cache}", "-XX:AOTMode=on"]
                                                               if cache else []), "-jar", str(jar)]
    log = open(logdir / f"run-{n}-{'aot' if cache else 'plain'}.log", "w")
    t0 = time.monotonic()
    app = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while time.monotonic() - t0 < 60:
            if app.poll() is not None:
                raise SystemExit(f"the app exited ({app.returncode}): see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    if r.status == 200:
                        result = time.monotonic() - t0, cpu_seconds(app.pid)
                        if probe:
                            PROBE_COST.append(probe_cost(probe, port))
                        return result
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.005)
        raise SystemExit("no 200 within 60 s")
    finally:
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
        log.close()


PROBE_RUNS = 20
PROBE_COST: list[tuple[float, int]] = []


def probe_cost(argv: list[str], port: int) -> tuple[float, int]:
    """Median CPU (ms, user+system) and peak RSS (KiB) of PROBE_RUNS runs of a health-check command that pass."""
    cpu, rss = [], []
    for _ in range(PROBE_RUNS):
        p = subprocess.Popen(argv, env={"PORT": str(port), "PATH": "/usr/bin:/bin"}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"health check {argv} failed against a running app")
        cpu.append((usage.ru_utime + usage.ru_stime) * 1e3)
        rss.append(usage.ru_maxrss)
    return statistics.median(cpu), max(rss)


def summary(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--java", default=f"{JDK}/bin/java")
    ap.add_argument("--jar", type=Path, default=REPO / "target" / "sample-app.jar")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "aot-startup.md")
    ap.add_argument("--probe", help="also measure this health-check binary (healthcheck/ built here) and, for "
                    "comparison, the JVM probe the image used before (com.example.ecsotel.HealthCheck)")
    a = ap.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two CPUs: the app on CPU 0, this poller elsewhere")
    os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})
    work = Path(tempfile.mkdtemp(prefix="aot-startup."))
    try:
        jar = work / "sample-app.jar"
        shutil.copy2(a.jar, jar)
        cache = work / "sample-app.aot"
        t = time.monotonic()
        subprocess.run([a.java, str(REPO / "aot" / "AotTraining.java"), a.java, str(jar), str(cache)], check=True)
        train_s = time.monotonic() - t
        runs: dict[str, list[tuple[float, float]]] = {"plain": [], "aot": []}
        for n in range(a.runs):
            for mode in ("plain", "aot"):
                probes = None
                if a.probe and n == 0:
                    probes = ([a.probe] if mode == "aot" else
                              [a.java, "-Xmx16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                               "-cp", str(jar), "com.example.ecsotel.HealthCheck"])
                runs[mode].append(first_200(a.java, jar, cache if mode == "aot" else None, work, n, probes))
                print(f"run {n + 1}/{a.runs} {mode}: first 200 after {runs[mode][-1][0]:.2f} s, "
                      f"{runs[mode][-1][1]:.2f} CPU-s", flush=True)
        version = subprocess.run([a.java, "-version"], capture_output=True, text=True).stderr.splitlines()[1]
        med = {m: statistics.median(x[0] for x in r) for m, r in runs.items()}
        lines = [
            f"Measured by `bench/aot_startup.py --runs {a.runs}` ({time.strftime('%Y-%m-%d')}, {version}; the app "
            f"pinned to one CPU with `taskset -c 0`, the task definition's JVM flags, no collector; median "
            f"(min–max) of {a.runs} alternating runs):",
            "",
            "| | start to first 200 on `GET /`, s | JVM CPU by then, s |",
            "|---|---|---|",
            f"| no AOT cache (default CDS archive) | {summary([x[0] for x in runs['plain']])} | "
            f"{summary([x[1] for x in runs['plain']])} |",
            f"| `-XX:AOTCache` (the image's) | {summary([x[0] for x in runs['aot']])} | "
            f"{summary([x[1] for x in runs['aot']])} |",
            "",
            f"Time to first 200 with the cache ÷ without: {med['aot'] / med['plain']:.2f}. The cache file is "
            f"{cache.stat().st_size / 2**20:.0f} MiB uncompressed; its training run took {train_s:.0f} s here.",
        ]
        if len(PROBE_COST) == 2:
            (jvm_ms, jvm_kib), (bin_ms, bin_kib) = PROBE_COST
            lines += ["", f"Health-check probe against the running app (median CPU and peak RSS of {PROBE_RUNS} runs):",
                      "", "| probe | CPU per probe, ms (user+system) | peak RSS, MiB |", "|---|---|---|",
                      f"| `/app/healthcheck` (healthcheck/, static Go) | {bin_ms:.1f} | {bin_kib / 1024:.1f} |",
                      f"| before: a JVM running `com.example.ecsotel.HealthCheck` | {jvm_ms:.0f} | {jvm_kib / 1024:.0f} |"]
        text = "\n".join(lines) + "\n"
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
