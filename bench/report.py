"""The report: the per-variant summary and the per-round ratios derived from the raw runs, the goals of issue 13,
the markdown table (results/latest.md, and the result block of docs/benchmark.md) and the plot (latest.png).
Issue 20's warm-up, CPU-check and whole-task figures come from report_warmup_cpu.py.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from settings import ENDPOINTS, FIXED_RPS, NO_TELEMETRY, VARIANTS
import report_warmup_cpu


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def summarize(runs: list[dict], spans_per_req: dict, limits: dict) -> dict:
    by = {v: [r for r in runs if r["variant"] == v] for v in VARIANTS}
    rounds = sorted({r["tag"] for r in runs})
    per = {}
    for v, rs in by.items():
        if not rs:
            continue
        s = {}
        for ep in ENDPOINTS:
            s[f"sat_rps_{ep}"] = med([r["sat"][ep]["rps"] for r in rs])
            s[f"alloc_per_req_{ep}"] = med([r["rate"][ep]["alloc_per_req"] for r in rs])
            s[f"app_cpu_us_per_req_{ep}"] = med([r["sat"][ep]["app_cpu_us_per_req"] for r in rs])
            for key, suffix in (("rate", ""), ("rate_1k", "_1k")):
                for p in ("p50", "p95", "p99"):
                    s[f"{p}_ms{suffix}_{ep}"] = med([(r[key][ep]["latency_ms"] or {}).get(p) for r in rs])
            s[f"late_sends_{ep}"] = med([r["rate"][ep]["late_sends"] for r in rs])
        s["first_200_s"] = med([r["first_200_s"] for r in rs])
        s["app_rss_mib"] = med([max(r["app_rss_sat_max"], r["app_rss_rate_max"]) / 2**20 for r in rs])
        s["app_rss_sat_fraction"] = med([r["app_rss_sat_max"] / limits["app"] for r in rs])
        # The health check runs in the same container: both at once is the container's worst case.
        hc = [r.get("healthcheck_rss_max") for r in rs if r.get("healthcheck_rss_max")]
        s["healthcheck_rss_mib"] = med([h / 2**20 for h in hc])
        s["healthcheck_cpu_ms"] = med([r["healthcheck_cpu_ms"] for r in rs if r.get("healthcheck_cpu_ms") is not None])
        s["app_container_sat_fraction"] = med([(r["app_rss_sat_max"] + r["healthcheck_rss_max"]) / limits["app"]
                                               for r in rs if r.get("healthcheck_rss_max")])
        s["collector_rss_mib"] = med([r["collector_rss_max"] / 2**20 for r in rs])
        s["collector_rss_anon_mib"] = med([r["collector_rss_anon_max"] / 2**20 for r in rs])
        s["collector_rss_sustainable_fraction"] = med([r["sustainable"]["collector_rss_max"] / limits["collector"]
                                                       for r in rs])
        # The anonymous part (Go heap, stacks) is what a memory limit cannot reclaim; the rest of the RSS is the
        # 211 MiB binary's file-backed pages, which the kernel drops and re-reads under the cgroup limit. Max over
        # the rate windows (heavier than the sustainable one): an upper bound.
        s["collector_rss_anon_fraction"] = med([r["collector_rss_anon_max"] / limits["collector"] for r in rs])
        s["sustainable_app_cpu_us_per_req"] = med([r["sustainable"]["app_cpu_us_per_req"] for r in rs])
        if v not in NO_TELEMETRY:
            sdel, scoll, snet, sbg, sdrops = [], [], [], [], []
            for r in rs:
                su = r["sustainable"]
                su["expected_spans"] = su["completed_requests"] * spans_per_req[v]["orders"]
                su["delivery"] = ratio(su["delivered_spans"], su["expected_spans"])
                sdel.append(su["delivery"])
                if su["delivered_spans"]:
                    scoll.append(su["collector_cpu_s"] / su["delivered_spans"] * 1000)
                    snet.append(su["collector_cpu_s_net"] / su["delivered_spans"] * 1000)
                sbg.append(su["collector_background_cpu_per_s"])
                sdrops.append(sum(su["collector_drops"].values()))
            # `shipped` samples: its "delivery" is the sampled share (X-Ray's rule), not a loss figure.
            s["sustainable_delivery"] = med(sdel)
            s["sustainable_delivery_min"] = min([d for d in sdel if d is not None], default=None)
            s["sustainable_collector_cpu_s_per_1k_spans"] = med(scoll)
            s["sustainable_collector_cpu_s_per_1k_spans_net"] = med(snet)
            s["collector_background_cpu_per_s"] = med(sbg)
            s["sustainable_collector_drops"] = med(sdrops)
            dels, coll, drops, ovl = [], [], [], []
            for r in rs:
                sus = r["sustained"]
                exp = sum(sus["completed_requests"][ep] * spans_per_req[v][ep] for ep in ENDPOINTS)
                sus["expected_spans"] = exp
                sus["delivery"] = ratio(sus["delivered_spans"], exp)
                dels.append(sus["delivery"])
                if sus["delivered_spans"]:
                    coll.append(sus["collector_cpu_s"] / sus["delivered_spans"] * 1000)
                drops.append(sum(sus["collector_drops"].values()))
                o = r["overload"]
                o_exp = sum(o["completed_requests"][ep] * spans_per_req[v][ep] for ep in ENDPOINTS)
                o["expected_spans"] = o_exp
                o["delivery"] = ratio(o["delivered_spans"], o_exp)
                ovl.append(o["delivery"])
            s["delivery"] = med(dels)
            s["delivery_min"] = min([d for d in dels if d is not None], default=None)
            s["collector_cpu_s_per_1k_spans"] = med(coll)
            s["collector_drops"] = med(drops)
            s["overload_delivery"] = med(ovl)
            s["sdk_dropped_spans"] = med([sum(v for k, v in r["sdk_span_counters"].items() if "dropped=true" in k)
                                          for r in rs if r.get("sdk_span_counters")])
            s["sdk_processed_spans"] = med([sum(v for k, v in r["sdk_span_counters"].items()
                                                if "dropped=false" in k)
                                            for r in rs if r.get("sdk_span_counters")])
            s["standins_cpu_s_per_1k_spans"] = med([
                r["sustained"]["standins_cpu_s"] / r["sustained"]["delivered_spans"] * 1000
                for r in rs if r["sustained"]["delivered_spans"]])
        per[v] = s

    def pair(metric_fn, a, b):   # per-round ratio a/b, then the median
        vals = []
        for t in rounds:
            ra = [r for r in runs if r["tag"] == t and r["variant"] == a]
            rb = [r for r in runs if r["tag"] == t and r["variant"] == b]
            if ra and rb:
                vals.append(ratio(metric_fn(ra[0]), metric_fn(rb[0])))
        return {"median": med(vals), "per_round": vals}

    ratios = {}
    pairs = (("on", "disabled"), ("shipped", "disabled"), ("on", "agent"), ("agent", "disabled"), ("disabled", "none"))
    for ep in ENDPOINTS:
        for a_, b_ in pairs:
            ratios[f"throughput_{ep}_{a_}/{b_}"] = pair(lambda r: r["sat"][ep]["rps"], a_, b_)
            ratios[f"p99_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"p99_1k_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate_1k"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"alloc_{ep}_{a_}/{b_}"] = pair(lambda r: r["rate"][ep]["alloc_per_req"], a_, b_)
    for a_, b_ in (("on", "disabled"), ("shipped", "disabled"), ("agent", "disabled")):
        ratios[f"first_200_{a_}/{b_}"] = pair(lambda r: r["first_200_s"], a_, b_)
    # App CPU per span at 100 % sampling: (on - disabled) CPU per /orders/{id} request at the sustainable rate,
    # per round, divided by the spans one such request makes.
    per_span = []
    for t in rounds:
        on_ = [r for r in runs if r["tag"] == t and r["variant"] == "on"]
        off = [r for r in runs if r["tag"] == t and r["variant"] == "disabled"]
        if on_ and off and spans_per_req.get("on", {}).get("orders"):
            per_span.append((on_[0]["sustainable"]["app_cpu_us_per_req"] - off[0]["sustainable"]["app_cpu_us_per_req"])
                            / spans_per_req["on"]["orders"])
    ratios["app_cpu_us_per_span_on"] = {"median": med(per_span), "per_round": per_span}
    # The same per thread role (http = the request path, span-processor, exporter, jit, gc, other); the
    # steady-state figure leaves out the compiler threads (a warm-up cost: bench/profile.py).
    role_span: dict[str, list[float]] = {}
    for t in rounds:
        on_ = [r for r in runs if r["tag"] == t and r["variant"] == "on"]
        off = [r for r in runs if r["tag"] == t and r["variant"] == "disabled"]
        n = spans_per_req.get("on", {}).get("orders")
        if on_ and off and n and "app_role_us_per_req" in on_[0]["sustainable"]:
            a_roles, b_roles = on_[0]["sustainable"]["app_role_us_per_req"], off[0]["sustainable"]["app_role_us_per_req"]
            for k in set(a_roles) | set(b_roles):
                role_span.setdefault(k, []).append((a_roles.get(k, 0.0) - b_roles.get(k, 0.0)) / n)
            role_span.setdefault("steady", []).append(
                sum(a_roles.get(k, 0.0) - b_roles.get(k, 0.0) for k in set(a_roles) | set(b_roles) if k != "jit") / n)
    ratios["app_cpu_us_per_span_on_by_role"] = {k: med(v) for k, v in sorted(role_span.items())}
    low = {ep: med([r["rates"]["low"][ep] for r in runs]) for ep in ENDPOINTS}
    return {"variants": per, "ratios": ratios, "fixed_rate": low, "rate_1k": FIXED_RPS,
            "spans_per_request": spans_per_req, "limits_bytes": limits,
            "warmup_cpu": report_warmup_cpu.summarize(runs)}


# Issue 13's collector goal per traces path (otel-collector-config.yaml's TRACES_EXPORTER).
COLLECTOR_GOAL = {"awsxray": 0.05, "otlp_http/xray": 0.02}


def goals(summary: dict, traces_exporter: str = "awsxray") -> list[dict]:
    R = lambda k: summary["ratios"].get(k, {}).get("median")
    V = summary["variants"]
    on, shipped = V.get("on", {}), V.get("shipped", {})
    g = []

    def add(name, value, ok, fmt="{:.3f}"):
        g.append({"goal": name, "value": None if value is None else fmt.format(value),
                  "met": None if value is None else bool(ok(value))})

    for ep in ENDPOINTS:   # issue 13, item 1: what ships
        add(f"shipped: throughput ÷ disabled >= 0.95 ({ep})", R(f"throughput_{ep}_shipped/disabled"), lambda v: v >= 0.95)
        add(f"shipped: p99 @ 50% of lowest saturation ÷ disabled <= 1.10 ({ep})", R(f"p99_{ep}_shipped/disabled"),
            lambda v: v <= 1.10)
        add(f"shipped: p99 @ 1,000 req/s ÷ disabled <= 1.10 ({ep})", R(f"p99_1k_{ep}_shipped/disabled"),
            lambda v: v <= 1.10)
        add(f"shipped: alloc/request ÷ disabled <= 1.05 ({ep})", R(f"alloc_{ep}_shipped/disabled"), lambda v: v <= 1.05)
    # item 3: 100 % sampling
    add("on: app CPU per span incl. export <= 3 µs (sustainable rate)", R("app_cpu_us_per_span_on"),
        lambda v: v <= 3.0, "{:.2f}")
    steady = summary["ratios"].get("app_cpu_us_per_span_on_by_role", {}).get("steady")
    add("on: … the same without the JIT compiler threads (steady state) <= 3 µs", steady, lambda v: v <= 3.0,
        "{:.2f}")
    add("on: throughput ÷ disabled >= 0.75 (orders)", R("throughput_orders_on/disabled"), lambda v: v >= 0.75)
    for ep in ENDPOINTS:
        add(f"on: p99 @ 1,000 req/s ÷ disabled <= 1.5 ({ep})", R(f"p99_1k_{ep}_on/disabled"), lambda v: v <= 1.5)
        add(f"on: alloc/request ÷ disabled <= 1.10 ({ep})", R(f"alloc_{ep}_on/disabled"), lambda v: v <= 1.10)
        add(f"on: throughput ÷ agent >= 1.10 ({ep})", R(f"throughput_{ep}_on/agent"), lambda v: v >= 1.10)
    # item 4: memory with margin
    add("on: app RSS at saturation <= 75 % of its container", on.get("app_rss_sat_fraction"), lambda v: v <= 0.75,
        "{:.2f}")
    add("on: collector RSS at the sustainable rate <= 60 % of its container",
        on.get("collector_rss_sustainable_fraction"), lambda v: v <= 0.60, "{:.2f}")
    add("on: collector anonymous RSS (heap, stacks; max over the rate windows) <= 60 % of its container",
        on.get("collector_rss_anon_fraction"), lambda v: v <= 0.60, "{:.2f}")
    # item 5: collector cost, background work left out
    limit = COLLECTOR_GOAL.get(traces_exporter)
    if limit is not None:
        add(f"collector CPU-s per 1,000 spans, {traces_exporter} path, net of background (sustainable rate) "
            f"<= {limit}", on.get("sustainable_collector_cpu_s_per_1k_spans_net"), lambda v: v <= limit, "{:.4f}")
    add("delivery = 1.000 at the sustainable rate (on, worst round)", on.get("sustainable_delivery_min"),
        lambda v: v >= 0.9995, "{:.4f}")
    add("first 200 on ÷ disabled <= 1.3", R("first_200_on/disabled"), lambda v: v <= 1.3)
    g += report_warmup_cpu.goals(summary.get("warmup_cpu") or {})
    return g


def fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


def markdown(result: dict) -> str:
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
        ("allocated KiB/request /orders/{id}", "alloc_per_req_orders", "{:.1f}"),
        ("allocated KiB/request /", "alloc_per_req_root", "{:.1f}"),
        ("app CPU µs/request (saturation) /orders/{id}", "app_cpu_us_per_req_orders", "{:.0f}"),
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
    lines += ["", "Per-pair ratios (median of per-round ratios):", "",
              "| ratio | /orders/{id} | / |", "|---|---:|---:|"]
    for k, label in (("throughput_{}_shipped/disabled", "throughput shipped ÷ disabled"),
                     ("throughput_{}_on/disabled", "throughput on ÷ disabled"),
                     ("throughput_{}_on/agent", "throughput on ÷ agent"),
                     ("throughput_{}_agent/disabled", "throughput agent ÷ disabled"),
                     ("p99_{}_shipped/disabled", "p99 @ 50% of lowest saturation shipped ÷ disabled"),
                     ("p99_1k_{}_shipped/disabled", "p99 @ 1,000 req/s shipped ÷ disabled"),
                     ("p99_{}_on/disabled", "p99 @ 50% of lowest saturation on ÷ disabled"),
                     ("p99_1k_{}_on/disabled", "p99 @ 1,000 req/s on ÷ disabled"),
                     ("p99_1k_{}_agent/disabled", "p99 @ 1,000 req/s agent ÷ disabled"),
                     ("alloc_{}_shipped/disabled", "alloc/request shipped ÷ disabled"),
                     ("alloc_{}_on/disabled", "alloc/request on ÷ disabled"),
                     ("alloc_{}_agent/disabled", "alloc/request agent ÷ disabled")):
        lines.append(f"| {label} | {fmt(R.get(k.format('orders'), {}).get('median'), '{:.3f}')} | "
                     f"{fmt(R.get(k.format('root'), {}).get('median'), '{:.3f}')} |")
    lines.append(f"| app CPU µs per span, on (sustainable rate, on − disabled) | "
                 f"{fmt(R['app_cpu_us_per_span_on']['median'], '{:.2f}')} | |")
    by_role = R.get("app_cpu_us_per_span_on_by_role") or {}
    if by_role:
        lines.append("| … of which, by app thread (µs per span): " + ", ".join(
            f"{k} {v:.2f}" for k, v in by_role.items() if k != "steady" and v is not None) + " | | |")
    lines.append(f"| first 200 on ÷ disabled | {fmt(R.get('first_200_on/disabled', {}).get('median'), '{:.3f}')} | |")
    lines += report_warmup_cpu.markdown(s.get("warmup_cpu") or {}, m)
    lines += ["", "Goals (issues 13 and 20):", "", "| goal | value | |", "|---|---:|---|"]
    for g in result["goals"]:
        mark = "n/a" if g["met"] is None else ("met" if g["met"] else "**missed**")
        lines.append(f"| {g['goal']} | {g['value'] or 'n/a'} | {mark} |")
    if m.get("notes"):
        lines += [""] + [f"- {n}" for n in m["notes"]]
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
    text = readme.read_text()
    head, sep, rest = text.partition(README_START)
    _, sep2, tail = rest.partition(README_END)
    if not (sep and sep2):
        raise SystemExit(f"{readme}: markers missing: {README_START} ... {README_END}")
    readme.write_text(head + README_START + "\n\n" + markdown(result) + "\n" + README_END + tail)
