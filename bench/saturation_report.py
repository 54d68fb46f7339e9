"""saturation.py's report: where the app core's CPU goes per request (from async-profiler's collapsed stacks), and
the markdown block of docs/saturation.md (`python3 bench/saturation_report.py`, rendered from
results/saturation.json, never typed).

Each CPU sample counts for exactly one group, the first in GROUPS whose frame it has: the groups add up to the
app core's CPU per request, so `shipped` − `none` splits into the telemetry code itself and everything else.
"""
from __future__ import annotations

from pathlib import Path

START = "<!-- bench/results/saturation.json: start (bench/saturation_report.py writes this block; do not edit) -->"
END = "<!-- bench/results/saturation.json: end -->"

# (group, frame substrings): first match wins, so the order matters (export threads before telemetry, telemetry
# inside the handler before the handler's other work).
GROUPS = [
    ("telemetry threads: span batching and OTLP/gRPC export, metric collection, X-Ray rule polling",
     ("BatchSpanProcessor$Worker", "BatchSpanProcessor_WorkerThread", "PeriodicMetricReader", "okhttp3/", "okio/",
      "[xray-rules-poller")),
    ("telemetry on the request thread: instrumenter, sampler, span, metrics, trace id in body and log "
     "(in `none`: the no-op API's calls)",
     ("io/opentelemetry/", "com/example/ecsotel/telemetry/", "ecsotel/http/ServerSpans", "ServerAttributesGetter",
      "ecsotel/http/TraceHeader")),
    ("response write (the app's `write`: JSON, headers, socket send)", ("ecsotel/http/Dispatcher.write",)),
    ("rest of the app's handler (routing, validation, endpoint, access log)", ("ecsotel/http/Dispatcher.handle",)),
    ("JDK HTTP server: dispatcher thread (select, accept, keep-alive re-registration, hand-off)",
     ("sun/net/httpserver/ServerImpl$Dispatcher.run",)),
    ("JDK HTTP server: rest of the exchange (parse, streams, close and its event to the dispatcher)",
     ("sun/net/httpserver/",)),
    ("virtual-thread scheduling (ForkJoinPool, continuations)", ("java/util/concurrent/ForkJoin", "jdk/internal/vm/Continuation")),
    ("JIT compiler", ("CompileBroker", "C2Compiler", "Compilation::")),
    ("GC and VM operations", ("VMThread", "GCTask", "SerialHeap", "DefNewGeneration", "TenuredGeneration")),
]
OTHER = "other (access-log writer, JVM and kernel work outside these)"
TELEMETRY = next(g for g in GROUPS if g[0].startswith("telemetry on the request thread"))
# The telemetry on the request thread split by the app's call that entered it (first match; the handler's child
# spans run after ServerSpans.start has returned, so the phases do not nest).
PHASES = [
    ("server span start: `Instrumenter.start` (attribute extractors, X-Ray sampler, span builder, ids)",
     ("ecsotel/http/ServerSpans.start",)),
    ("server span end: end-side extractors, `http.server.request.duration`, span end", ("ecsotel/http/ServerSpans.end",)),
    ("the three child spans of `/orders/{id}` (span builder, ids, scopes)", ("ecsotel/http/OrdersEndpoint.inSpan",)),
    ("X-Ray trace id for the body and the access log", ("ecsotel/http/ServerSpans.withTraceId", "ecsotel/telemetry/XrayIds")),
]
REST = "rest: propagation, app metrics, other API calls, stacks the profiler could not walk to an app frame"


def _stacks(path: Path):
    """(stack, samples) per line of a collapsed-stacks file."""
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if n.isdigit():
            yield stack, int(n)


def _group(stack: str, groups, default: str) -> str:
    """The first group one of whose frames occurs in `stack`, else `default`."""
    return next((g for g, needles in groups if any(s in stack for s in needles)), default)


def breakdown(path: Path) -> dict[str, float]:
    """Share of the CPU samples in `path` (collapsed stacks) per group; the shares add up to 1."""
    counts = {g: 0 for g, _ in GROUPS} | {OTHER: 0}
    total = 0
    for stack, n in _stacks(path):
        total += n
        counts[_group(stack, GROUPS, OTHER)] += n
    return {g: c / max(1, total) for g, c in counts.items()}


def phases(path: Path) -> dict[str, float]:
    """Share of all samples in `path` per PHASES entry (plus REST) among those in the TELEMETRY group; they add up
    to the group's share."""
    counts = {g: 0 for g, _ in PHASES} | {REST: 0}
    total = 0
    for stack, n in _stacks(path):
        total += n
        if _group(stack, GROUPS, OTHER) == TELEMETRY[0]:
            counts[_group(stack, PHASES, REST)] += n
    return {g: c / max(1, total) for g, c in counts.items()}


def per_request(variant: dict, key: str) -> dict[str, float] | None:
    """Per request per group in profiler window `key`: µs of the app core's CPU (cpu_wrk, cpu_rate) or allocated
    bytes (alloc_wrk, alloc_rate), i.e. the window's shares × its own figure per request. The shares are re-read
    from the collapsed stacks when they are still there (GROUPS may have changed), else the stored ones."""
    prof = variant.get("profiler", {}).get(key)
    if not prof:
        return None
    path = Path(prof.get("collapsed", ""))
    shares = breakdown(path) if path.is_file() else prof.get("shares")
    if not shares or set(shares) != {g for g, _ in GROUPS} | {OTHER}:
        return None
    per = prof["cpu_us_per_req"] if key.startswith("cpu") else prof["alloc_per_req"]
    return {g: share * per for g, share in shares.items()}


def steal(window: dict) -> str:
    """The hypervisor's steal on the app's core in the window (runs before it was recorded: n/a)."""
    value = window.get("app_core_steal")
    return "n/a" if value is None else f"{value:.3f}"


def load_label(window: dict) -> str:
    kind, value = window.get("load") or ["wrk", window["conns"]]   # runs before the open-loop window had no "load"
    return f"wrk, {value:g} connections" if kind == "wrk" else f"open loop, {value:,.0f} req/s"


def markdown(data: dict) -> str:
    variants = data["variants"]
    secs = data.get("seconds", 10)
    lines = [f"Run {data['started']} · commit {data['commit']} · app pinned, warmed until the JIT is quiet · "
             f"{secs:g} s on `/orders/42` per row", "",
             "| variant | load | req/s | app's core busy | the app's share | steal on it | other CPU busy "
             "| app CPU µs/request | of it JIT | allocated B/request | voluntary switches/request |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for v in variants:
        rows = [(load_label(w), w) for w in v["windows"]]
        if v.get("burn"):
            rows.append((load_label(v["burn"]) + ", other CPU kept busy", v["burn"]))
        for label, w in rows:
            lines.append(f"| {v['variant']} | {label} | {w['rps']:,} | {w['app_core_busy']:.3f} | "
                         f"{w['app_process_share']:.3f} | {steal(w)} | {w['other_busy']:.3f} | {w['cpu_us_per_req']:.1f} | "
                         f"{(w.get('role_us_per_req') or {}).get('jit', 0):.1f} | {w['alloc_per_req']:,} | "
                         f"{w['voluntary_switches_per_req']:.2f} |")
    if len(variants) == 2:
        a, b = (v["variant"] for v in variants)
        keys = [k for k in ("cpu_wrk", "cpu_rate", "alloc_rate") if all(per_request(v, k) for v in variants)]
        if keys:
            split = {k: [per_request(v, k) for v in variants] for k in keys}
            heads = [("CPU µs" if k.startswith("cpu") else "allocated B") + ", "
                     + load_label(variants[0]["profiler"][k]) for k in keys]
            lines += ["", f"Per request by group (async-profiler in one more {secs:g} s window per load: CPU samples every 1 ms, "
                      "allocation samples in bytes; a group's share of the samples × that window's app CPU or "
                      "allocation per request; each sample in the first group it matches):", "",
                      "| group | " + " | ".join(f"{h}: {a} | {b} | {a} − {b}" for h in heads) + " |",
                      "|---|" + "---:|---:|---:|" * len(keys)]
            fmt = "{:,.1f}"
            for g in [g for g, _ in GROUPS] + [OTHER, "total"]:
                cells = []
                for k in keys:
                    f = fmt if k.startswith("cpu") else "{:,.0f}"
                    x, y = ((sum(d.values()) if g == "total" else d[g]) for d in split[k])
                    cells.append(f"{f.format(x)} | {f.format(y)} | {'+' if x >= y else '−'}{f.format(abs(x - y))}")
                lines.append(f"| {g} | " + " | ".join(cells) + " |")
            paths = [Path(v["profiler"].get(k, {}).get("collapsed", "")) for v in variants
                     for k in ("alloc_rate", "cpu_rate")]
            if {"alloc_rate", "cpu_rate"} <= set(keys) and all(p.is_file() for p in paths):
                lines += ["", "The table above's telemetry row split by the app's call that entered it (same windows, "
                          "same method):",
                          "", "| telemetry on the request thread | " + " | ".join(
                              f"{u}, {load_label(variants[0]['profiler'][k])}: {a} | {b} | {a} − {b}"
                              for u, k in (("allocated B", "alloc_rate"), ("CPU µs", "cpu_rate"))) + " |",
                          "|---|" + "---:|---:|---:|" * 2]
                split = {k: [{g: s_ * (v["profiler"][k]["alloc_per_req"] if k.startswith("alloc") else
                                        v["profiler"][k]["cpu_us_per_req"])
                              for g, s_ in phases(Path(v["profiler"][k]["collapsed"])).items()} for v in variants]
                         for k in ("alloc_rate", "cpu_rate")}
                for g in [g for g, _ in PHASES] + [REST]:
                    cells = []
                    for k, f in (("alloc_rate", "{:,.0f}"), ("cpu_rate", "{:,.1f}")):
                        x, y = (d[g] for d in split[k])
                        cells.append(f"{f.format(x)} | {f.format(y)} | {'+' if x >= y else '−'}{f.format(abs(x - y))}")
                    lines.append(f"| {g} | " + " | ".join(cells) + " |")
            over = [f"{v['variant']} {v['profiler'][c]['cpu_us_per_req']:.1f} against {v['profiler'][a_]['cpu_us_per_req']:.1f}"
                    for v in variants for c, a_ in (("cpu_rate", "alloc_rate"),) if c in v["profiler"] and a_ in v["profiler"]]
            if over:
                lines += ["", "The CPU sampling's own cost: app CPU µs per request in the CPU-profiled open-loop window "
                          "against the allocation-profiled one at the same rate, " + "; ".join(over) + "."]
    waits = [v for v in variants if v.get("jfr_waits")]
    if waits:
        lines += ["", "Monitor contention of ≥ 1 ms in a JFR window at "
                  f"{waits[0].get('jfr_conns', waits[0]['windows'][0].get('conns'))} wrk connections "
                  "(`jdk.JavaMonitorEnter`, by site and monitor class):", "",
                  "| variant | site | events | total ms |", "|---|---|---:|---:|"]
        for v in waits:
            for site, (n, ms) in sorted(v["jfr_waits"].items(), key=lambda kv: -kv[1][1])[:3]:
                lines.append(f"| {v['variant']} | `{site}` | {n:,} | {ms:,.0f} |")
    errors = [f"{v['variant']}: {v[k]}" for v in variants for k in ("jfr_error", "profiler_error") if v.get(k)]
    if errors:
        lines += ["", "Windows that failed (their tables are missing): " + "; ".join(errors)]
    return "\n".join(lines) + "\n"


def write_readme(data: dict, readme: Path) -> None:
    from render import replace_block
    replace_block(readme, START, END, markdown(data))


if __name__ == "__main__":   # python3 bench/saturation_report.py [FILE]: re-render the block from the JSON
    import json
    import sys
    here = Path(__file__).resolve().parent
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent / "docs" / "saturation.md"
    write_readme(json.loads((here / "results" / "saturation.json").read_text()), target)
