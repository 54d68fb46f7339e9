"""What the durable trace queue costs the collector (issue 24, item 5): `bench/run.sh --durability`.

The collector alone (started as ADOT starts on ECS: collector/adot-launch.sh, uid 10001, read-only root), with
TRACES_EXPORTER=otlp_http/xray towards the X-Ray stand-in, in two configs, alternating per round:
  disk    the shipped otel-collector-config.yaml (the exporter's sending_queue on file_storage, a fresh directory)
  memory  the same file with that one `storage: file_storage` line removed (the queue in memory)
Each run feeds REQUESTS OTLP/HTTP protobuf requests of SPANS_PER_REQUEST spans (traces of 4 spans, the app's
/orders/{id} shape, with its attributes) at RATE requests/s, bounded in count and time, then waits until every span
reached the stand-in. Measured on the collector's process from /proc: CPU (utime+stime) gross and net of its idle
rate (measured first), write() bytes (`wchar`: what bbolt hands the kernel) and bytes that reached the block layer
(`write_bytes`) per 1,000 spans, and its RSS (max). Writes results/durability.{json,md}; `--readme FILE` renders
the table into FILE between this module's markers. Everything on loopback; the app and its JVM are not involved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

from settings import JAVA, REPO, RESULTS, SHIPPED, resolve_shipped   # settings first: e2e/ on sys.path
import harness
from harness import say
# A run also imports e2e/stack.py and probes.py (pytest, botocore, cramjam: run.sh's venv) and opentelemetry-proto;
# --readme needs only the standard library.

REQUESTS, SPANS_PER_REQUEST, RATE = 1500, 100, 50.0   # 150,000 spans in 30 s: 5,000 spans/s
IDLE_S = 10.0
STORAGE_LINE = "      storage: file_storage\n"
START = "<!-- bench/results/durability.json: start (bench/durability.py --readme writes this block; do not edit) -->"
END = "<!-- bench/results/durability.json: end -->"


def in_memory_config(shipped: Path, out: Path) -> Path:
    """The shipped config with the otlp_http/xray queue's storage line removed; refuses if the file changed shape."""
    text = shipped.read_text()
    section = text.index("  otlp_http/xray:\n")
    at = text.index(STORAGE_LINE, section)
    if text.count(STORAGE_LINE) != 1 or text.index("sending_queue:", section) > at:
        raise SystemExit(f"{shipped}: expected one '{STORAGE_LINE.strip()}' in otlp_http/xray's sending_queue")
    out.write_text(text[:at] + text[at + len(STORAGE_LINE):])
    return out


def request_body(seq: int) -> bytes:
    """SPANS_PER_REQUEST spans: traces of a SERVER span and 3 children, X-Ray-compatible trace ids."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # run.sh's venv
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    for k, v in (("service.name", "sample-app"), ("cloud.provider", "aws"), ("cloud.platform", "aws_ecs")):
        rs.resource.attributes.add(key=k).value.string_value = v
    ss = rs.scope_spans.add()
    ss.scope.name = "io.opentelemetry.java-http-server"
    now = time.time_ns()
    for t in range(SPANS_PER_REQUEST // 4):
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


def run_once(st, config: Path, label: str, storage: Path, env: dict) -> dict:
    from probes import RssSampler, proc_stat, span_count
    from stack import XRAY, xray_stats
    harness.http("POST", f"{XRAY}/admin/reset", body=b"", timeout=5)
    proc = st.start_collector("collector", config=config, storage_dir=storage, **env)
    pid = proc.popen.pid
    try:
        time.sleep(IDLE_S / 2)   # past start-up
        a = proc_stat(pid)
        time.sleep(IDLE_S)
        idle_rate = (proc_stat(pid)["cpu_s"] - a["cpu_s"]) / IDLE_S
        bodies = [request_body(i) for i in range(20)]
        base_spans, cpu0, io0, t0 = span_count(xray_stats()), proc_stat(pid)["cpu_s"], io_bytes(pid), time.monotonic()
        statuses: dict[int, int] = {}
        with RssSampler({"collector": pid}) as rss:
            for i in range(REQUESTS):   # paced, bounded by REQUESTS and by time
                wait = t0 + i / RATE - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if time.monotonic() - t0 > 3 * REQUESTS / RATE:
                    break
                reply = harness.http("POST", "http://127.0.0.1:4318/v1/traces", body=bodies[i % len(bodies)],
                                     headers={"Content-Type": "application/x-protobuf"}, timeout=10)
                statuses[reply.status] = statuses.get(reply.status, 0) + 1
            sent = statuses.get(200, 0) * SPANS_PER_REQUEST
            harness.wait_until(lambda: span_count(xray_stats()) - base_spans >= sent, 120,
                               f"{label}: {sent} spans at the X-Ray stand-in", interval=0.25)
            elapsed, cpu1, io1 = time.monotonic() - t0, proc_stat(pid)["cpu_s"], io_bytes(pid)
        delivered = span_count(xray_stats()) - base_spans
        k = delivered / 1000
        out = {"config": label, "statuses": statuses, "spans_sent": sent, "spans_delivered": delivered,
               "seconds": elapsed, "cpu_s": cpu1 - cpu0, "idle_cpu_per_s": idle_rate,
               "cpu_s_per_1k": (cpu1 - cpu0) / k, "cpu_s_per_1k_net": (cpu1 - cpu0 - idle_rate * elapsed) / k,
               "wchar_per_1k": (io1["wchar"] - io0["wchar"]) / k,
               "write_bytes_per_1k": (io1["write_bytes"] - io0["write_bytes"]) / k,
               "rss_max_mib": rss.max["collector"] / 2**20, "rss_anon_max_mib": rss.max_anon["collector"] / 2**20}
        say(f"{label}: {delivered} of {sent} spans, {out['cpu_s_per_1k_net']:.4f} CPU-s per 1,000 (net), "
            f"{out['wchar_per_1k'] / 1e3:.0f} kB written per 1,000, RSS {out['rss_max_mib']:.0f} MiB")
        return out
    finally:
        st.stop(["collector"], "durability")


def summarize(runs: list[dict]) -> dict:
    keys = ("cpu_s_per_1k", "cpu_s_per_1k_net", "wchar_per_1k", "write_bytes_per_1k", "rss_max_mib",
            "rss_anon_max_mib", "idle_cpu_per_s")
    per = {c: {k: statistics.median([r[k] for r in runs if r["config"] == c]) for k in keys}
           for c in ("memory", "disk")}
    per["delivery_min"] = min(r["spans_delivered"] / r["spans_sent"] for r in runs if r["spans_sent"])
    return per


def markdown(result: dict) -> str:
    s, m = result["summary"], result["meta"]
    lines = [f"Run {m['started']} · {m['rounds']} round(s), configs alternating · {m['machine']} · "
             f"{m['requests']} requests of {m['spans_per_request']} spans at {m['rate']:g} requests/s per run, "
             f"`TRACES_EXPORTER=otlp_http/xray`, collector env `{m['collector_env']}`", "",
             "| collector, per 1,000 spans (median) | memory | disk | disk − memory |", "|---|---:|---:|---:|"]
    for label, key, scale, spec in (("CPU-s", "cpu_s_per_1k", 1, "{:.4f}"),
                                    ("CPU-s net of its idle rate", "cpu_s_per_1k_net", 1, "{:.4f}"),
                                    ("kB handed to write() (wchar)", "wchar_per_1k", 1e3, "{:.0f}"),
                                    ("kB that reached the block layer (write_bytes)", "write_bytes_per_1k", 1e3,
                                     "{:.1f}"),
                                    ("RSS, MiB (max)", "rss_max_mib", 1, "{:.0f}"),
                                    ("… anonymous (heap, stacks), MiB (max)", "rss_anon_max_mib", 1, "{:.0f}")):
        a, b = s["memory"][key] / scale, s["disk"][key] / scale
        lines.append(f"| {label} | {spec.format(a)} | {spec.format(b)} | {spec.format(b - a)} |")
    lines += ["", "Per run (in order): " + "; ".join(
        f"{r['config']} {r['cpu_s_per_1k_net']:.4f} CPU-s, {r['wchar_per_1k'] / 1e3:.0f} kB" for r in result["runs"])
        + f". Every span delivered in every run: {'yes' if s['delivery_min'] >= 1 else 'no'} "
          f"(worst {s['delivery_min']:.4f})."]
    return "\n".join(lines) + "\n"


def write_readme(result: dict, readme: Path) -> None:
    text = readme.read_text()
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not (sep and sep2):
        raise SystemExit(f"{readme}: markers missing: {START} ... {END}")
    readme.write_text(head + START + "\n\n" + markdown(result) + "\n" + END + tail)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--readme", type=Path, nargs="?", const=REPO / "docs" / "reliability.md", metavar="FILE",
                    help="only render results/durability.json into FILE (default docs/reliability.md)")
    ap.add_argument("--standins-jar", type=Path)
    ap.add_argument("--collector-bin")
    ap.add_argument("--collector-config", type=Path, default=REPO / "otel-collector-config.yaml")
    ap.add_argument("--prometheus")
    ap.add_argument("--java-opts", default="")
    args, _ = ap.parse_known_args()   # bench/run.sh passes the benchmark's other arguments too
    if args.readme:
        write_readme(json.loads((RESULTS / "durability.json").read_text()), args.readme)
        say(f"rendered {RESULTS / 'durability.json'} into {args.readme}")
        return 0
    import stack as e2e_stack
    resolve_shipped(args)
    busy = e2e_stack.busy_ports(e2e_stack.BACKEND_PORTS)
    if busy:
        say("refusing to start: ports already in use: " + ", ".join(busy) + " (or run with BENCH_NETNS=1)")
        return 3
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    logdir = RESULTS / f"durability-{started.replace(':', '')}"
    logdir.mkdir(parents=True)
    configs = {"disk": args.collector_config,
               "memory": in_memory_config(args.collector_config, logdir / "in-memory-queue.yaml")}
    env = {"TRACES_EXPORTER": "otlp_http/xray", "COLLECTOR_METRICS_INTERVAL": "60s", **SHIPPED["collector_env"]}
    st = e2e_stack.Stack(logdir, java=JAVA, collector_bin=args.collector_bin, backend_prefix=("nice", "-n", "19"))
    runs = []
    try:
        say("starting Prometheus and the AWS stand-ins (nice 19)")
        st.start_prometheus(args.prometheus)
        st.start_standins(args.standins_jar, ("-Xmx512m",), small_jvm=False)
        for rnd in range(1, args.rounds + 1):
            order = ("memory", "disk") if rnd % 2 else ("disk", "memory")
            for label in order:
                say(f"round {rnd}: {label}")
                runs.append({"round": rnd, **run_once(st, configs[label], label,
                                                      logdir / f"storage-{rnd}-{label}", env)})
    finally:
        for name in ("collector", "standins", "prometheus"):
            if name in st.procs:
                st.procs[name].stop()
    result = {"meta": {"started": started, "rounds": args.rounds, "requests": REQUESTS,
                       "spans_per_request": SPANS_PER_REQUEST, "rate": RATE, "collector_env": env,
                       "machine": f"{os.cpu_count()} cores"},
              "summary": summarize(runs), "runs": runs}
    (RESULTS / "durability.json").write_text(json.dumps(result, indent=2))
    md = markdown(result)
    (RESULTS / "durability.md").write_text(md)
    print(md)
    return 0 if result["summary"]["delivery_min"] >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
