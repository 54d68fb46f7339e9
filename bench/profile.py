#!/usr/bin/env python3
"""Where the app's per-span CPU goes (issue 13, item 3): per-thread CPU, GC and JIT of warm app JVMs.

    bench/run.sh --profile [--variants on,disabled] [--seconds 20] [--rate 1000]

For each variant, in a fresh JVM on the same stack bench.py uses (pipeline.py: stand-ins, the collector on
the shipped config): warm both endpoints with wrk, let the warm-up's spans drain, then run /orders/{id} open
loop at `--rate` for `--seconds` and read, before and after, every thread's CPU from
/proc/<pid>/task/*/stat. Threads are grouped by role (HTTP workers, span processor, exporter, JIT, GC,
...), so "on minus disabled" splits into the threads that spend it. A JFR recording (settings=profile)
of the measured window and a GC log land in the run folder for the hot methods and allocation.
Loopback only; everything started is stopped.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import ENDPOINTS, JAVA_HOME, RESULTS, resolve_shipped
import harness
from harness import say
from load import run_rate, run_wrk
from pipeline import BenchProc, Pipeline, first_200
from probes import RssSampler, jvm_probe, proc_stat, role_cpu, thread_cpu, wait_spans_settled


def with_jvm_flags(argv: list[str], flags: list[str]) -> list[str]:
    """The app's command line with `flags` after the shipped ones (the last -Xmx etc. wins)."""
    i = argv.index("-cp")
    return [*argv[:i], *flags, *argv[i:]]


def start_app(pipeline: Pipeline, tools: Path, spec: str, tag: str, flags: list[str],
              wrap=lambda argv: argv) -> BenchProc:
    """The app for `spec` (a bench variant, optionally with A/B settings after +: `+K=V` an app variable,
    `+-flag` a JVM flag, e.g. on+OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048+-Xmx352m), with `flags` added; `wrap`
    prefixes the command line (saturation.py: cpus.Layout.app_argv, the app on its own CPU)."""
    variant, *settings = spec.split("+")
    argv, env = pipeline.app_command(variant, tools, tag)
    env.update(dict(s.split("=", 1) for s in settings if not s.startswith("-")))
    argv = wrap(with_jvm_flags(argv, [*flags, *[s for s in settings if s.startswith("-")]]))
    return BenchProc(f"app-{tag}-{variant}", argv, env, pipeline.logdir).start()


def profile_variant(pipeline: Pipeline, tools: Path, spec: str, rate: float, seconds: float) -> dict:
    """Per-thread CPU over a measured window of a warm JVM, then a JFR recording and the GC log."""
    label = re.sub(r"[^A-Za-z0-9_.=-]+", "_", spec)
    jfr = pipeline.logdir / f"{label}.jfr"
    gclog = pipeline.logdir / f"{label}-gc.log"
    app = start_app(pipeline, tools, spec, "profile", [f"-Xlog:gc*:file={gclog}:uptime"])
    try:
        first_200(app, 60)
        for path in ENDPOINTS.values():
            run_wrk(path, 10, 16)
        # A minute at the measured rate before measuring: the JIT compiles what this load runs (the first
        # window after wrk still spent about a quarter of its CPU in C2), so the window shows the steady state.
        run_rate(tools, ENDPOINTS["orders"], rate, 60, 16, 1)
        p0 = jvm_probe(tools, app.pid)  # attaches first: its own threads' start-up stays out
        t0 = thread_cpu(app.pid)
        r = run_rate(tools, ENDPOINTS["orders"], rate, seconds, 16, 0)
        t1, p1 = thread_cpu(app.pid), jvm_probe(tools, app.pid)
        # Then a separate window under JFR (starting JFR compiles and samples: it stays out of the numbers).
        jcmd = [str(JAVA_HOME / "bin" / "jcmd"), str(app.pid)]
        subprocess.run([*jcmd, "JFR.start", "settings=profile", f"filename={jfr}", "name=window"],
                       capture_output=True, timeout=60)
        run_rate(tools, ENDPOINTS["orders"], rate, seconds, 16, 0)
        subprocess.run([*jcmd, "JFR.stop", "name=window"], capture_output=True, timeout=60)
        done = r["completed"] + r["warmup_completed"]
        per_thread = {n: t1.get(n, 0) - t0.get(n, 0) for n in t1}
        by_role = role_cpu(t0, t1)
        return {"variant": spec, "requests": done, "p99_ms": (r.get("latency_ms") or {}).get("p99"),
                "cpu_us_per_req": (p1["cpu_ns"] - p0["cpu_ns"]) / 1e3 / max(1, done),
                "alloc_per_req": (p1["allocated_bytes"] - p0["allocated_bytes"]) / max(1, done),
                "role_us_per_req": {k: v * 1e6 / max(1, done) for k, v in sorted(by_role.items())},
                "thread_us_per_req": {k: v * 1e6 / max(1, done)
                                      for k, v in sorted(per_thread.items(), key=lambda kv: -kv[1]) if v > 0},
                "jfr": str(jfr), "gc_log": str(gclog)}
    finally:
        app.stop(grace=20)


def memory_variant(pipeline: Pipeline, tools: Path, spec: str, seconds: float) -> dict:
    """RSS at saturation (wrk, both endpoints, as the benchmark's saturation pass) and where it sits:
    Native Memory Tracking's committed memory per category (Java heap, class metadata, code, threads, GC,
    compiler arenas...), read right after the load."""
    app = start_app(pipeline, tools, spec, "memory", ["-XX:NativeMemoryTracking=summary"])
    try:
        first_200(app, 60)
        with RssSampler({"app": app.pid}) as rss:
            for path in ENDPOINTS.values():
                run_wrk(path, seconds, 16)
        out = subprocess.run([str(JAVA_HOME / "bin" / "jcmd"), str(app.pid), "VM.native_memory", "summary"],
                             capture_output=True, text=True, timeout=60).stdout
        committed = {m.group(1).strip(): int(m.group(2)) / 1024
                     for m in re.finditer(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB", out, re.M)}
        total = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", out)
        return {"variant": spec, "rss_max_mib": rss.max["app"] / 2**20,
                "rss_end_mib": proc_stat(app.pid)["rss"] / 2**20,
                "nmt_committed_total_mib": int(total.group(1)) / 1024 if total else None,
                "nmt_committed_mib": {k: round(v, 1) for k, v in sorted(committed.items(), key=lambda kv: -kv[1])}}
    finally:
        app.stop(grace=20)


def main() -> int:
    ap = argparse.ArgumentParser()
    for name in ("tools", "app_jar", "standins_jar", "collector_bin", "collector_config", "agent_jar", "prometheus"):
        ap.add_argument("--" + name.replace("_", "-"), required=True)
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--variants", default="on,disabled",
                    help="comma-separated; A/B settings after +: on+OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048+-Xss256k")
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--memory", action="store_true", help="RSS at saturation + NMT breakdown instead of CPU")
    args = ap.parse_args()
    args.jfr, args.quiet = False, 6.0
    for attr in ("tools", "app_jar", "standins_jar", "collector_config", "agent_jar"):
        setattr(args, attr, Path(getattr(args, attr)))
    harness.live_progress(None, "bench/profile")
    resolve_shipped(args)
    logdir = RESULTS / f"profile-{time.strftime('%Y%m%dT%H%M%S')}"
    logdir.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline(args, logdir)
    results = []
    try:
        pipeline.start()
        pipeline.wait_collector_settled()  # the collector's first ECS poll and metric batch
        for v in args.variants.split(","):
            say(f"profiling {v}: {args.rate:.0f} req/s /orders/{{id}} for {args.seconds:.0f} s (warm)")
            if args.memory:
                results.append(memory_variant(pipeline, args.tools, v, args.seconds))
                say(json.dumps(results[-1]))
                continue
            results.append(profile_variant(pipeline, args.tools, v, args.rate, args.seconds))
            if v.split("+")[0] != "disabled":
                wait_spans_settled(6, 60, f"{v}'s spans")
            say(json.dumps({k: results[-1][k] for k in ("variant", "cpu_us_per_req", "alloc_per_req",
                                                               "role_us_per_req")}))
    finally:
        pipeline.stop()
    (logdir / "profile.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
