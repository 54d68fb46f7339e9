"""The benchmark's goals, decided from the summary (report.summarize): issue 20's (item 5: what telemetry may cost
on top of the zero baseline `none`, steady state, the app on its own core; item 1: `disabled` as cheap as `none`)
and the checks kept from issue 13 that are not ratios (memory margins, delivery, the collector's CPU per span).
Warm-up, whole-task and CPU-check goals come from report_warmup_cpu.goals.

Each goal is {"goal", "value", "met", "group"}: met is None when the run lacks the figure.
"""

from __future__ import annotations

from settings import ENDPOINTS
import report_warmup_cpu

# Issue 13's collector goal per traces path (otel-collector-config.yaml's TRACES_EXPORTER).
COLLECTOR_GOAL = {"awsxray": 0.05, "otlp_http/xray": 0.02}
# Issue 20, item 1: `disabled` matches `none` "within noise". Allocation repeats within ~1 % between JVMs
# (docs/benchmark.md's A/B probe), throughput within a few %: these bands are that noise, stated.
SAME_THROUGHPUT = (0.95, 1.05)
SAME_ALLOC_FRACTION = 0.02


def goals(summary: dict, traces_exporter: str = "awsxray") -> list[dict]:
    R = lambda k: summary["ratios"].get(k, {}).get("median")
    V = summary["variants"]
    base = summary.get("baseline", "disabled")
    on = V.get("on", {})
    g: list[dict] = []

    def add(name, value, ok, fmt="{:.3f}", group="issue 20"):
        g.append({"goal": name, "value": None if value is None else fmt.format(value),
                  "met": None if value is None else bool(ok(value)), "group": group})

    for ep in ENDPOINTS:   # item 5: an unsampled request (as shipped: X-Ray's rule, 5 %) costs next to nothing
        add(f"shipped ÷ {base}: throughput >= 0.95 ({ep})", R(f"throughput_{ep}_shipped/{base}"), lambda v: v >= 0.95)
        add(f"shipped − {base}: app CPU <= +3 µs per request, saturation ({ep})", R(f"cpu_delta_{ep}_shipped-{base}"),
            lambda v: v <= 3.0, "{:+.1f}")
        add(f"shipped − {base}: allocation <= +1 KiB per request ({ep})", R(f"alloc_delta_{ep}_shipped-{base}"),
            lambda v: v <= 1024, "{:+.0f} B")
        add(f"shipped ÷ {base}: p99 @ 1,000 req/s <= 1.10 ({ep})", R(f"p99_1k_{ep}_shipped/{base}"),
            lambda v: v <= 1.10)
    # 100 % sampling: the cost per span, and against the agent
    add(f"on − {base}: app CPU per span <= 3 µs (sustainable rate, export included)", R("app_cpu_us_per_span_on"),
        lambda v: v <= 3.0, "{:.2f}")
    for ep in ENDPOINTS:
        add(f"on ÷ {base}: throughput >= 0.80 ({ep})", R(f"throughput_{ep}_on/{base}"), lambda v: v >= 0.80)
        add(f"on ÷ agent: throughput >= 1.3 ({ep})", R(f"throughput_{ep}_on/agent"), lambda v: v >= 1.3)
    if base == "none":   # item 1: the SDK switched off costs what no SDK costs
        lo, hi = SAME_THROUGHPUT
        for ep in ENDPOINTS:
            add(f"disabled ÷ none: throughput within {lo:.2f}–{hi:.2f} ({ep})", R(f"throughput_{ep}_disabled/none"),
                lambda v: lo <= v <= hi)
            alloc_none = V.get("none", {}).get(f"alloc_per_req_{ep}")
            d = R(f"alloc_delta_{ep}_disabled-none")
            add(f"disabled − none: allocation within ±{SAME_ALLOC_FRACTION:.0%} of none's ({ep})", d,
                lambda v: alloc_none is not None and abs(v) <= SAME_ALLOC_FRACTION * alloc_none, "{:+.0f} B")
    for x in report_warmup_cpu.goals(summary.get("warmup_cpu") or {}):
        g.append({**x, "group": "issue 20"})
    # Kept from issue 13: memory with margin, delivery, the collector's cost
    add("on: app RSS at saturation <= 75 % of its container", on.get("app_rss_sat_fraction"), lambda v: v <= 0.75,
        "{:.2f}", "issue 13")
    add("on: collector anonymous RSS (heap, stacks; max over the rate windows) <= 60 % of its container",
        on.get("collector_rss_anon_fraction"), lambda v: v <= 0.60, "{:.2f}", "issue 13")
    limit = COLLECTOR_GOAL.get(traces_exporter)
    if limit is not None:
        add(f"collector CPU-s per 1,000 spans, {traces_exporter} path, net of background (sustainable rate) "
            f"<= {limit}", on.get("sustainable_collector_cpu_s_per_1k_spans_net"), lambda v: v <= limit, "{:.4f}",
            "issue 13")
    add("delivery = 1.000 at the sustainable rate (on, worst round)", on.get("sustainable_delivery_min"),
        lambda v: v >= 0.9995, "{:.4f}", "issue 13")
    return g


def _self_check() -> None:
    """The goals against `none` on synthetic rounds (no benchmark needed); bench/run.sh runs this before every run:
    a ratio turned round, a window or unit mixed up, fails here, not after two hours of measuring. Each endpoint and
    window gets its own values, and each goal kind is seen both met and missed."""
    from report import summarize
    from render import markdown

    def run(variant, tag, rps, cpu_us, alloc, p99_1k=1.0, warm_s=20.0, whole=1000.0):
        """rps, cpu_us, alloc: {endpoint: value}; the 1,000 req/s window allocates 7 KiB more than the fixed-rate
        one, and its p99 is p99_1k where the fixed-rate window's is always 1.0."""
        lat = lambda ep, p99, extra: {"latency_ms": {"p50": 0.2, "p95": 0.4, "p99": p99},
                                      "alloc_per_req": alloc[ep] + extra, "late_sends": 0}
        su = {"collector_rss_max": 2**27, "app_cpu_us_per_req": cpu_us["orders"] * 3, "completed_requests": 10_000,
              "delivered_spans": 40_000, "collector_cpu_s": 1.0, "collector_cpu_s_net": 0.8,
              "collector_background_cpu_per_s": 0.005, "collector_drops": {},
              "app_role_us_per_req": {"http": cpu_us["orders"] * 2, "jit": cpu_us["orders"]}}
        sus = {"completed_requests": {ep: 1000 for ep in ENDPOINTS}, "delivered_spans": 5000, "collector_cpu_s": 0.1,
               "collector_drops": {}, "standins_cpu_s": 0.1}
        w = {"quiet": True, "seconds": warm_s, "warmup_s": warm_s + 4, "jit_cpu_s": 1.0, "compile_ms_total": 900.0,
             "app_cpu_s": 5.0}
        return {"variant": variant, "tag": tag,
                "sat": {ep: {"rps": rps[ep], "app_cpu_us_per_req": cpu_us[ep], "cpu": {}} for ep in ENDPOINTS},
                "rate": {ep: lat(ep, 1.0, 0) for ep in ENDPOINTS}, "rate_1k": {ep: lat(ep, p99_1k, 7168) for ep in ENDPOINTS},
                "first_200_s": 1.0, "app_rss_sat_max": 2**28, "app_rss_rate_max": 2**28, "collector_rss_max": 2**27,
                "collector_rss_anon_max": 2**26, "sustainable": su, "sustained": sus,
                "overload": {"completed_requests": {ep: 1000 for ep in ENDPOINTS}, "delivered_spans": 5000},
                "rates": {"low": {ep: 5000.0 for ep in ENDPOINTS}}, "warmup": w, "warmup_sat": w,
                "whole_task": {"requests_per_cpu_s": whole, "cpu_mode": "shared"}}

    E = lambda orders, root: {"orders": orders, "root": root}
    tags = ("r1", "r2", "r3")
    runs = ([run("none", t, E(20_000, 24_000), E(40.0, 30.0), E(15_000, 14_000)) for t in tags]
            + [run("disabled", t, E(19_900, 24_100), E(40.5, 30.2), E(15_100, 14_050)) for t in tags]
            # orders: +4 µs and +1,500 B (missed), p99 at 1,000 req/s 1.2x (missed); root: +2 µs, +500 B (met)
            + [run("shipped", t, E(19_500, 21_600), E(44.0, 32.0), E(16_500, 14_500), p99_1k=1.2, warm_s=36.0,
                   whole=850.0) for t in tags]
            + [run("on", t, E(12_000, 20_000), E(60.0, 40.0), E(20_000, 16_000)) for t in tags]
            + [run("agent", t, E(10_000, 14_000), E(70.0, 50.0), E(22_000, 18_000)) for t in tags])
    spans = {v: {"orders": 4, "root": 1} for v in ("on", "shipped", "agent")}
    summary = summarize(runs, spans, {"app": 704 * 2**20, "collector": 320 * 2**20})
    assert summary["baseline"] == "none", summary["baseline"]
    by = {x["goal"]: x for x in goals(summary)}

    def check(goal, value, met):
        hit = [x for name, x in by.items() if name.startswith(goal)]
        assert len(hit) == 1, (goal, list(by))
        assert (hit[0]["value"], hit[0]["met"]) == (value, met), (goal, hit[0])

    for goal, value, met in (   # (goal name prefix, rendered value, met)
            ("shipped ÷ none: throughput >= 0.95 (orders)", "0.975", True),
            ("shipped ÷ none: throughput >= 0.95 (root)", "0.900", False),
            ("shipped − none: app CPU <= +3 µs per request, saturation (orders)", "+4.0", False),
            ("shipped − none: app CPU <= +3 µs per request, saturation (root)", "+2.0", True),
            ("shipped − none: allocation <= +1 KiB per request (orders)", "+1500 B", False),
            ("shipped − none: allocation <= +1 KiB per request (root)", "+500 B", True),
            ("shipped ÷ none: p99 @ 1,000 req/s <= 1.10 (orders)", "1.200", False),
            ("on − none: app CPU per span <= 3 µs", "15.00", False),   # (180 - 120) µs per request ÷ 4 spans
            ("on ÷ none: throughput >= 0.80 (orders)", "0.600", False),
            ("on ÷ none: throughput >= 0.80 (root)", "0.833", True),
            ("on ÷ agent: throughput >= 1.3 (orders)", "1.200", False),
            ("on ÷ agent: throughput >= 1.3 (root)", "1.429", True),
            ("disabled ÷ none: throughput within 0.95–1.05 (orders)", "0.995", True),
            ("disabled − none: allocation within ±2% of none's (root)", "+50 B", True),
            ("warm-up: shipped time to JIT quiet ÷ none <= 1.5", "1.800", False),
            ("whole task (unpinned): requests per CPU-s shipped ÷ none >= 0.90", "0.850", False),
    ):
        check(goal, value, met)
    md = markdown({"summary": summary, "goals": list(by.values()),
                   "meta": {"started": "synthetic", "mode": "full", "rounds": 3, "machine": "-", "profile": {},
                            "notes": ["Delivery: …", "Shipped settings …"]}}, brief=True)
    assert "Delivery:" not in md and "Shipped settings" in md and "throughput shipped ÷ none" in md, md
    print("goals self-check: ok")


if __name__ == "__main__":
    _self_check()
