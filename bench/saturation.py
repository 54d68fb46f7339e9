#!/usr/bin/env python3
"""Why the app's core is not full at saturation (issue 20, item 2): a warm app JVM alone on its CPU, under wrk
at several connection counts, and where its threads wait.

    bench/run.sh --saturation [--variants shipped,none] [--conns 16,64] [--seconds 10] [--jfr]

For each variant (A/B settings after +, as in profile.py: shipped+-Dsun.net.httpserver.nodelay=true), in a fresh
JVM pinned as bench.py pins it (cpus.py), on the same stack (pipeline.py): warm until the JIT is quiet
(warmup.py), then per connection count one wrk window on /orders/{id} and per window: how busy the app's core and
the other CPU were (/proc/stat), the app process's own share of its core, requests per second, app CPU and
allocation per request (JvmProbe), CPU per thread role, and the app threads' voluntary context switches per
request (/proc/<pid>/task/*/status: a thread that blocks, e.g. a carrier thread with no virtual thread to run,
switches voluntarily). With --jfr one more window at the first connection count under JFR with park, monitor and
socket events from 1 ms (what a request thread waited on, with stacks), printed as a summary. With --ap-lib (run.sh
does it for BENCH_PROFILER=1) one more window at the last connection count under async-profiler (Maven Central's
tools.profiler:async-profiler): CPU and allocation samples as collapsed stacks, with the share of telemetry frames
(JFR's execution sampler mostly misses virtual threads' frames: it put 31 % of samples in two HttpServer methods).
Loopback only; everything started is stopped.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import ENDPOINTS, JAVA_HOME, PROFILE, RESULTS, resolve_shipped
import cpus
import harness
from harness import say
from load import run_wrk
from pipeline import BenchProc, Pipeline, first_200
from probes import jvm_probe, proc_stat, role_cpu, thread_cpu, wait_spans_settled
from profile import with_jvm_flags
from warmup import SETTINGS, warm_until_quiet

# Events a waiting request thread leaves, from 1 ms (the profile settings' 10-20 ms hide short waits).
JFR_WAITS = ["jdk.ThreadPark#threshold=1ms", "jdk.JavaMonitorEnter#threshold=1ms", "jdk.JavaMonitorWait#threshold=1ms",
             "jdk.SocketRead#threshold=1ms", "jdk.SocketWrite#threshold=1ms", "jdk.VirtualThreadPinned#threshold=1ms",
             "jdk.FileWrite#threshold=1ms"]


def voluntary_switches(pid: int) -> int:
    """The app's threads' voluntary context switches so far (/proc/<pid>/task/*/status)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except OSError:
            pass   # the thread ended between listing and reading
    return total


def window(tools: Path, app: BenchProc, layout: cpus.Layout, conns: int, seconds: float) -> dict:
    """One wrk window on /orders/{id}: CPU busy shares, throughput, per-request CPU, allocation and switches."""
    before, th0, vol0 = jvm_probe(tools, app.pid), thread_cpu(app.pid), voluntary_switches(app.pid)
    ticks0, app0, t0 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
    w = run_wrk(ENDPOINTS["orders"], seconds, conns)
    ticks1, app1, t1 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
    after, th1, vol1 = jvm_probe(tools, app.pid), thread_cpu(app.pid), voluntary_switches(app.pid)
    n = max(1, w["requests"])
    busy = cpus.busy(ticks0, ticks1, layout)
    return {"conns": conns, "rps": round(w["rps"]), "errors": w["errors"],
            "app_core_busy": round(busy["app_core_busy"] or 0, 3), "other_busy": round(busy["other_busy_max"] or 0, 3),
            "app_process_share": round((app1 - app0) / max(1e-3, t1 - t0) / len(layout.app), 3),
            "cpu_us_per_req": round((after["cpu_ns"] - before["cpu_ns"]) / 1e3 / n, 2),
            "alloc_per_req": round((after["allocated_bytes"] - before["allocated_bytes"]) / n),
            "voluntary_switches_per_req": round((vol1 - vol0) / n, 3),
            "role_us_per_req": {k: round(v * 1e6 / n, 2) for k, v in sorted(role_cpu(th0, th1).items())}}


def jfr_window(app: BenchProc, conns: int, seconds: float, jfr: Path) -> str:
    """A wrk window under JFR with the wait events from 1 ms. Writes `jfr view`s (hot methods, CPU-time hot
    methods, allocation by site, contention, pinning, latencies) and the waits with stacks next to the recording;
    returns the latencies view."""
    jcmd = [str(JAVA_HOME / "bin" / "jcmd"), str(app.pid)]
    subprocess.run([*jcmd, "JFR.start", "settings=profile", *JFR_WAITS, f"filename={jfr}", "name=waits"],
                   capture_output=True, timeout=60, check=True)
    run_wrk(ENDPOINTS["orders"], seconds, conns)
    subprocess.run([*jcmd, "JFR.stop", "name=waits"], capture_output=True, timeout=60, check=True)
    jfr_tool = str(JAVA_HOME / "bin" / "jfr")
    out = {}
    for view in ("latencies-by-type", "hot-methods", "cpu-time-hot-methods", "allocation-by-site",
                 "contention-by-site", "pinned-threads", "thread-cpu-load"):
        out[view] = subprocess.run([jfr_tool, "view", "--width", "200", view, str(jfr)], capture_output=True,
                                   text=True, timeout=300).stdout
    (jfr.with_suffix(".views.txt")).write_text("\n".join(out.values()))
    events = ",".join(e.split("#")[0] for e in JFR_WAITS)
    printed = subprocess.run([jfr_tool, "print", "--stack-depth", "12", "--events", events, str(jfr)],
                             capture_output=True, text=True, timeout=300).stdout
    (jfr.with_suffix(".waits.txt")).write_text(printed)
    return out["latencies-by-type"]


def profiler_window(app: BenchProc, lib: str, conns: int, seconds: float, out: Path) -> dict:
    """A wrk window under async-profiler (loaded into the running JVM with jcmd JVMTI.agent_load): CPU samples
    (every 1 ms of CPU) then allocation samples, each as collapsed stacks in `out`.<event>.collapsed; returns
    the inclusive share of the frames that matter here (telemetry, HTTP server, app) per event."""
    jcmd = [str(JAVA_HOME / "bin" / "jcmd"), str(app.pid), "JVMTI.agent_load", lib]
    shares = {}
    for event, opts in (("cpu", "event=cpu,interval=1ms"), ("alloc", "event=alloc")):
        path = out.with_suffix(f".{event}.collapsed")
        # The options as one quoted value: jcmd's parser would otherwise split them at '='.
        subprocess.run([*jcmd, f'"start,{opts}"'], capture_output=True, timeout=60, check=True)
        run_wrk(ENDPOINTS["orders"], seconds, conns)
        stop = subprocess.run([*jcmd, f'"stop,file={path},collapsed"'], capture_output=True, text=True, timeout=60)
        if not path.exists():
            raise RuntimeError(f"async-profiler wrote no {path}: {stop.stdout[-500:]} (app log: {app.tail(5)})")
        shares[event] = stack_shares(path)
    return shares


# Inclusive shares reported per profile: a stack counts for each group one of its frames falls in.
GROUPS = {"opentelemetry": "io/opentelemetry/", "app telemetry": "com/example/ecsotel/telemetry/",
          "app http": "com/example/ecsotel/http/", "jdk httpserver": "sun/net/httpserver/",
          "access log": "AccessLog", "gc": "GC", "jit": "Compile"}


def stack_shares(path: Path) -> dict:
    """Per GROUPS entry the share of samples (weights) whose stack has a matching frame, and the top 25 leaf
    frames by self share."""
    total, groups, leaves = 0, {g: 0 for g in GROUPS}, {}
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        total += n
        for g, needle in GROUPS.items():
            if needle in stack:
                groups[g] += n
        leaf = stack.rsplit(";", 1)[-1]
        leaves[leaf] = leaves.get(leaf, 0) + n
    top = sorted(leaves.items(), key=lambda kv: -kv[1])[:25]
    return {"total": total, "inclusive": {g: round(v / max(1, total), 4) for g, v in groups.items()},
            "top_self": [[k, round(v / max(1, total), 4)] for k, v in top]}


def run_variant(pipeline: Pipeline, tools: Path, layout: cpus.Layout, spec: str, args) -> dict:
    variant, *settings = spec.split("+")
    argv, env = pipeline.app_command(variant, tools, "sat")
    env.update(dict(s.split("=", 1) for s in settings if not s.startswith("-")))
    argv = layout.app_argv(with_jvm_flags(argv, [s for s in settings if s.startswith("-")]))
    app = BenchProc(f"app-sat-{variant}", argv, env, pipeline.logdir).start()
    try:
        first_200(app, 60)
        prof = dict(SETTINGS["full"], wrk_conns=PROFILE["full"]["wrk_conns"])
        warm = warm_until_quiet(tools, app.pid, prof, spec)
        if variant not in ("none", "disabled"):
            wait_spans_settled(6, 60, "the warm-up's spans")
        res = {"variant": spec, "warmup_s": warm["warmup_s"], "quiet": warm["quiet"], "windows": []}
        for conns in args.conns:
            res["windows"].append(window(tools, app, layout, conns, args.seconds))
            say(json.dumps(res["windows"][-1]))
        if args.burn:
            # The same window with the other CPU kept busy by a nice-19 spin loop (it yields to wrk and the
            # collector): whether the other CPU's load slows the app's core (shared caches, a sibling hyperthread).
            burner = subprocess.Popen(["nice", "-n", "19", "python3", "-c", "import time\nend=time.monotonic()+"
                                       f"{args.seconds + 30}\nwhile time.monotonic()<end: pass"])
            try:
                res["burn"] = window(tools, app, layout, args.conns[-1], args.seconds)
            finally:
                burner.kill()
                burner.wait()
            say("other CPU kept busy: " + json.dumps(res["burn"]))
        if args.jfr_waits:
            jfr = pipeline.logdir / f"{spec.replace('/', '_')}.jfr"
            res["jfr"] = str(jfr)
            say(jfr_window(app, args.conns[0], args.seconds, jfr))
        if args.ap_lib:
            res["profiler"] = profiler_window(app, args.ap_lib, args.conns[-1], args.seconds,
                                              pipeline.logdir / spec.replace("/", "_"))
            say(json.dumps({e: p["inclusive"] for e, p in res["profiler"].items()}))
        return res
    finally:
        app.stop(grace=20)


def main() -> int:
    ap = argparse.ArgumentParser()
    for name in ("tools", "app_jar", "standins_jar", "collector_bin", "collector_config", "agent_jar", "prometheus",
                 "healthcheck_bin", "rusage_bin"):
        ap.add_argument("--" + name.replace("_", "-"))
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--variants", default="shipped,none")
    ap.add_argument("--conns", default="16,64", type=lambda s: [int(c) for c in s.split(",")])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--burn", action="store_true", help="one more window with the other CPU kept busy")
    ap.add_argument("--ap-lib", help="async-profiler's libasyncProfiler.so (run.sh: BENCH_PROFILER=1 fetches it)")
    ap.add_argument("--jfr", dest="jfr_waits", action="store_true", help="one more window under JFR (waits)")
    args = ap.parse_args()
    args.quiet, args.jfr = 6.0, False   # args.jfr: pipeline.app_command's whole-life recording, not wanted here
    for attr in ("tools", "app_jar", "standins_jar", "collector_config", "agent_jar"):
        setattr(args, attr, Path(getattr(args, attr)))
    harness.live_progress(None, "bench/saturation")
    resolve_shipped(args)
    layout = cpus.choose("pinned")
    logdir = RESULTS / f"saturation-{time.strftime('%Y%m%dT%H%M%S')}"
    logdir.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline(args, logdir)
    results = []
    try:
        cpus.enter_other_cpus(layout)
        pipeline.start()
        pipeline.wait_collector_settled()
        for spec in args.variants.split(","):
            results.append(run_variant(pipeline, args.tools, layout, spec, args))
            (logdir / "saturation.json").write_text(json.dumps(results, indent=1))
    finally:
        pipeline.stop()
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
