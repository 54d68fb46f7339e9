"""What the durable trace queue costs the collector (issue 24, item 5): `bench/run.sh --durability`.

The collector alone (started as ADOT starts on ECS: collector/adot-launch.sh, uid 10001, read-only root), with
TRACES_EXPORTER=otlp_http/xray towards the X-Ray stand-in, in two configs, ABBA-ordered over an even number of rounds
after one discarded warm-up run:
  disk    the shipped otel-collector-config.yaml (the exporter's sending_queue on file_storage, a fresh directory)
  memory  the same file with that one `storage: file_storage` line removed (the same queue, in memory: v0.156.0's
          exporterhelper picks memory or persistent by `storage` alone, with the same size, sizer and consumers)
Each run feeds SHAPES in turn (OTLP/HTTP protobuf, traces of 4 spans with the app's /orders/{id} attributes), paced
and bounded in count and time, each window ending when every accepted span reached the stand-in. From /proc, per
window: the collector's CPU (utime+stime) and the whole machine's busy CPU (kernel writeback included) per 1,000
spans; `wchar` (bytes through write()/send(): the exports, remote write and logs too, so only disk − memory is
the queue's bbolt pwrite()s); `write_bytes` (page-cache bytes newly dirtied: bbolt runs without fsync, as the
shipped file_storage sets none, so a page rewritten while dirty counts once); RSS (max). Writes
results/durability.{json,md}; `--readme FILE` renders the table into FILE between this module's markers.
Everything on loopback; the app and its JVM are not involved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path

from settings import JAVA, REPO, RESULTS, SHIPPED, resolve_shipped   # settings first: e2e/ on sys.path
import harness
from harness import say
# A run also imports e2e/stack.py and probes.py (pytest, botocore, cramjam: run.sh's venv) and opentelemetry-proto;
# --readme needs only the standard library.

# Two request shapes, 30 s each (the queue holds one entry per request: batch/otlp_http/xray passes requests on
# as they come): the app's SDK at 100 % sampling and 1,000 req/s (4,000 spans/s in full batches of 2,048, SdkDefaults),
# and many small requests (a small-request case: each entry costs bbolt three commits).
SHAPES = ({"name": "2,048 spans at 2 requests/s", "spans": 2048, "rate": 2.0, "requests": 60},
          {"name": "100 spans at 50 requests/s", "spans": 100, "rate": 50.0, "requests": 1500})
WARMUP_SHAPES = ({"name": "warm-up", "spans": 100, "rate": 50.0, "requests": 300},)
# --smoke (scripts/test.sh's bench-smoke): a few requests of each shape, 2 rounds, no warm-up run; fails only if a
# span accepted by the collector did not reach the stand-in. Writes results/durability-smoke.*.
SMOKE_SHAPES = tuple({**sh, "requests": max(4, sh["requests"] // 30)} for sh in SHAPES)
SETTLE_S = 5.0
DRAIN_S = 120.0
STORAGE_LINE = "      storage: file_storage\n"
START = "<!-- bench/results/durability.json: start (bench/durability.py --readme writes this block; do not edit) -->"
END = "<!-- bench/results/durability.json: end -->"


def in_memory_config(shipped: Path, out: Path) -> Path:
    """The shipped config with the otlp_http/xray queue's storage line removed; refuses if the file changed shape."""
    text = shipped.read_text()
    section = text.index("  otlp_http/xray:\n")
    nxt = re.search(r"^  [A-Za-z]", text[section + 3:], re.M)   # the next exporter: where this block ends
    end = section + 3 + nxt.start() if nxt else len(text)
    at = text.find(STORAGE_LINE, section, end)
    if text.count(STORAGE_LINE) != 1 or at < 0 or text.index("sending_queue:", section) > at:
        raise SystemExit(f"{shipped}: expected one '{STORAGE_LINE.strip()}' in otlp_http/xray's sending_queue")
    out.write_text(text[:at] + text[at + len(STORAGE_LINE):])
    return out


def request_body(seq: int, spans: int) -> bytes:
    """`spans` spans: traces of a SERVER span and 3 children, X-Ray-compatible trace ids."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # run.sh's venv
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    for k, v in (("service.name", "sample-app"), ("cloud.provider", "aws"), ("cloud.platform", "aws_ecs")):
        rs.resource.attributes.add(key=k).value.string_value = v
    ss = rs.scope_spans.add()
    ss.scope.name = "io.opentelemetry.java-http-server"
    now = time.time_ns()
    for t in range(spans // 4):
        trace_id = int(time.time()).to_bytes(4, "big") + os.urandom(12)   # X-Ray: epoch seconds first
        parent = os.urandom(8)
        for i in range(4):
            span = ss.spans.add(trace_id=trace_id, span_id=parent if i == 0 else os.urandom(8),
                                name="GET /orders/{id}" if i == 0 else f"step {i}", kind=2 if i == 0 else 1,
                                start_time_unix_nano=now - 5_000_000, end_time_unix_nano=now)
            if i:
                span.parent_span_id = parent
            for k, v in (("http.request.method", "GET"), ("url.path", f"/orders/{seq}"), ("url.scheme", "http"),
                         ("http.route", "/orders/{id}"), ("server.address", "127.0.0.1"),
                         ("user_agent.original", "durability-bench"), ("network.protocol.version", "1.1")):
                span.attributes.add(key=k).value.string_value = v
            span.attributes.add(key="http.response.status_code").value.int_value = 200
    return req.SerializeToString()


def io_bytes(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/io") as f:
        return {k: int(v) for k, v in (line.split(":") for line in f)}


def machine_busy_s() -> float:
    """Busy CPU-seconds of the whole machine (cpus.cpu_ticks: all but idle and iowait), kernel threads included."""
    from cpus import cpu_ticks
    return sum(c["total"] - c["idle"] for c in cpu_ticks().values()) / os.sysconf("SC_CLK_TCK")


def post(body: bytes) -> int:
    """One OTLP/HTTP request to the collector: its status, 0 for a transport error (counted, never raised)."""
    try:
        return harness.http("POST", "http://127.0.0.1:4318/v1/traces", body=body,
                            headers={"Content-Type": "application/x-protobuf"}, timeout=10).status
    except OSError:
        return 0


def feed(pid: int, label: str, shape: dict) -> dict:
    """One measured window: `shape`'s requests, paced and bounded in count and time, then the drain until every
    accepted span reached the X-Ray stand-in (at most DRAIN_S; a shortfall is recorded, not raised)."""
    from probes import RssSampler, proc_stat, span_count
    from stack import xray_stats
    n, rate, spans = shape["requests"], shape["rate"], shape["spans"]
    bodies = [request_body(i, spans) for i in range(4)]
    os.sync()   # the last window's dirty pages are written back now, not during this one
    base, cpu0, io0, busy0 = span_count(xray_stats()), proc_stat(pid)["cpu_s"], io_bytes(pid), machine_busy_s()
    t0, statuses = time.monotonic(), {}
    with RssSampler({"collector": pid}) as rss:
        for i in range(n):
            wait = t0 + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if time.monotonic() - t0 > 3 * n / rate:
                break
            code = post(bodies[i % len(bodies)])
            statuses[code] = statuses.get(code, 0) + 1
        sent = statuses.get(200, 0) * spans
        try:
            harness.wait_until(lambda: span_count(xray_stats()) - base >= sent, DRAIN_S,
                               f"{label}: {sent} spans at the X-Ray stand-in", interval=0.25)
        except AssertionError:
            say(f"{label}: not every span arrived within {DRAIN_S:g} s; recording what did")
        elapsed, cpu1, io1, busy1 = time.monotonic() - t0, proc_stat(pid)["cpu_s"], io_bytes(pid), machine_busy_s()
    delivered = span_count(xray_stats()) - base
    k, reqs = max(delivered, 1) / 1000, max(statuses.get(200, 0), 1)
    out = {"config": label, "shape": shape["name"], "statuses": statuses, "spans_sent": sent,
           "spans_delivered": delivered, "seconds": elapsed, "cpu_s": cpu1 - cpu0,
           "cpu_s_per_1k": (cpu1 - cpu0) / k, "machine_cpu_s_per_1k": (busy1 - busy0) / k,
           "wchar_per_1k": (io1["wchar"] - io0["wchar"]) / k, "wchar_per_request": (io1["wchar"] - io0["wchar"]) / reqs,
           "dirtied_per_1k": (io1["write_bytes"] - io0["write_bytes"]) / k,
           "rss_max_mib": rss.max["collector"] / 2**20, "rss_anon_max_mib": rss.max_anon["collector"] / 2**20}
    say(f"{label} ({shape['name']}): {delivered} of {sent} spans, {out['cpu_s_per_1k']:.4f} CPU-s per 1,000, "
        f"{out['wchar_per_1k'] / 1e3:.0f} kB written per 1,000, RSS {out['rss_max_mib']:.0f} MiB")
    return out


def run_once(st, config: Path, label: str, storage: Path, env: dict, shapes=None) -> list[dict]:
    """A fresh collector (its own empty queue directory) fed each shape in turn; stopped afterwards."""
    from stack import XRAY
    harness.http("POST", f"{XRAY}/admin/reset", body=b"", timeout=5)
    proc = st.start_collector("collector", config=config, storage_dir=storage, **env)
    try:
        time.sleep(SETTLE_S)
        return [feed(proc.popen.pid, label, shape) for shape in (shapes or SHAPES)]
    finally:
        st.stop(["collector"], "durability")


def summarize(runs: list[dict]) -> dict:
    keys = ("cpu_s_per_1k", "machine_cpu_s_per_1k", "wchar_per_1k", "wchar_per_request", "dirtied_per_1k",
            "rss_max_mib", "rss_anon_max_mib")
    shapes = list(dict.fromkeys(r["shape"] for r in runs))
    per = {sh: {c: {k: statistics.median([r[k] for r in runs if r["config"] == c and r["shape"] == sh]) for k in keys}
                for c in ("memory", "disk")} for sh in shapes}
    refused: dict[str, int] = {}
    for r in runs:
        for code, n in r["statuses"].items():
            if str(code) != "200":
                refused[str(code)] = refused.get(str(code), 0) + n
    return {"shapes": per, "refused": refused,
            "delivery_min": min((r["spans_delivered"] / r["spans_sent"] for r in runs if r["spans_sent"]), default=0.0)}


ROWS = (("collector CPU-s per 1,000 spans", "cpu_s_per_1k", 1, "{:.4f}"),
        ("machine CPU-s per 1,000 spans (every process, kernel writeback too)", "machine_cpu_s_per_1k", 1, "{:.4f}"),
        ("kB through write()/send() per 1,000 spans (wchar; exports and logs too)", "wchar_per_1k", 1e3, "{:.0f}"),
        ("… per request", "wchar_per_request", 1e3, "{:.0f}"),
        ("kB of page cache newly dirtied per 1,000 spans (write_bytes)", "dirtied_per_1k", 1e3, "{:.1f}"),
        ("RSS, MiB (max)", "rss_max_mib", 1, "{:.0f}"),
        ("… anonymous (heap, stacks), MiB (max)", "rss_anon_max_mib", 1, "{:.0f}"))


def markdown(result: dict) -> str:
    s, m = result["summary"], result["meta"]
    how = "smoke: a few requests per window, no warm-up run" if m.get("smoke") else "after a discarded warm-up"
    lines = [f"Run {m['started']} · {m['rounds']} rounds ABBA, {how} · {m['machine']} · "
             f"`TRACES_EXPORTER=otlp_http/xray`, collector env `{m['collector_env']}` · median per window", ""]
    for shape, per in s["shapes"].items():
        lines += [f"| {shape} | memory | disk | disk − memory |", "|---|---:|---:|---:|"]
        for label, key, scale, spec in ROWS:
            a, b = per["memory"][key] / scale, per["disk"][key] / scale
            lines.append(f"| {label} | {spec.format(a)} | {spec.format(b)} | {spec.format(b - a)} |")
        lines.append("")
        deltas = [d["cpu_s_per_1k"] - m_["cpu_s_per_1k"] for rnd in sorted({r["round"] for r in result["runs"]})
                  for d in result["runs"] if d["round"] == rnd and d["shape"] == shape and d["config"] == "disk"
                  for m_ in result["runs"] if m_["round"] == rnd and m_["shape"] == shape and m_["config"] == "memory"]
        lines[-1:-1] = [f"| collector CPU-s per 1,000 spans, disk − memory, each round | | | "
                        + ", ".join(f"{x:+.4f}" for x in deltas) + " |"]
    refused = s.get("refused") or {}
    lines.append(f"Every accepted span reached the stand-in in every window: {'yes' if s['delivery_min'] >= 1 else 'no'}"
                 f" (worst {s['delivery_min']:.4f}); requests not answered 200: "
                 + (", ".join(f"{n} × {code or 'no answer'}" for code, n in refused.items()) if refused else "none") + ".")
    return "\n".join(lines) + "\n"


def write_readme(result: dict, readme: Path) -> None:
    from render import replace_block
    replace_block(readme, START, END, markdown(result))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=4, help="an even number (ABBA); default 4")
    ap.add_argument("--smoke", action="store_true", help="a few requests per shape, 2 rounds (the test command's)")
    ap.add_argument("--readme", type=Path, nargs="?", const=REPO / "docs" / "reliability.md", metavar="FILE",
                    help="only render results/durability.json into FILE (default docs/reliability.md)")
    ap.add_argument("--standins-jar", type=Path)
    ap.add_argument("--collector-bin")
    ap.add_argument("--collector-config", type=Path, default=REPO / "otel-collector-config.yaml")
    ap.add_argument("--prometheus")
    ap.add_argument("--java-opts", default="")
    args, _ = ap.parse_known_args()   # bench/run.sh passes the benchmark's other arguments too
    harness.live_progress(None, "durability")   # say() lines go to stderr
    if args.smoke:
        args.rounds = 2
    if args.rounds < 2 or args.rounds % 2:
        ap.error("--rounds must be even (ABBA order)")
    if args.readme:
        result = json.loads((RESULTS / "durability.json").read_text())
        result["summary"] = summarize(result["runs"])   # re-derived with this code, as bench.py --readme does
        write_readme(result, args.readme)
        say(f"rendered {RESULTS / 'durability.json'} into {args.readme}")
        return 0
    import stack as e2e_stack
    resolve_shipped(args)
    busy = e2e_stack.busy_ports(e2e_stack.BACKEND_PORTS)
    if busy:
        say("refusing to start: ports already in use: " + ", ".join(busy) + " (or run with BENCH_NETNS=1)")
        return 3
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    logdir = RESULTS / f"durability-run-{started.replace(':', '')}"
    logdir.mkdir(parents=True)
    configs = {"disk": args.collector_config,
               "memory": in_memory_config(args.collector_config, logdir / "in-memory-queue.yaml")}
    env = {"TRACES_EXPORTER": "otlp_http/xray", "COLLECTOR_METRICS_INTERVAL": "60s", **SHIPPED["collector_env"]}
    st = e2e_stack.Stack(logdir, java=JAVA, collector_bin=args.collector_bin, backend_prefix=("nice", "-n", "19"))
    runs = []

    def on_signal(signum, _frame):   # run.sh forwards TERM/HUP: stop what was started (finally), as bench.py does
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        say("starting Prometheus and the AWS stand-ins (nice 19)")
        st.start_prometheus(args.prometheus)
        st.start_standins(args.standins_jar, ("-Xmx512m",), small_jvm=False)
        shapes = SMOKE_SHAPES if args.smoke else SHAPES
        if not args.smoke:
            say("warm-up run (discarded): memory")
            run_once(st, configs["memory"], "memory", logdir / "storage-warmup", env, WARMUP_SHAPES)
        for rnd in range(1, args.rounds + 1):
            order = ("memory", "disk") if rnd % 2 else ("disk", "memory")   # ABBA: M D D M M D ...
            for label in order:
                say(f"round {rnd} of {args.rounds}: {label}")
                runs += [{"round": rnd, **w} for w in run_once(st, configs[label], label,
                                                              logdir / f"storage-{rnd}-{label}", env, shapes)]
    except KeyboardInterrupt as e:
        say(f"interrupted ({e}); stopping everything")
        return 130
    finally:
        for name in ("collector", "standins", "prometheus"):
            if name in st.procs:
                st.procs[name].stop()
    result = {"meta": {"started": started, "rounds": args.rounds, "shapes": shapes, "smoke": args.smoke,
                       "collector_env": env,
                       "machine": f"{os.cpu_count()} cores"},
              "summary": summarize(runs), "runs": runs}
    out = "durability-smoke" if args.smoke else "durability"   # a smoke run never replaces the docs' figures
    (RESULTS / f"{out}.json").write_text(json.dumps(result, indent=2))
    md = markdown(result)
    (RESULTS / f"{out}.md").write_text(md)
    print(md)
    ok = result["summary"]["delivery_min"] >= 1 and not result["summary"]["refused"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
