#!/usr/bin/env python3
"""Start-up on one CPU with and without the image's AOT cache (issue 21, item 2): time from exec to the first
200 on GET / (telemetry on), the app JVM pinned to CPU 0 (`taskset -c 0`) as on a 0.25-vCPU Fargate task
(the JVM sees one CPU), this poller on another CPU. The cache is made the way the Dockerfile makes it
(aot/AotTraining.java: the app's jar at a fixed path, every endpoint, -XX:AOTCacheOutput) with the JDK given.
Runs alternate (off, on, off, on, ...) so drift in the machine's load hits both alike. No collector: OTLP
points at 127.0.0.1:1 (refused at once), as in the training run. Loopback only, ephemeral ports.

    python3 bench/aot_startup.py [--runs 7] [--java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java]
    sudo python3 bench/aot_startup.py --cpu-max "25000 100000"   # + a 0.25-CPU quota, as Fargate's 256 units

A full core is not a 0.25-vCPU task: Fargate enforces the task's CPU units as a CFS quota (cpu.max), so each
CPU-second the JVM needs takes ~4 s of wall time there. --cpu-max runs the app in a cgroup of its own with that
quota (created under /sys/fs/cgroup, cgroup v2 cpu.max or v1 cpu.cfs_quota_us; root needed; removed at the end).

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


CGROUP: list[Path] = []   # the app's own cgroup with a CPU quota (--cpu-max), made in main()


def make_cgroup(cpu_max: str) -> Path:
    """A cgroup with cpu.max = cpu_max ("QUOTA PERIOD" in µs), on cgroup v2 or, failing that, v1's cpu hierarchy."""
    quota, period = (int(x) for x in cpu_max.split())
    name = f"aot-startup-{os.getpid()}"
    v2 = Path("/sys/fs/cgroup")
    controllers = v2 / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        path = v2 / name
        path.mkdir()
        (path / "cpu.max").write_text(f"{quota} {period}")
    else:
        path = v2 / "cpu" / name
        path.mkdir()
        (path / "cpu.cfs_period_us").write_text(str(period))
        (path / "cpu.cfs_quota_us").write_text(str(quota))
    return path


def join_cgroup() -> None:
    """preexec_fn: the forked child enters the quota cgroup before it execs the JVM (so the JVM's own container
    detection sees the quota and sizes itself for one CPU, as on Fargate)."""
    (CGROUP[0] / "cgroup.procs").write_text(str(os.getpid()))


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


def rss_mib(pid: int) -> float:
    """Resident set (MiB): with the cache, class metadata is mapped from the cache file instead of built."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def jit_cpu_seconds(pid: int) -> float:
    """CPU seconds of the JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre"; on one CPU the JVM keeps
    one of each for its whole life, so none is missed by exiting)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "comm").read_text().startswith(("C1 CompilerThre", "C2 CompilerThre")):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return total


# Modes: (label, use the AOT cache, extra JVM flags). "aot-c1" is the compiler-flag alternative the issue asks to
# weigh: C1 only (-XX:TieredStopAtLevel=1) compiles far less, at the price of slower compiled code.
MODES = {"plain": ("no AOT cache (default CDS archive)", False, []),
         "aot": ("`-XX:AOTCache` (the image's)", True, []),
         "aot-c1": ("`-XX:AOTCache` + `-XX:TieredStopAtLevel=1`", True, ["-XX:TieredStopAtLevel=1"])}


def first_200(java: str, jar: Path, cache: Path | None, logdir: Path, n: int,
              probe: list[str] | None = None, load: tuple[str, float, float] | None = None,
              mode: str = "") -> tuple[float, ...]:
    """Seconds from exec to the first 200 on GET /, and the JVM's CPU seconds by then. With probe: then also runs
    the health-check probe PROBE_RUNS times against the app (probe_cost). With load (RateLoader class dir, req/s,
    seconds): then GET /orders/{id} at that fixed rate for that long and also returns the JIT threads' CPU seconds
    from exec to the end of the load, and the whole JVM's."""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "AWS_REGION": "us-west-2",
           "AWS_EC2_METADATA_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",
           "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:1", "OUTGOING_HTTP_URL": f"http://127.0.0.1:{port}/"}
    argv = ["taskset", "-c", "0", java, *shipped_jvm_flags(), *([f"-XX:AOTCache={cache}", "-XX:AOTMode=on"]
                                                               if cache else []),
            *MODES.get(mode, ("", False, []))[2], "-jar", str(jar)]
    log = open(logdir / f"run-{n}-{mode or ('aot' if cache else 'plain')}.log", "w")
    t0 = time.monotonic()
    app = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                           preexec_fn=join_cgroup if CGROUP else None)
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
                        if load:
                            tools, rate, seconds = load
                            subprocess.run([java, "-cp", tools, "RateLoader", f"http://127.0.0.1:{port}/orders/42",
                                            str(rate), str(seconds), "32"], check=True, stdout=subprocess.DEVNULL,
                                           timeout=seconds + 60)
                            result += (jit_cpu_seconds(app.pid), cpu_seconds(app.pid), rss_mib(app.pid))
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


RUSAGE: list[str] = []   # bench/rusage.c, built in main()


def probe_cost(argv: list[str], port: int) -> tuple[float, int]:
    """Median CPU (ms, user+system) and peak RSS (KiB) of PROBE_RUNS runs of a health-check command that pass,
    measured by bench/rusage.c (forked from this Python, a child's ru_maxrss would be Python's peak RSS)."""
    cpu, rss = [], []
    for _ in range(PROBE_RUNS):
        out = subprocess.run([*RUSAGE, *argv], env={"PORT": str(port), "PATH": "/usr/bin:/bin"}, capture_output=True,
                             text=True, timeout=60).stdout.split()
        if len(out) != 3 or out[0] != "0":
            raise SystemExit(f"health check {argv} failed against a running app: {out}")
        rss.append(int(out[1]))
        cpu.append(int(out[2]) / 1e3)
    return statistics.median(cpu), max(rss)


def summary(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--java", default=f"{JDK}/bin/java")
    ap.add_argument("--jar", type=Path, default=REPO / "target" / "sample-app.jar")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "aot-startup.md")
    ap.add_argument("--load-seconds", type=float, default=0,
                    help="after the first 200, GET /orders/{id} at --rate req/s for this long and report JIT CPU")
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--modes", default="plain,aot", help=f"comma-separated, of {','.join(MODES)}")
    ap.add_argument("--cpu-max", help='run the app in a cgroup with this CPU quota, "QUOTA PERIOD" in µs as in '
                    'cgroup v2 cpu.max, e.g. "25000 100000" for a 0.25-vCPU task (root)')
    ap.add_argument("--probe", help="also measure this health-check binary (healthcheck/ built here) and, for "
                    "comparison, the JVM probe the image used before (bench/java/JvmHealthProbe.java)")
    a = ap.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two CPUs: the app on CPU 0, this poller elsewhere")
    os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})
    loadavg = os.getloadavg()   # reported: other work on CPU 0 slows both modes alike, not their ratio
    work = Path(tempfile.mkdtemp(prefix="aot-startup."))
    if a.cpu_max:
        CGROUP.append(make_cgroup(a.cpu_max))
    try:
        jar = work / "sample-app.jar"
        shutil.copy2(a.jar, jar)
        cache = work / "sample-app.aot"
        t = time.monotonic()
        subprocess.run([a.java, str(REPO / "aot" / "AotTraining.java"), a.java, str(jar), str(cache)], check=True)
        train_s = time.monotonic() - t
        if a.probe:
            subprocess.run(["cc", "-O2", "-static", "-o", str(work / "rusage"), str(REPO / "bench" / "rusage.c")],
                           check=True)
            RUSAGE.append(str(work / "rusage"))
            subprocess.run([str(Path(a.java).parent / "javac"), "-d", str(work / "probe"),
                            str(REPO / "bench" / "java" / "JvmHealthProbe.java")], check=True)
        load = None
        if a.load_seconds:
            subprocess.run([str(Path(a.java).parent / "javac"), "-d", str(work / "tools"),
                            str(REPO / "bench" / "java" / "RateLoader.java")], check=True)
            load = (str(work / "tools"), a.rate, a.load_seconds)
        modes = a.modes.split(",")
        runs: dict[str, list[tuple[float, ...]]] = {m: [] for m in modes}
        for n in range(a.runs):
            for mode in modes:
                probes = None
                if a.probe and n == 0 and mode in ("plain", "aot"):
                    probes = ([a.probe] if mode == "aot" else
                              [a.java, "-Xmx16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                               "-cp", str(work / "probe"), "JvmHealthProbe"])
                runs[mode].append(first_200(a.java, jar, cache if MODES[mode][1] else None, work, n, probes, load,
                                            mode))
                print(f"run {n + 1}/{a.runs} {mode}: " + ", ".join(f"{x:.2f}" for x in runs[mode][-1]), flush=True)
        version = subprocess.run([a.java, "-version"], capture_output=True, text=True).stderr.splitlines()[1]
        med = {m: statistics.median(x[0] for x in r) for m, r in runs.items()}
        args = (f"--runs {a.runs}" + (f" --modes {a.modes}" if a.modes != "plain,aot" else "")
                + (f" --load-seconds {a.load_seconds:g} --rate {a.rate:g}" if load else "") + (" --probe" if a.probe else "")
                + (f' --cpu-max "{a.cpu_max}"' if a.cpu_max else ""))
        quota = (f" and a CPU quota of {a.cpu_max} µs (cgroup cpu.max, {int(a.cpu_max.split()[0]) / int(a.cpu_max.split()[1]):g}"
                 f" of that CPU, as a Fargate task's CPU units)" if a.cpu_max else "")
        lines = [
            f"Measured by `bench/aot_startup.py {args}` ({time.strftime('%Y-%m-%d')}, {version}; the app "
            f"pinned to one CPU with `taskset -c 0`{quota}, the task definition's JVM flags, no collector; median "
            f"(min–max) of {a.runs} alternating runs; load average {loadavg[0]:.1f} before, {os.getloadavg()[0]:.1f} "
            f"after, on {os.cpu_count()} CPUs):",
            "",
            "| | start to first 200 on `GET /`, s | JVM CPU by then, s |"
            + (f" JIT CPU, start to the end of {a.load_seconds:g} s at {a.rate:g} req/s, s | JVM CPU, same span, s |"
               " RSS then, MiB |"
               if load else ""),
            "|---|---|---|" + ("---|---|---|" if load else ""),
            *[f"| {MODES[mode][0]} | " + " | ".join(summary([x[i] for x in runs[mode]])
                                                    for i in range(len(runs[mode][0]))) + " |" for mode in modes],
            "",
            f"Time to first 200 with the cache ÷ without: {med['aot'] / med['plain']:.2f}. The cache file is "
            f"{cache.stat().st_size / 2**20:.0f} MiB uncompressed; its training run took {train_s:.0f} s here.",
        ]
        if len(PROBE_COST) == 2:
            (jvm_ms, jvm_kib), (bin_ms, bin_kib) = PROBE_COST
            lines += ["", f"Health-check probe against the running app (median CPU and peak RSS of {PROBE_RUNS} runs, "
                      "bench/rusage.c):",
                      "", "| probe | CPU per probe, ms (user+system) | peak RSS, MiB |", "|---|---|---|",
                      f"| `/app/healthcheck` (healthcheck/, static Go) | {bin_ms:.1f} | {bin_kib / 1024:.1f} |",
                      f"| before: a JVM probe (`bench/java/JvmHealthProbe.java`, formerly the app's `HealthCheck`) | {jvm_ms:.0f} | {jvm_kib / 1024:.0f} |"]
        text = "\n".join(lines) + "\n"
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for path in CGROUP:   # empty by now: every app was waited for
            path.rmdir()


if __name__ == "__main__":
    main()
