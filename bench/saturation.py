#!/usr/bin/env python3
"""Why the app's core is not full at saturation (issue 20, item 2): a warm app JVM alone on its CPU, under wrk
at several connection counts, and where its threads wait.

    BENCH_PROFILER=1 bench/run.sh --saturation [--variants shipped,none] [--conns 16,64] [--seconds 10] [--jfr] [--burn]
    python3 bench/saturation_report.py [FILE]   only render results/saturation.json into docs/saturation.md

For each variant (A/B settings after +, as in profile.py: shipped+-Dsun.net.httpserver.nodelay=true), in a fresh
JVM pinned as bench.py pins it (cpus.py), on the same stack (pipeline.py): warm until the JIT is quiet
(warmup.py), then per load one 10 s window on /orders/{id}: wrk at each of --conns (closed loop), and with --rate
RateLoader at that many req/s (open loop, the same load for every variant). Per window: how busy the app's core
and the other CPU were (/proc/stat), the app process's own share of its core, requests per second, app CPU and
allocation per request (JvmProbe), CPU per thread role, and the app threads' voluntary context switches per
request (/proc/<pid>/task/*/status: a thread that blocks, e.g. a carrier thread with no virtual thread to run,
switches voluntarily; a RateLoader window's busy shares include the loader JVM's start, on the other CPU).
--burn: wrk at the last connection count again with the other CPU kept busy by a nice-19 spin loop (does the
other CPU's load slow the app's core?). --jfr: one more window at the first connection count under JFR with park,
monitor and socket events from 1 ms (what threads waited on; `jfr view`s next to the recording), monitor
contention by site in the JSON. --ap-lib (run.sh passes it for BENCH_PROFILER=1): async-profiler (Maven Central's
tools.profiler:async-profiler) CPU and allocation samples as collapsed stacks at saturation and at --rate, which
saturation_report.py splits into groups (JFR's execution sampler mostly misses virtual threads' frames: it put
a third or more of its samples on a single HttpServer method). Results: results/saturation-<time>/ and results/saturation.json.
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
from settings import ENDPOINTS, JAVA_HOME, PROFILE, REPO, RESULTS, resolve_shipped
import cpus
import harness
import saturation_report
from harness import say
from load import run_rate, run_wrk
from pipeline import BenchProc, Pipeline, first_200, trim_log
from probes import jvm_probe, proc_stat, role_cpu, thread_cpu, wait_spans_settled
from profile import start_app
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


def drive(tools: Path, load: tuple[str, float], seconds: float) -> dict:
    """`load` on /orders/{id} for `seconds`: ("wrk", connections), closed loop, or ("rate", req/s), open loop
    (RateLoader, the full run's rate connections). Returns requests, req/s and errors (I/O errors, non-2xx)."""
    kind, value = load
    if kind == "wrk":
        w = run_wrk(ENDPOINTS["orders"], seconds, int(value))
        return {"requests": w["requests"], "rps": w["rps"], "errors": w["errors"]}
    r = run_rate(tools, ENDPOINTS["orders"], value, seconds, PROFILE["full"]["rate_conns"], 0)
    return {"requests": r["completed"], "rps": r["achieved_rate"], "errors": r["io_errors"] + r["status_other"]}


def window(tools: Path, app: BenchProc, layout: cpus.Layout, load: tuple[str, float], seconds: float) -> dict:
    """One window on /orders/{id}: CPU busy shares, throughput, per-request CPU, allocation and switches."""
    before, th0, vol0 = jvm_probe(tools, app.pid), thread_cpu(app.pid), voluntary_switches(app.pid)
    ticks0, app0, t0 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
    w = drive(tools, load, seconds)
    ticks1, app1, t1 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
    after, th1, vol1 = jvm_probe(tools, app.pid), thread_cpu(app.pid), voluntary_switches(app.pid)
    n = max(1, w["requests"])
    busy = cpus.busy(ticks0, ticks1, layout)
    return {"load": list(load), "conns": load[1] if load[0] == "wrk" else None, "rps": round(w["rps"]),
            "errors": w["errors"],
            "app_core_busy": round(busy["app_core_busy"] or 0, 3), "other_busy": round(busy["other_busy_max"] or 0, 3),
            # steal: the hypervisor ran someone else on this vCPU (counted busy): a noisy host, not the app
            "app_core_steal": round(max((busy["per_cpu"].get(c, {}).get("steal", 0) for c in layout.app), default=0), 3),
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


def profiler_window(tools: Path, app: BenchProc, lib: str, load: tuple[str, float], seconds: float, out: Path) -> dict:
    """A wrk window under async-profiler (loaded into the running JVM with jcmd JVMTI.agent_load): CPU samples
    (every 1 ms of CPU), then one with allocation samples, each as collapsed stacks in `out`.<event>.collapsed,
    with the window's own requests and app CPU per request (saturation_report splits that by group)."""
    jcmd = [str(JAVA_HOME / "bin" / "jcmd"), str(app.pid), "JVMTI.agent_load", lib]
    res = {}
    # threads: each stack starts with its thread's name; total (alloc): bytes, not sample counts.
    for event, opts in (("cpu", "event=cpu,interval=1ms,threads"), ("alloc", "event=alloc,threads,total")):
        path = out.parent / f"{out.name}.{event}.collapsed"   # not with_suffix: a spec may hold dots
        # The options as one quoted value: jcmd's parser would otherwise split them at '='.
        subprocess.run([*jcmd, f'"start,{opts}"'], capture_output=True, timeout=60, check=True)
        before = jvm_probe(tools, app.pid)
        w = drive(tools, load, seconds)
        after = jvm_probe(tools, app.pid)
        stop = subprocess.run([*jcmd, f'"stop,file={path},collapsed"'], capture_output=True, text=True, timeout=60)
        if not path.exists():
            raise RuntimeError(f"async-profiler wrote no {path}: {stop.stdout[-500:]} (app log: {app.tail(5)})")
        n = max(1, w["requests"])
        res[event] = {"collapsed": str(path), "load": list(load), "requests": w["requests"],
                      "cpu_us_per_req": (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / n,
                      "alloc_per_req": (after["allocated_bytes"] - before["allocated_bytes"]) / n,
                      "shares": saturation_report.breakdown(path)}
    return res


def seconds_of(duration: str) -> float:
    """An ISO-8601 duration as `jfr print --json` writes it (Duration.toString(): PT0.0025S, PT1M0.5S) in seconds."""
    m = re.fullmatch(r"PT(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([-\d.]+)S)?", duration)
    if not m:
        raise ValueError(f"not a duration: {duration!r}")
    h, mi, sec = (float(g or 0) for g in m.groups())
    return h * 3600 + mi * 60 + sec


def monitor_waits(jfr: Path) -> dict[str, list]:
    """jdk.JavaMonitorEnter events of a recording by top frame and monitor class: {"site (class)": [events, ms]}."""
    p = subprocess.run([str(JAVA_HOME / "bin" / "jfr"), "print", "--json", "--stack-depth", "1", "--events",
                        "jdk.JavaMonitorEnter", str(jfr)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"jfr print failed: {p.stderr[-500:]}")
    sites: dict[str, list] = {}
    for e in json.loads(p.stdout)["recording"]["events"]:
        v = e["values"]
        m = (((v.get("stackTrace") or {}).get("frames") or [{}])[0]).get("method") or {}
        site = (f"{(m.get('type') or {}).get('name', '?')}.{m.get('name', '?')} "
                f"({(v.get('monitorClass') or {}).get('name', '?')})")
        sites.setdefault(site, [0, 0.0])
        sites[site][0] += 1
        sites[site][1] += seconds_of(v["duration"]) * 1e3
    return sites


def run_variant(pipeline: Pipeline, tools: Path, layout: cpus.Layout, spec: str, args) -> dict:
    variant = spec.split("+")[0]
    app = start_app(pipeline, tools, spec, "sat", [], wrap=layout.app_argv)
    try:
        first_200(app, 60)
        prof = dict(SETTINGS["full"], wrk_conns=PROFILE["full"]["wrk_conns"])
        warm = warm_until_quiet(tools, app.pid, prof, spec)
        if variant not in ("none", "disabled"):
            wait_spans_settled(6, 60, "the warm-up's spans")
        res = {"variant": spec, "warmup_s": warm["warmup_s"], "quiet": warm["quiet"], "windows": []}
        loads = [("wrk", c) for c in args.conns] + ([("rate", args.rate)] if args.rate else [])
        for load in loads:
            res["windows"].append(window(tools, app, layout, load, args.seconds))
            say(json.dumps(res["windows"][-1]))
        if args.burn:
            # The same window with the other CPU kept busy by a nice-19 spin loop (it yields to wrk and the
            # collector): whether the other CPU's load slows the app's core (shared caches, a sibling hyperthread).
            burner = subprocess.Popen(["nice", "-n", "19", "python3", "-c", "import time\nend=time.monotonic()+"
                                       f"{args.seconds + 30}\nwhile time.monotonic()<end: pass"])
            try:
                res["burn"] = window(tools, app, layout, ("wrk", args.conns[-1]), args.seconds)
            finally:
                burner.kill()
                burner.wait()
            say("other CPU kept busy: " + json.dumps(res["burn"]))
        # The diagnostic windows below record an error instead of losing the variant's measured windows.
        if args.jfr_waits:
            jfr = pipeline.logdir / f"{spec.replace('/', '_')}.jfr"
            res["jfr"], res["jfr_conns"] = str(jfr), args.conns[0]
            try:
                say(jfr_window(app, args.conns[0], args.seconds, jfr))
                res["jfr_waits"] = monitor_waits(jfr)
            except (RuntimeError, ValueError, KeyError, subprocess.SubprocessError) as e:
                res["jfr_error"] = str(e)
                say(f"{spec}: JFR window failed: {e}")
        if args.ap_lib:
            # At saturation and, with --rate, at the same request rate for every variant (the same wake-ups per
            # request: a slower app at saturation also changes how often the server and wrk sleep).
            res["profiler"] = {}
            for load in [("wrk", args.conns[-1])] + ([("rate", args.rate)] if args.rate else []):
                try:
                    p = profiler_window(tools, app, args.ap_lib, load, args.seconds,
                                        pipeline.logdir / f"{spec.replace('/', '_')}-{load[0]}")
                except (RuntimeError, subprocess.SubprocessError) as e:
                    res["profiler_error"] = str(e)
                    say(f"{spec}: profiler window failed: {e}")
                    break
                res["profiler"].update({f"{e}_{load[0]}": v for e, v in p.items()})
            say(json.dumps({k: round(p["cpu_us_per_req"], 1) for k, p in res["profiler"].items()}))
        return res
    finally:
        app.stop(grace=20)
        trim_log(app.log)   # an access-log line per request: hundreds of MB


def main() -> int:
    ap = argparse.ArgumentParser()
    for name in ("tools", "app_jar", "standins_jar", "collector_bin", "collector_config", "agent_jar", "prometheus",
                 "healthcheck_bin", "rusage_bin"):
        ap.add_argument("--" + name.replace("_", "-"))
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--variants", default="shipped,none")
    ap.add_argument("--conns", default="16,64", type=lambda s: [int(c) for c in s.split(",")])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, help="one more window open loop at this many req/s (every variant alike)")
    ap.add_argument("--burn", action="store_true", help="one more window with the other CPU kept busy")
    ap.add_argument("--ap-lib", help="async-profiler's libasyncProfiler.so (run.sh: BENCH_PROFILER=1 fetches it)")
    ap.add_argument("--jfr", dest="jfr_waits", action="store_true", help="one more window under JFR (waits)")
    args = ap.parse_args()
    latest = RESULTS / "saturation.json"
    args.quiet, args.jfr = 6.0, False   # args.jfr: pipeline.app_command's whole-life recording, not wanted here
    for attr in ("tools", "app_jar", "standins_jar", "collector_config", "agent_jar"):
        setattr(args, attr, Path(getattr(args, attr)))
    harness.live_progress(None, "bench/saturation")
    resolve_shipped(args)
    layout = cpus.choose("pinned")
    logdir = RESULTS / f"saturation-{time.strftime('%Y%m%dT%H%M%S')}"
    logdir.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline(args, logdir)
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    data = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": commit,
            "java_opts": args.java_opts, "seconds": args.seconds, "variants": []}
    try:
        cpus.enter_other_cpus(layout)
        pipeline.start()
        pipeline.wait_collector_settled()
        for spec in args.variants.split(","):
            data["variants"].append(run_variant(pipeline, args.tools, layout, spec, args))
            (logdir / "saturation.json").write_text(json.dumps(data, indent=1))
    finally:
        pipeline.stop()
    latest.write_text(json.dumps(data, indent=1))
    print(saturation_report.markdown(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
