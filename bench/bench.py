#!/usr/bin/env python3
"""Cost-of-observability benchmark (issues 6 and 13), the entry point. Started by bench/run.sh; method and latest
table in docs/benchmark.md.

Starts Prometheus, the AWS stand-ins and the collector (shipped config) once, then every round runs two passes,
each variant in a fresh app JVM on 127.0.0.1:8080, warmed until its JIT is quiet (warmup.py): first saturation
throughput (wrk), then, at rates every variant sustains (50 % of the lowest saturation of that round, and 1,000
req/s), latency with the coordinated-omission-corrected RateLoader and the cost figures around it. With
`--cpus pinned` (the default) the app JVM runs alone on one CPU and everything else on the others (cpus.py), and
a third pass per round saturates each variant once more with nothing pinned: the whole-task figure. Variants:
`on` (100 % sampling), `shipped` (exactly as the task definition runs it: X-Ray's default rule through the
collector's awsproxy), `disabled`, `agent`. Everything it starts it stops (finally + signal handlers). All traffic goes to loopback only.

This file parses the arguments, runs the rounds and writes results/latest.{json,md,png}; the parts:
settings.py (paths, variants, phase lengths), pipeline.py (the stack and the app's command lines), load.py
(wrk, RateLoader), probes.py (measurements), cpus.py (the CPU layout), warmup.py (warm-up until the JIT is quiet),
variant.py (one variant run, span calibration), report.py
(summary, goals, table, plot).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import (ENDPOINTS, FIXED_RPS, JAVA, LIMITS, PROFILE, REPO, RESULTS, SHIPPED, VARIANTS,
                      extra_collector_env, resolve_shipped)
import cpus
import harness
from harness import say
from goals import goals
from render import markdown, plot, write_readme
from report import summarize

# A run also imports pipeline.py, variant.py, warmup.py (in main() and run_rounds()), which start the stack through
# e2e/stack.py: that needs pytest and botocore (bench/run.sh's venv). --readme needs only the standard library.


# The whole-task pass (pinned runs): a third fresh JVM per variant and round, for this many variants per round
# (None: all). The smoke run does it for one variant only, one without spans if the run has one (no drains: the
# cheapest): enough for the test command to check its mechanics (the other variants then report the pinned
# saturation pass's figure, marked so) without making the smoke run much longer.
WHOLE_TASK_PASS = {"full": None, "smoke": 1}


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--aot-cache", type=Path, help="the app JVMs (not the agent's) with this AOT cache, trained on "
                    "--app-jar (bench/run.sh does both with BENCH_AOT=1); writes results/aot.* instead of latest.*")
    ap.add_argument("--readme", type=Path, nargs="?", const=REPO / "docs" / "benchmark.md", metavar="FILE",
                    help="only render results/latest.json into the result block of FILE (default: docs/benchmark.md), "
                         "then exit")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--tools", type=Path)
    ap.add_argument("--app-jar", type=Path)
    ap.add_argument("--standins-jar", type=Path)
    ap.add_argument("--collector-bin")
    ap.add_argument("--collector-config", type=Path)
    ap.add_argument("--agent-jar", type=Path)
    ap.add_argument("--prometheus")
    ap.add_argument("--healthcheck-bin", help="the app image's health-check probe (healthcheck/) built here")
    ap.add_argument("--rusage-bin", help="bench/rusage.c built here: runs a command, prints exit, maxrss, CPU")
    ap.add_argument("--java-opts", default=os.environ.get("BENCH_JAVA_OPTS", ""))
    ap.add_argument("--jfr", action="store_true", default=os.environ.get("BENCH_JFR") == "1")
    ap.add_argument("--quiet", type=float, default=6.0,
                    help="seconds without new spans = drained (> the SDK's 5 s batch delay)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--fixed-rates", help="skip the rate calibration: e.g. orders=1000,root=2000 (req/s)")
    ap.add_argument("--sat", type=float, help="override: seconds of saturation load per endpoint")
    ap.add_argument("--rate", type=float, help="override: seconds of fixed-rate load per endpoint")
    ap.add_argument("--cpus", choices=("pinned", "shared"), default=os.environ.get("BENCH_CPUS", "pinned"),
                    help="pinned (default): the app JVM alone on one CPU, everything else on the others, plus an "
                         "unpinned whole-task pass per round; shared: nothing pinned (BENCH_CPUS)")
    ap.add_argument("--app-cpu", type=int, help="the app's CPU when pinned (default: the last usable one)")
    ap.add_argument("--warmup-max", type=float, help="override: the most seconds a warm-up may take")
    args = ap.parse_args()
    if not args.readme:
        for required in ("tools", "app_jar", "standins_jar", "collector_bin", "collector_config", "agent_jar",
                         "prometheus", "healthcheck_bin", "rusage_bin"):
            if getattr(args, required) is None:
                ap.error(f"--{required.replace('_', '-')} is required (bench/run.sh passes it)")
    return args


def traces_exporter() -> str:
    """The collector's traces path in this run: TRACES_EXPORTER from BENCH_COLLECTOR_ENV, else the config's
    default (awsxray). The collector goal depends on it."""
    return extra_collector_env().get("TRACES_EXPORTER", "awsxray")


def render_readme(readme: Path) -> int:
    result = json.loads((RESULTS / "latest.json").read_text())
    # Re-derive the summary and goals from the raw runs with this code, so a new figure or goal needs no re-run.
    s = result["summary"]
    result["summary"] = summarize(result["runs"], s["spans_per_request"], s["limits_bytes"])
    result["goals"] = goals(result["summary"], result["meta"].get("traces_exporter", "awsxray"))
    write_readme(result, readme)
    say(f"rendered {RESULTS / 'latest.json'} into {readme}")
    return 0


def run_rounds(pipeline: Pipeline, args, prof: dict, wanted: list[str], layout: cpus.Layout) -> list[dict]:
    """The interleaved rounds: per round, the saturation pass of every variant, then the latency pass, then (a
    pinned run only) the whole-task pass: saturation again with nothing pinned."""
    from variant import run_variant
    runs: list[dict] = []
    given = ({k: float(v) for k, v in (kv.split("=") for kv in args.fixed_rates.split(","))}
             if args.fixed_rates else None)
    n_variants = len([v for v in VARIANTS if v in wanted])
    whole_pass = (min(n_variants, prof["whole_task_pass"] or n_variants) if layout.mode == "pinned" else 0)
    total = prof["rounds"] * (2 * n_variants + whole_pass)
    step = 0
    for rnd in range(1, prof["rounds"] + 1):
        order = [v for v in (VARIANTS if rnd % 2 else tuple(reversed(VARIANTS))) if v in wanted]
        # Pass 1: saturation of every variant (fresh JVMs).
        sat = {}
        for v in order:
            step += 1
            say(f"[{step}/{total}] round {rnd}: {v}: saturation")
            sat[v] = run_variant(pipeline, args.tools, v, prof, None, f"r{rnd}", layout)
            say(f"round {rnd}: {v}: saturation {sat[v]['sat']['orders']['rps']:.0f}/"
                f"{sat[v]['sat']['root']['rps']:.0f} req/s")
        # The latency rates every variant of this round sustains: 50 % of the lowest saturation, and 1,000.
        low = given or {ep: 0.5 * min(sat[v]["sat"][ep]["rps"] for v in order) for ep in ENDPOINTS}
        rates = {"low": low, "1k": {ep: FIXED_RPS for ep in ENDPOINTS}}
        say(f"round {rnd}: latency rates {({k: round(x) for k, x in low.items()})} and {FIXED_RPS:.0f} req/s")
        # Pass 2: latency, allocation, delivery and cost at those rates (fresh JVMs again).
        for v in order:
            step += 1
            say(f"[{step}/{total}] round {rnd}: {v}: latency")
            r = run_variant(pipeline, args.tools, v, prof, rates, f"r{rnd}", layout)
            for key in ("sat", "app_rss_sat_max", "collector_rss_sat_max", "healthcheck_rss_max", "healthcheck_cpu_ms",
                        "overload", "whole_task"):
                r[key] = sat[v][key]
            r["first_200_s_sat_pass"] = sat[v]["first_200_s"]
            r["warmup_sat"] = sat[v]["warmup"]
            r["rates"] = rates
            runs.append(r)
            say(f"round {rnd}: {v}: p99 {r['rate']['orders']['latency_ms']['p99']:.2f} ms "
                f"(@{low['orders']:.0f}), {r['rate_1k']['orders']['latency_ms']['p99']:.2f} ms (@1000), "
                f"first 200 {r['first_200_s']:.2f}s, spans {r['sustained']['delivered_spans']}")
        # Pass 3 (pinned runs): the whole task, nothing pinned (fresh JVMs; no health check).
        this_round = runs[-len(order):]
        for r in sorted(this_round, key=lambda r: r["variant"] not in ("none", "disabled"))[:whole_pass]:
            v = r["variant"]
            step += 1
            say(f"[{step}/{total}] round {rnd}: {v}: whole task (nothing pinned)")
            w = run_variant(pipeline, args.tools, v, prof, None, f"r{rnd}", layout, whole_task=True)
            r["whole_task"], r["whole_task_sat"], r["warmup_whole"] = w["whole_task"], w["sat"], w["warmup"]
            say(f"round {rnd}: {v}: whole task {w['whole_task']['requests_per_cpu_s']:.0f} requests per CPU-s "
                f"(app + collector)")
    return runs


def method_notes(args, prof: dict, layout: cpus.Layout) -> list[str]:
    notes = [
        f"Two passes per round, each variant in a fresh JVM: saturation (wrk -t1 -c{prof['wrk_conns']}, closed loop), "
        "then latency with RateLoader (open loop, coordinated-omission corrected: latency from the scheduled send "
        "time) at 50 % of the lowest saturation among that round's variants and at 1,000 req/s.",
        "`shipped` runs the app exactly as task-definition.json does (no sampler override): X-Ray's default rule "
        "(1 request/s, then 5 %) served by the stand-in through the collector's awsproxy. `on` samples 100 % "
        "(OTEL_TRACES_SAMPLER=always_on).",
        f"CPUs: {layout.describe()}. At saturation /proc/stat gives each CPU's busy share (steal counted busy); "
        f"the app's core must be >= {cpus.APP_BUSY_MIN:.0%} busy, >= {cpus.APP_SHARE_MIN:.0%} of it the app "
        f"process's own CPU (/proc/<pid>/stat), and the other CPUs below {cpus.OTHER_BUSY_MAX:.0%} (else the load "
        "generator, the collector or another tenant, not the app, may have been the limit). Whole task: "
        "requests ÷ (app CPU-s + collector CPU-s from the saturation window's start until its spans have "
        "arrived), both endpoints, "
        + ("in a third pass per round with nothing pinned." if layout.mode == "pinned"
           else "from the (unpinned) saturation pass."),
        f"Warm-up: every JVM runs cycles of wrk ({prof['warmup_slice_s']:g} s per endpoint) until "
        f"{prof['warmup_quiet_cycles']} cycle(s) in a row stay below {prof['warmup_quiet_ms_per_s']:g} ms of JIT "
        f"compilation per second (CompilationMXBean.getTotalCompilationTime), at most {prof['warmup_max_s']:g} s; "
        "time to steady state is from the first 200 to the start of those quiet cycles; JIT CPU-s are the "
        "compiler threads' (/proc) from JVM start. Warm-up figures are the pinned passes' (one CPU).",
        "Collector background: its CPU over an idle gap (app up, no load) before the sustainable window; the net "
        "per-span figure subtracts that rate over the window.",
        "Allocation: com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes via the Attach API, "
        "delta over the fixed-rate window ÷ completed requests (includes background export work).",
        "Delivery: X-Ray stand-in segment documents (or OTLP spans) ÷ (completed requests × spans per request measured in "
        "a sequential calibration). At the sustainable rate (/orders/{id} only, open loop) the window is "
        "drained with the app alive; at the fixed rate it is drained with the app alive, then after its "
        "SIGTERM flush. Collector CPU per span: /proc utime+stime over the same window ÷ spans delivered.",
    ]
    for v in VARIANTS:
        if os.environ.get(f"BENCH_EXTRA_ENV_{v.upper()}"):
            notes.append(f"Extra env for `{v}`: `{os.environ[f'BENCH_EXTRA_ENV_{v.upper()}']}`.")
    notes.append(f"Shipped settings (task-definition.json): app JVM `{args.java_opts}`"
                 f"{' (BENCH_JAVA_OPTS)' if SHIPPED['jvm_flags_overridden'] else ''}, app env "
                 f"`{SHIPPED['app_env'] or '{}'}`, collector env `{SHIPPED['collector_env'] or '{}'}`.")
    if args.aot_cache:
        notes.append("App JVMs (not `agent`'s) with an AOT cache trained here by aot/AotTraining.java on this JDK and "
                     "jar, as the image trains its own (BENCH_AOT=1).")
    if os.environ.get("BENCH_COLLECTOR_ENV"):
        notes.append(f"Extra collector env: `{os.environ['BENCH_COLLECTOR_ENV']}`.")
    if os.environ.get("BENCH_IN_NETNS"):
        notes.append("Ran in a private network namespace (BENCH_NETNS=1).")
    if os.environ.get("BENCH_NOTE"):
        notes.append(os.environ["BENCH_NOTE"])
    return notes


def main() -> int:
    args = parse_args()
    harness.live_progress(None, "bench")
    if args.readme:
        return render_readme(args.readme)
    from pipeline import Pipeline
    from stack import BACKEND_PORTS, busy_ports
    from variant import spans_per_request
    import warmup

    resolve_shipped(args)
    mode = "smoke" if args.smoke else "full"
    prof = dict(PROFILE[mode])
    prof.update(warmup.SETTINGS[mode])
    prof.setdefault("whole_task_pass", WHOLE_TASK_PASS[mode])
    for key in ("rounds", "sat", "rate"):
        if getattr(args, key):
            prof[key] = getattr(args, key)
    if args.warmup_max:
        prof["warmup_max_s"] = args.warmup_max
    layout = cpus.choose(args.cpus, args.app_cpu)
    busy = busy_ports({**BACKEND_PORTS, 8080: "app"})
    if busy:
        say("refusing to start: ports already in use (is the e2e suite or another benchmark running?): "
            + ", ".join(busy) + ". Wait for it to finish, or run with BENCH_NETNS=1 (private network namespace).")
        return 3
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    RESULTS.mkdir(exist_ok=True)
    logdir = RESULTS / f"run-{started.replace(':', '')}"
    logdir.mkdir(parents=True, exist_ok=True)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    # Snapshot the jars: other builds may rewrite target/ while the benchmark runs. copy2 keeps the mtime, which an
    # AOT cache trained on the original (--aot-cache) checks with the size and the file name.
    snap = logdir / "snapshot"
    snap.mkdir(exist_ok=True)
    for attr in ("app_jar", "standins_jar"):
        dst = snap / getattr(args, attr).name
        shutil.copy2(getattr(args, attr), dst)
        setattr(args, attr, dst)
    pipeline = Pipeline(args, logdir)
    wanted = args.variants.split(",")
    try:
        say(f"mode {mode}: {prof}; logs in {logdir}")
        cpus.enter_other_cpus(layout)   # before anything starts: the stack and the loaders inherit it
        pipeline.start()
        say("stack up (Prometheus, stand-ins, collector)")
        collector_idle = pipeline.idle_collector()
        spans_per_req = spans_per_request(pipeline, args.tools, wanted, layout)
        runs = run_rounds(pipeline, args, prof, wanted, layout)
    except KeyboardInterrupt as e:
        say(f"interrupted ({e}); stopping everything")
        return 130
    finally:
        pipeline.stop()
        shutil.rmtree(snap, ignore_errors=True)
        say("stack stopped")

    summary = summarize(runs, spans_per_req, LIMITS)
    summary["fixed_rates_given"] = bool(args.fixed_rates)
    result = {
        "meta": {"started": started, "mode": mode, "rounds": prof["rounds"], "profile": prof,
                 "machine": machine(), "java": java_version(), "agent_jar": args.agent_jar.name,
                 "java_opts": args.java_opts, "image_sizes": image_sizes(), "notes": method_notes(args, prof, layout),
                 "cpu_layout": {"requested": args.cpus, "mode": layout.mode, "app": layout.app,
                                "other": layout.other, "note": layout.note},
                 "warmup": {"quiet_ms_per_s": prof["warmup_quiet_ms_per_s"], "slice_s": prof["warmup_slice_s"],
                            "quiet_cycles": prof["warmup_quiet_cycles"], "max_s": prof["warmup_max_s"]},
                 "collector_idle": collector_idle, "traces_exporter": traces_exporter()},
        "summary": summary,
        "runs": runs,
    }
    result["goals"] = goals(summary, result["meta"]["traces_exporter"])
    # A smoke run (the test command's) must not replace the full run that docs/benchmark.md renders.
    # Nor may a run with an AOT cache (BENCH_AOT=1): it writes aot.* (aot-smoke.* with --smoke).
    out = "smoke" if mode == "smoke" else "latest"
    if args.aot_cache:
        out = "aot-smoke" if mode == "smoke" else "aot"
    (RESULTS / f"{out}.json").write_text(json.dumps(result, indent=2))
    (logdir / "result.json").write_text(json.dumps(result, indent=2))
    md = markdown(result)
    (RESULTS / f"{out}.md").write_text(md)
    (logdir / "result.md").write_text(md)
    try:
        plot(result, RESULTS / f"{out}.png")
    except Exception as e:  # the table and JSON are the primary output
        say(f"plot failed: {e}")
    print(md)
    # Smoke assertion: the pipeline ran and produced a table with spans delivered, and every run has its warm-up,
    # per-CPU and whole-task figures (the mechanics; their values are reported, never asserted).
    ok = all(summary["variants"][v].get("delivery") for v in ("on", "agent") if v in wanted)
    if not ok:
        say("FAILED: no spans delivered for a telemetry variant")
        return 1
    missing = [f"{r['variant']}/{r['tag']}: {k}" for r in runs for k in ("warmup", "warmup_sat", "whole_task")
               if not r.get(k)]
    missing += [f"{r['variant']}/{r['tag']}: per-CPU busy at saturation" for r in runs
                if any(r["sat"][ep]["cpu"].get("app_core_busy") is None for ep in ENDPOINTS)]
    if missing:
        say("FAILED: figures missing: " + "; ".join(missing))
        return 1
    say(f"wrote {RESULTS / out}.md, {out}.json, {out}.png")
    return 0


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores {cpu}, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def java_version() -> str:
    out = subprocess.run([JAVA, "-version"], capture_output=True, text=True)
    return out.stderr.splitlines()[0] if out.stderr else "?"


def image_sizes() -> dict:
    """Sizes of locally built images, if Docker and the images exist (no registry is reachable, so the
    stock Temurin JRE image cannot be pulled for comparison)."""
    try:
        out = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return {"app": "n/a (no docker)", "temurin_jre": "n/a (no docker)"}
    sizes = {}
    for line in out.stdout.splitlines():
        name, _, size = line.rpartition(" ")
        if "sample-app" in name and "app" not in sizes:
            sizes["app"] = f"{size} ({name})"
        if re.search(r"temurin.*jre|jre.*temurin", name):
            sizes["temurin_jre"] = f"{size} ({name})"
    sizes.setdefault("app", "n/a (no sample-app image built on this machine)")
    sizes.setdefault("temurin_jre", "n/a (no container registry reachable to pull eclipse-temurin:*-jre)")
    return sizes


if __name__ == "__main__":
    sys.exit(main())
