"""The report's rendering: the markdown table (results/latest.md, and with brief=True the result block of
docs/benchmark.md, between its markers) and the plot (latest.png), from a result whose summary report.summarize
and whose goals goals.goals derived.
"""

from __future__ import annotations

from pathlib import Path

from settings import ENDPOINTS, VARIANTS
import report_warmup_cpu


def fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


# The notes bench.py writes that describe the method (docs/benchmark.md's Protocol says it): left out of the
# docs' block (brief), kept in results/latest.md.
METHOD_NOTES = ("Two passes per round", "`shipped` runs the app", "CPUs:", "Warm-up:", "Collector background:",
                "Allocation:", "Delivery:")


# Rows the docs' block leaves to results/latest.md (brief): the health check's and the stand-in's costs, absolute
# collector RSS (its fractions stay), p50s and the overload's delivery, so docs/benchmark.md reads in five minutes.
BRIEF_SKIP = {"p50_ms_orders", "p50_ms_1k_orders", "healthcheck_rss_mib", "healthcheck_cpu_ms",
              "app_container_sat_fraction", "collector_background_cpu_per_s", "overload_delivery",
              "collector_rss_mib", "collector_rss_anon_mib", "standins_cpu_s_per_1k_spans", "app_rss_mib",
              "jit_ms_1k_orders", "jit_ms_1k_root"}


def markdown(result: dict, brief: bool = False) -> str:
    s, m = result["summary"], result["meta"]
    V = s["variants"]
    R = s["ratios"]
    shown = [v for v in VARIANTS if v in V]
    lines = [f"Run {m['started']} · mode `{m['mode']}` · {m['rounds']} round(s) · {m['machine']}", ""]
    idle = m.get("collector_idle")
    if idle:
        lines += [f"Idle collector (stack up, no app, {idle['after_s']} s after start): RSS {idle['rss_mib']:.1f} MiB "
                  f"({idle.get('rss_anon_mib', 0):.1f} MiB anonymous), {idle['cpu_s']:.2f} CPU-s since start.", ""]
    lines.append("| figure | " + " | ".join(shown) + " |")
    lines.append("|---|" + "---:|" * len(shown))
    low, k1 = s["fixed_rate"], s["rate_1k"]
    rows = [
        ("saturation req/s /orders/{id}", "sat_rps_orders", "{:.0f}"),
        ("saturation req/s /", "sat_rps_root", "{:.0f}"),
        (f"p50 ms @ 50% of lowest saturation (~{fmt(low['orders'], '{:.0f}')} req/s) /orders/{{id}}", "p50_ms_orders", "{:.2f}"),
        ("p99 ms @ 50% of lowest saturation /orders/{id}", "p99_ms_orders", "{:.2f}"),
        (f"p99 ms @ 50% of lowest saturation (~{fmt(low['root'], '{:.0f}')} req/s) /", "p99_ms_root", "{:.2f}"),
        (f"p50 ms @ {k1:.0f} req/s /orders/{{id}}", "p50_ms_1k_orders", "{:.2f}"),
        (f"p99 ms @ {k1:.0f} req/s /orders/{{id}}", "p99_ms_1k_orders", "{:.2f}"),
        (f"p99 ms @ {k1:.0f} req/s /", "p99_ms_1k_root", "{:.2f}"),
        (f"JIT compilation ms during the {k1:.0f} req/s window (incl. its warm-up) /orders/{{id}}", "jit_ms_1k_orders",
         "{:.0f}"),
        (f"JIT compilation ms during the {k1:.0f} req/s window (incl. its warm-up) /", "jit_ms_1k_root", "{:.0f}"),
        ("allocated KiB/request /orders/{id}", "alloc_per_req_orders", "{:.1f}"),
        ("allocated KiB/request /", "alloc_per_req_root", "{:.1f}"),
        ("app CPU µs/request (saturation) /orders/{id}", "app_cpu_us_per_req_orders", "{:.1f}"),
        ("app CPU µs/request (saturation) /", "app_cpu_us_per_req_root", "{:.1f}"),
        ("app CPU µs/request (sustainable rate) /orders/{id}", "sustainable_app_cpu_us_per_req", "{:.0f}"),
        ("app RSS, MiB (max)", "app_rss_mib", "{:.0f}"),
        ("app RSS at saturation ÷ container memory", "app_rss_sat_fraction", "{:.2f}"),
        ("health-check probe peak RSS, MiB (same container)", "healthcheck_rss_mib", "{:.1f}"),
        ("health-check probe CPU per probe, ms (user+system, median)", "healthcheck_cpu_ms", "{:.1f}"),
        ("(app at saturation + health check) ÷ container memory", "app_container_sat_fraction", "{:.2f}"),
        ("start to first 200, s", "first_200_s", "{:.2f}"),
        ("spans delivered ÷ expected @ sustainable rate (worst round; shipped: sampled share)",
         "sustainable_delivery_min", "{:.4f}"),
        ("collector CPU s per 1,000 spans @ sustainable rate", "sustainable_collector_cpu_s_per_1k_spans", "{:.4f}"),
        ("… net of background work", "sustainable_collector_cpu_s_per_1k_spans_net", "{:.4f}"),
        ("collector background CPU s per s (no app load: ECS and app metrics, scrapes)",
         "collector_background_cpu_per_s", "{:.4f}"),
        ("collector drop counters @ sustainable rate", "sustainable_collector_drops", "{:.0f}"),
        ("collector RSS @ sustainable rate ÷ container memory", "collector_rss_sustainable_fraction", "{:.2f}"),
        ("collector anonymous RSS (max, rate windows) ÷ container memory", "collector_rss_anon_fraction", "{:.2f}"),
        ("spans delivered ÷ expected @ rate windows (overload at 100 %)", "delivery", "{:.4f}"),
        ("SDK batch-processor drops, latency pass (processedSpans dropped=true)", "sdk_dropped_spans", "{:.0f}"),
        ("spans delivered ÷ expected (saturation; wrk's in-flight requests uncounted)", "overload_delivery", "{:.4f}"),
        ("collector RSS, MiB (max, rate windows)", "collector_rss_mib", "{:.0f}"),
        ("collector RSS, anonymous part (heap, stacks), MiB (max)", "collector_rss_anon_mib", "{:.0f}"),
        ("X-Ray stand-in CPU s per 1,000 spans (test double, not in ECS)", "standins_cpu_s_per_1k_spans", "{:.4f}"),
    ]
    for label, key, spec in rows:
        if brief and key in BRIEF_SKIP:
            continue
        cells = []
        for v in shown:
            val = V[v].get(key)
            if val is not None and key.startswith("alloc"):
                val = val / 1024
            cells.append(fmt(val, spec))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lim = s["limits_bytes"]
    lines.append(f"| container memory (task definition): app {lim['app'] / 2**20:.0f} MiB, collector "
                 f"{lim['collector'] / 2**20:.0f} MiB; sustainable rate {m['profile'].get('sustainable_rps')} req/s |"
                 + " |" * len(shown))
    base = s.get("baseline", "disabled")
    lines += ["", f"Against `{base}` (median of per-round ratios and differences):", "",
              "| ratio or difference | /orders/{id} | / |", "|---|---:|---:|"]
    rows = []
    for a_ in ("shipped", "on", "agent", "disabled"):
        if a_ == base or a_ not in V:
            continue
        if brief and a_ == "agent":   # the docs' block: agent's throughput only
            rows.append((f"throughput_{{}}_agent/{base}", f"throughput agent ÷ {base}", "{:.3f}"))
            continue
        rows += [(f"throughput_{{}}_{a_}/{base}", f"throughput {a_} ÷ {base}", "{:.3f}"),
                 (f"cpu_delta_{{}}_{a_}-{base}", f"app CPU µs per request {a_} − {base} (saturation)", "{:+.1f}"),
                 (f"alloc_delta_{{}}_{a_}-{base}", f"allocated bytes per request {a_} − {base}", "{:+.0f}"),
                 (f"p99_1k_{{}}_{a_}/{base}", f"p99 @ 1,000 req/s {a_} ÷ {base}", "{:.3f}")]
        if a_ == "on" and "agent" in V:
            rows.append(("throughput_{}_on/agent", "throughput on ÷ agent", "{:.3f}"))
    for k, label, spec in rows:
        lines.append(f"| {label} | {fmt(R.get(k.format('orders'), {}).get('median'), spec)} | "
                     f"{fmt(R.get(k.format('root'), {}).get('median'), spec)} |")
    lines.append(f"| app CPU µs per span, on (sustainable rate, on − {base}) | "
                 f"{fmt(R['app_cpu_us_per_span_on']['median'], '{:.2f}')} | |")
    by_role = R.get("app_cpu_us_per_span_on_by_role") or {}
    if by_role:
        lines.append("| … of which, by app thread (µs per span): " + ", ".join(
            f"{k} {v:.2f}" for k, v in by_role.items() if k != "steady" and v is not None) + " | | |")
        lines.append(f"| … without the JIT compiler threads (the goal counts them) | {fmt(by_role.get('steady'))} | |")
    lines.append(f"| first 200 on ÷ {base} | {fmt(R.get(f'first_200_on/{base}', {}).get('median'), '{:.3f}')} | |")
    lines += report_warmup_cpu.markdown(s.get("warmup_cpu") or {}, m, brief)
    for group in ("issue 20", "issue 13"):
        gs = [g for g in result["goals"] if g.get("group", "issue 20") == group]
        if not gs:
            continue
        lines += ["", "Goals (issue 20, item 5):" if group == "issue 20" else "Kept from issue 13:", "",
                  "| goal | value | |", "|---|---:|---|"]
        for g in gs:
            mark = "n/a" if g["met"] is None else ("met" if g["met"] else "**missed**")
            lines.append(f"| {g['goal']} | {g['value'] or 'n/a'} | {mark} |")
    notes = [n for n in m.get("notes", []) if not (brief and n.startswith(METHOD_NOTES))]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, V = result["runs"], result["summary"]["variants"]
    shown = [v for v in VARIANTS if v in V]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = {"on": "#1f77b4", "shipped": "#2ca02c", "disabled": "#7f7f7f", "none": "#bcbd22", "agent": "#d62728"}
    width = 0.8 / len(shown)
    offset = lambda i: (i - (len(shown) - 1) / 2) * width
    ax = axes[0]
    for i, v in enumerate(shown):
        xs = [j + offset(i) for j in range(len(ENDPOINTS))]
        ax.bar(xs, [V[v][f"sat_rps_{ep}"] or 0 for ep in ENDPOINTS], width, label=v, color=colors[v])
        for j, ep in enumerate(ENDPOINTS):
            pts = [r["sat"][ep]["rps"] for r in runs if r["variant"] == v]
            ax.plot([xs[j]] * len(pts), pts, "k.", ms=3)
    ax.set_xticks(range(len(ENDPOINTS)), [ENDPOINTS[e].replace("42", "{id}") for e in ENDPOINTS])
    ax.set_ylabel("req/s (bar: median; dots: rounds)")
    ax.set_title("Saturation throughput (wrk)")
    ax.legend(fontsize=8)
    ps = ("p50", "p95", "p99")
    for k, (suffix, title) in enumerate((("", f"at 50% of the lowest saturation (~{result['summary']['fixed_rate']['orders']:.0f} req/s)"),
                                         ("_1k", f"at {result['summary']['rate_1k']:.0f} req/s"))):
        ax = axes[k + 1]
        for i, v in enumerate(shown):
            xs = [j + offset(i) for j in range(len(ps))]
            ax.bar(xs, [V[v][f"{p}_ms{suffix}_orders"] or 0 for p in ps], width, label=v, color=colors[v])
        ax.set_xticks(range(len(ps)), ps)
        ax.set_ylabel("ms, coordinated-omission corrected")
        ax.set_title(f"/orders/{{id}} latency {title}", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(f"Cost of observability · {result['meta']['machine']} · {result['meta']['started']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# The result block of docs/benchmark.md, between these two markers.
README_START = "<!-- bench/results/latest.json: start (bench/bench.py --readme writes this block; do not edit) -->"
README_END = "<!-- bench/results/latest.json: end -->"


def write_readme(result: dict, readme: Path) -> None:
    """Replaces the result block of `readme` (docs/benchmark.md: `bench/bench.py --readme docs/benchmark.md`) with
    the table rendered from the JSON (never retyped by hand)."""
    replace_block(readme, README_START, README_END, markdown(result, brief=True))


def replace_block(path: Path, start: str, end: str, body: str) -> None:
    """Replaces what stands between the markers `start` and `end` in `path` with `body` (also durability.py's)."""
    text = path.read_text()
    head, sep, rest = text.partition(start)
    _, sep2, tail = rest.partition(end)
    if not (sep and sep2):
        raise SystemExit(f"{path}: markers missing: {start} ... {end}")
    path.write_text(head + start + "\n\n" + body + "\n" + end + tail)
