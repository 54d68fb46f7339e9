"""One variant in a fresh app JVM, as the rounds loop runs it: the saturation pass (wrk, then the overload
drain) or the latency pass (the sustainable window, then the latency rates), with the health check's RSS; and
the span calibration (how many spans one request of each endpoint makes) that delivery is measured against.
Every JVM is first warmed until its JIT is quiet (warmup.py); the app runs on its own CPU when the run's CPU
layout pins it (cpus.py), and each saturation window records how busy every CPU was. The saturation pass also
yields the whole-task figure: requests per CPU-second of the app and the collector together (the collector's
CPU from the window's start until its spans have arrived); the rounds loop runs one unpinned saturation pass
per variant for it (`whole_task=True`: no health check).
"""

from __future__ import annotations

import statistics
import subprocess
import time
import urllib.parse
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import APP, ENDPOINTS, JAVA, JAVA_HOME, NO_TELEMETRY, SHIPPED
import cpus
import harness
import shipped
from harness import say
from warmup import warm_until_quiet
from load import run_rate, run_wrk
from pipeline import BenchProc, Pipeline, first_200, trim_log
from probes import (RssSampler, collector_metrics, drop_counters, jvm_probe, metrics_delta, proc_stat, role_cpu,
                    sdk_span_counters, span_count, span_rejected, thread_cpu, wait_spans_settled, xray_reset)
from stack import xray_documents, xray_stats


HEALTHCHECK_RUNS = 5
# The longest wait for an app's first 200 (a bound, not a timing figure). Pinned to one CPU that other work on a
# shared machine also uses, the agent variant took 56-58 s in a smoke run (7.6 s unpinned on a quiet machine).
FIRST_200_TIMEOUT = 180


def healthcheck_cost(pipeline: Pipeline) -> tuple[int, float] | tuple[None, None]:
    """Peak RSS (bytes, max) and CPU (ms, user+system, median) of HEALTHCHECK_RUNS passing runs of the task
    definition's app health check (a process in the app's container every 15 s), against the running app.
    (None, None) if it never passed: then it says nothing."""
    argv = shipped.healthcheck_argv(SHIPPED["task_def"], str(pipeline.args.healthcheck_bin))
    env = dict(harness.clean_env(), PORT="8080")
    rss, cpu_ms = [], []
    for _ in range(HEALTHCHECK_RUNS + 10):   # right after saturation the app may still drain wrk's backlog
        # Through bench/rusage.c: forked from this Python, the probe's ru_maxrss would be Python's peak RSS.
        out = subprocess.run([str(pipeline.args.rusage_bin), *argv], env=env, capture_output=True, text=True,
                             timeout=60).stdout.split()
        if len(out) == 3 and out[0] == "0":
            rss.append(int(out[1]) * 1024)
            cpu_ms.append(int(out[2]) / 1e3)
            if len(rss) == HEALTHCHECK_RUNS:
                return max(rss), statistics.median(cpu_ms)
        else:
            time.sleep(1)
    harness.say("the health check did not answer 200 often enough after saturation: its cost is not reported")
    return None, None


def run_variant(pipeline: Pipeline, tools: Path, variant: str, prof: dict, rates: dict | None, tag: str,
                layout: cpus.Layout, whole_task: bool = False) -> dict:
    """One variant in a fresh JVM. rates None: the saturation pass (wrk per endpoint, then the overload drain).
    rates {"low": {ep: req/s}, "1k": {ep: req/s}}: the latency pass (sustainable window, then each rate set).
    whole_task: the saturation pass with everything on every CPU, without the health check (the whole-task
    figure of a pinned run)."""
    if not whole_task:
        return _run(pipeline, tools, variant, prof, rates, tag, layout, False)
    backends = [p.popen.pid for p in pipeline.stack.procs.values() if p.popen and p.alive()]
    with cpus.unpinned(layout, backends):
        return _run(pipeline, tools, variant, prof, None, tag, layout.shared(), True)


def _run(pipeline: Pipeline, tools: Path, variant: str, prof: dict, rates: dict | None, tag: str,
         layout: cpus.Layout, whole_task: bool) -> dict:
    a = pipeline.args
    res: dict = {"variant": variant, "tag": tag}
    xray_reset()
    coll_pid = pipeline.collector_pid
    argv, env = pipeline.app_command(variant, tools, tag)
    argv = layout.app_argv(argv)
    res["cpu_mode"] = layout.mode
    cm_start = collector_metrics()
    kind = "whole" if whole_task else ("sat" if rates is None else "lat")
    app = BenchProc(f"app-{tag}-{variant}-{kind}", argv, env, pipeline.logdir)
    app.start()
    try:
        res["first_200_s"], probes = first_200(app, FIRST_200_TIMEOUT)
        res["probe_requests"] = probes
        pids = {"app": app.pid, "collector": coll_pid}
        # Warm-up: until the JIT is quiet, both endpoints, not measured (warmup.py).
        say(f"{variant}: first 200 after {res['first_200_s']:.2f} s")
        res["warmup"] = warm_until_quiet(tools, app.pid, prof, f"{variant} ({kind}, {layout.mode})")
        res["warmup_requests"] = dict(res["warmup"]["requests"])
        if rates is None and variant not in NO_TELEMETRY:
            # The warm-up's spans (and the collector's CPU for them) must not land in the saturation window's
            # figures. (The latency pass drains them before its sustainable window.)
            wait_spans_settled(a.quiet, 60, "the warm-up's spans")
            xray_reset()
        probe0 = jvm_probe(tools, app.pid)  # also starts the local JMX agent (all variants alike)
        res["app_heap_committed"] = probe0["heap_committed"]

        if rates is None:
            # Saturation (closed loop, wrk), per endpoint; how busy each CPU was, and the collector's CPU
            # from here until the window's spans have arrived (the whole-task figure).
            say(f"{variant}: saturation, {prof['sat']:g} s of wrk per endpoint ({res['cpu_mode']})")
            res["sat"] = {}
            coll0 = proc_stat(coll_pid)["cpu_s"]
            app_cpu_s = 0.0
            with RssSampler(pids) as rss_sat:
                for name, path in ENDPOINTS.items():
                    before = jvm_probe(tools, app.pid)
                    ticks0, app0, t0 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
                    w = run_wrk(path, prof["sat"], prof["wrk_conns"])
                    ticks1, app1, t1 = cpus.cpu_ticks(), proc_stat(app.pid)["cpu_s"], time.monotonic()
                    after = jvm_probe(tools, app.pid)
                    w["alloc_per_req"] = (after["allocated_bytes"] - before["allocated_bytes"]) / max(1, w["requests"])
                    w["app_cpu_us_per_req"] = (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, w["requests"])
                    w["cpu"] = cpus.busy(ticks0, ticks1, layout)
                    # The app's own share of its CPU(s): the core can be busy with someone else's work.
                    w["cpu"]["app_process_share"] = (app1 - app0) / max(1e-3, t1 - t0) / len(layout.app)
                    app_cpu_s += (after["cpu_ns"] - before["cpu_ns"]) / 1e9
                    res["sat"][name] = w
            res["app_rss_sat_max"] = rss_sat.max["app"]
            if not whole_task:
                res["healthcheck_rss_max"], res["healthcheck_cpu_ms"] = healthcheck_cost(pipeline)
            res["collector_rss_sat_max"] = rss_sat.max["collector"]
            # Drain the overload window (so the latency pass starts on an idle pipeline), then count what
            # arrived (wrk leaves up to `conns` requests in flight when it stops: the expected count is a range).
            sat_delivered = (wait_spans_settled(a.quiet, 60, "the saturation window's spans")
                             if variant not in NO_TELEMETRY else 0)
            coll_cpu_s = proc_stat(coll_pid)["cpu_s"] - coll0
            requests = sum(res["sat"][n]["requests"] for n in ENDPOINTS)
            res["whole_task"] = {"requests": requests, "app_cpu_s": app_cpu_s, "collector_cpu_s": coll_cpu_s,
                                 "cpu_mode": res["cpu_mode"],
                                 "requests_per_cpu_s": requests / max(1e-6, app_cpu_s + coll_cpu_s)}
            res["overload"] = {
                "delivered_spans": sat_delivered,
                # The warm-up's spans were drained and reset before the window: only its requests count.
                "completed_requests": {n: res["sat"][n]["requests"] for n in ENDPOINTS},
                "uncounted_in_flight_max": 2 * len(ENDPOINTS) * prof["wrk_conns"],
            }
            res["overload"]["collector_drops"] = drop_counters(metrics_delta(cm_start, collector_metrics()))
            return res

        res["sustainable"] = sustainable_window(pipeline, tools, prof, coll_pid, app.pid)

        # Latency at each rate set, open loop, both endpoints: "low" = 50 % of the lowest saturation of the
        # round's variants, "1k" = 1,000 req/s. Also allocation and delivery under that load.
        say(f"{variant}: latency, {prof['rate']:g} s per endpoint at 50 % of the lowest saturation, then at "
            f"{rates['1k']['orders']:.0f} req/s")
        xray_reset()
        cm0 = collector_metrics()
        c0 = proc_stat(coll_pid)
        s0 = proc_stat(pipeline.standins_pid)
        t0 = time.monotonic()
        with RssSampler(pids) as rss_rate:
            for key, rate_set in (("rate", rates["low"]), ("rate_1k", rates["1k"])):
                res[key] = {}
                for name, path in ENDPOINTS.items():
                    before = jvm_probe(tools, app.pid)
                    r = run_rate(tools, path, rate_set[name], prof["rate"], prof["rate_conns"], prof["rate_warmup"])
                    after = jvm_probe(tools, app.pid)
                    done = r["completed"] + r["warmup_completed"]
                    r["alloc_per_req"] = (after["allocated_bytes"] - before["allocated_bytes"]) / max(1, done)
                    r["app_cpu_us_per_req"] = (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, done)
                    # Is the window steady? A JVM quiet under wrk compiles again for another load shape
                    # (saturation.md: the first open-loop window after wrk), inside the latency figures.
                    r["jit_ms"] = after.get("compile_ms", 0) - before.get("compile_ms", 0)
                    res[key][name] = r
        res["app_rss_rate_max"] = rss_rate.max["app"]
        res["collector_rss_max"] = rss_rate.max["collector"]
        res["collector_rss_anon_max"] = rss_rate.max_anon["collector"]
        # Drain with the app alive (see calibrate_spans: the app's halt(0) cuts the agent's flush short),
        # then stop it (the app's own SDK flushes on SIGTERM) and count again.
        alive_delivered = (wait_spans_settled(a.quiet, 90, "the latency windows' spans (app alive)")
                           if variant not in NO_TELEMETRY else 0)
        if a.jfr:  # the app's SIGTERM hook ends in Runtime.halt(0), so JFR's dump-on-exit never runs
            subprocess.run([str(JAVA_HOME / "bin" / "jcmd"), str(app.pid), "JFR.dump",
                            f"filename={pipeline.logdir / f'{variant}-{tag}.jfr'}"], capture_output=True, timeout=60)
        t_stop = time.monotonic()
        res["exit_code"] = app.stop(grace=20)
        res["stop_s"] = time.monotonic() - t_stop
        delivered = (wait_spans_settled(3, 90, "the app's last spans (flushed at SIGTERM)")
                     if variant not in NO_TELEMETRY else 0)
        res["delivered_before_stop"] = alive_delivered
        xs = xray_stats()
        res["xray_unprocessed_sustained"] = span_rejected(xs)
        res["xray_rejected_calls_sustained"] = xs.get("rejectedTotal", 0)
        c1 = proc_stat(coll_pid)
        cm1 = collector_metrics()
        window = time.monotonic() - t0
        res["sustained"] = {
            "completed_requests": {n: sum(res[k][n]["completed"] + res[k][n]["warmup_completed"]
                                          for k in ("rate", "rate_1k")) for n in ENDPOINTS},
            "delivered_spans": delivered,
            "collector_cpu_s": c1["cpu_s"] - c0["cpu_s"],
            "standins_cpu_s": proc_stat(pipeline.standins_pid)["cpu_s"] - s0["cpu_s"],
            "window_s": window,
            "collector_metrics_delta": metrics_delta(cm0, cm1),
        }
        res["sustained"]["collector_drops"] = drop_counters(res["sustained"]["collector_metrics_delta"])
        # Cumulative over the app's life (warm-up and the rate windows), as exported at shutdown.
        res["sdk_span_counters"] = sdk_span_counters(f"bench-{variant}-{tag}") if variant not in NO_TELEMETRY else {}
        return res
    finally:
        app.stop(grace=20)
        trim_log(app.log)


def sustainable_window(pipeline: Pipeline, tools: Path, prof: dict, coll_pid: int, app_pid: int) -> dict:
    """Delivery, app CPU and collector cost at a load the pipeline carries on this machine.

    Half the lowest saturation is ~6,000 req/s of /orders/{id} at 100 % sampling, ~24,000 spans/s: more than
    the collector (awsxray translation) and the X-Ray stand-in take on 2 shared cores, so delivery there
    measures overload handling. This window runs /orders/{id} at `sustainable_rps` (1,000 req/s = 4,000
    spans/s at 100 %), open loop. First, with the app idle, the collector's background work (ECS and app
    metrics, scrapes) is measured over `background_s`, so the per-span figure can leave it out.
    """
    rps, seconds = prof["sustainable_rps"], prof["sustainable_s"]
    say(f"sustainable window: /orders/{{id}} at {rps} req/s, {prof['sustainable_warmup']:g} s unmeasured, "
        f"{prof['background_s']:g} s idle (collector background), then {seconds:g} s measured")
    # First the same load unmeasured: after the wrk warm-up the JIT still compiles for this load's profile
    # (bench/profile.py: C2 was ~30 % of the app's CPU in the first window at 1,000 req/s).
    run_rate(tools, ENDPOINTS["orders"], rps, prof["sustainable_warmup"], prof["rate_conns"], 0)
    # The warm-up's spans leave the SDK's queue up to 5 s later: let them arrive first, so neither the
    # background window nor the measured one carries them.
    wait_spans_settled(pipeline.args.quiet, 60, "the warm-up's spans")
    b0 = proc_stat(coll_pid)
    time.sleep(prof["background_s"])
    b1 = proc_stat(coll_pid)
    background_cpu_per_s = (b1["cpu_s"] - b0["cpu_s"]) / prof["background_s"]
    xray_reset()
    cm0, c0 = collector_metrics(), proc_stat(coll_pid)
    t0 = time.monotonic()
    before = jvm_probe(tools, app_pid)
    threads0 = thread_cpu(app_pid)
    with RssSampler({"app": app_pid, "collector": coll_pid}) as rss:
        r = run_rate(tools, ENDPOINTS["orders"], rps, seconds, prof["rate_conns"], prof["rate_warmup"])
    roles = role_cpu(threads0, thread_cpu(app_pid))
    after = jvm_probe(tools, app_pid)
    done = r["completed"] + r["warmup_completed"]
    delivered = wait_spans_settled(pipeline.args.quiet, 60, "the sustainable window's spans")
    c1, cm1 = proc_stat(coll_pid), collector_metrics()
    window = time.monotonic() - t0
    cpu = c1["cpu_s"] - c0["cpu_s"]
    return {"rps": rps, "seconds": seconds, "completed_requests": done,
            "errors": r.get("errors"), "delivered_spans": delivered,
            "app_cpu_us_per_req": (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, done),
            # The same split by thread role (bench/profile.py has the per-thread detail); "jit" is what the
            # compiler threads still spend, a warm-up cost the steady state does not pay.
            "app_role_us_per_req": {k: v * 1e6 / max(1, done) for k, v in sorted(roles.items())},
            "collector_cpu_s": cpu, "window_s": window,
            "collector_background_cpu_per_s": background_cpu_per_s,
            "collector_cpu_s_net": max(0.0, cpu - background_cpu_per_s * window),
            "collector_rss_max": rss.max["collector"], "app_rss_max": rss.max["app"],
            "collector_drops": drop_counters(metrics_delta(cm0, cm1))}


def spans_per_request(pipeline: Pipeline, tools: Path, wanted: list[str], layout: cpus.Layout) -> dict:
    """How many spans one request of each endpoint makes, per telemetry variant (1 for one not run)."""
    spans_per_req = {}
    for v in ("on", "agent"):
        if v not in wanted and not (v == "on" and "shipped" in wanted):
            spans_per_req[v] = {ep: 1 for ep in ENDPOINTS}
            continue
        spans_per_req[v] = calibrate_spans(pipeline, tools, v, layout)
        say(f"spans per request ({v}): {spans_per_req[v]}")
    # A sampled `shipped` request makes the same spans as an `on` one; its delivery is the sampled share.
    spans_per_req["shipped"] = spans_per_req["on"]
    return spans_per_req


def calibrate_spans(pipeline: Pipeline, tools: Path, variant: str, layout: cpus.Layout) -> dict:
    """Spans one request makes, per endpoint: N sequential requests of each, the app stopped (its SDK
    flushes), then the stand-in's documents grouped by trace and by the server segment's URL."""
    n = 10
    say(f"span calibration ({variant}): {n} requests of each endpoint in a fresh app JVM, then its spans per trace")
    argv, env = pipeline.app_command(variant, tools, "spancal")
    argv = layout.app_argv(argv)
    xray_reset()
    app = BenchProc(f"app-spancal-{variant}", argv, env, pipeline.logdir).start()
    try:
        first_200(app, FIRST_200_TIMEOUT)
        for path in ENDPOINTS.values():
            for _ in range(n):
                status = harness.get(APP + path, timeout=5).status
                if status != 200:
                    raise RuntimeError(f"{path} -> {status} during span calibration")
        # Let the batch span processor export while the app is alive: the app's SIGTERM hook ends in
        # Runtime.halt(0), which cuts the Java agent's own flush-on-exit hook short.
        wait_spans_settled(pipeline.args.quiet, 60, f"the calibration's spans ({variant}, app alive)")
    finally:
        app.stop(grace=20)
    wait_spans_settled(2, 60, f"the calibration's last spans ({variant}, flushed at SIGTERM)")
    documents = xray_documents(timeout=30)
    if not documents and span_count(xray_stats()) > 0:
        # TRACES_EXPORTER=otlp_http/xray: spans arrive as OTLP at /v1/traces, not as segment documents.
        return calibrate_spans_by_count(pipeline, tools, variant, n, layout)
    traces: dict[str, list[dict]] = {}
    for d in documents:
        traces.setdefault(d.get("trace_id", "?"), []).append(d)
    per: dict[str, list[int]] = {name: [] for name in ENDPOINTS}
    other = 0
    for docs in traces.values():
        url = ""
        for d in docs:
            if d.get("type") != "subsegment" and "parent_id" not in d:
                url = ((d.get("http") or {}).get("request") or {}).get("url", "")
        name = next((k for k, p in ENDPOINTS.items() if urllib.parse.urlsplit(url).path == p), None)
        if name:
            per[name].append(len(docs))
        else:
            other += len(docs)
    out = {}
    for name, counts in per.items():
        if not counts:  # e.g. an experiment with OTEL_TRACES_EXPORTER=none; delivery is then n/a
            say(f"warning: span calibration ({variant}): no trace for {ENDPOINTS[name]} reached X-Ray")
        out[name] = statistics.median(counts) if counts else 0
    # The first-200 probe is one extra "/" request.
    out["traces"] = {k: len(v) for k, v in per.items()}
    out["other_spans"] = other
    return out


def calibrate_spans_by_count(pipeline: Pipeline, tools: Path, variant: str, n: int, layout: cpus.Layout) -> dict:
    """Spans per request from the stand-in's span counter, one endpoint at a time (for the OTLP path,
    where there are no segment documents to group by trace)."""
    argv, env = pipeline.app_command(variant, tools, "spancal-otlp")
    argv = layout.app_argv(argv)
    app = BenchProc(f"app-spancal-otlp-{variant}", argv, env, pipeline.logdir).start()
    out: dict = {"traces": {}, "other_spans": 0}
    try:
        first_200(app, FIRST_200_TIMEOUT)
        wait_spans_settled(pipeline.args.quiet, 60, "the first-200 probe's spans")  # before the reset
        for name, path in ENDPOINTS.items():
            xray_reset()
            for _ in range(n):
                status = harness.get(APP + path, timeout=5).status
                if status != 200:
                    raise RuntimeError(f"{path} -> {status} during span calibration")
            out[name] = wait_spans_settled(pipeline.args.quiet, 60, f"the calibration's {path} spans") / n
            out["traces"][name] = n
    finally:
        app.stop(grace=20)
    return out
