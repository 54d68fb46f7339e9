"""The report: the per-variant summary and the per-round ratios and differences against the zero baseline, derived
from the raw runs (the goals they decide: goals.py), rendered by render.py.
Issue 20's warm-up, CPU-check and whole-task figures come from report_warmup_cpu.py.
"""

from __future__ import annotations

from settings import ENDPOINTS, FIXED_RPS, NO_TELEMETRY, VARIANTS
import report_warmup_cpu
from report_warmup_cpu import med, ratio


def diff(a, b):
    return None if a is None or b is None else a - b


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
                s[f"jit_ms{suffix}_{ep}"] = med([r[key][ep].get("jit_ms") for r in rs])
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

    def pair(metric_fn, a, b, op=None):   # per-round a/b (or op(a, b)), then the median
        vals = []
        for t in rounds:
            ra = [r for r in runs if r["tag"] == t and r["variant"] == a]
            rb = [r for r in runs if r["tag"] == t and r["variant"] == b]
            if ra and rb:
                vals.append((op or ratio)(metric_fn(ra[0]), metric_fn(rb[0])))
        return {"median": med(vals), "per_round": vals}

    # Ratios and differences against the zero baseline `none` (issue 20), or `disabled` in runs without it.
    base = report_warmup_cpu.baseline(per)
    ratios = {}
    pairs = [(a, b) for a, b in (("shipped", base), ("on", base), ("on", "agent"), ("agent", base),
                                 ("disabled", base)) if a != b]
    for ep in ENDPOINTS:
        for a_, b_ in pairs:
            ratios[f"throughput_{ep}_{a_}/{b_}"] = pair(lambda r: r["sat"][ep]["rps"], a_, b_)
            ratios[f"p99_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"p99_1k_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate_1k"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"alloc_{ep}_{a_}/{b_}"] = pair(lambda r: r["rate"][ep]["alloc_per_req"], a_, b_)
            # What a request costs on top of the baseline: app CPU at saturation (steady state: after the warm-up
            # until the JIT is quiet) and allocation in the fixed-rate window, per round a - b, then the median.
            ratios[f"cpu_delta_{ep}_{a_}-{b_}"] = pair(lambda r: r["sat"][ep]["app_cpu_us_per_req"], a_, b_, diff)
            ratios[f"alloc_delta_{ep}_{a_}-{b_}"] = pair(lambda r: r["rate"][ep]["alloc_per_req"], a_, b_, diff)
    for a_ in ("on", "shipped", "agent", "disabled"):
        if a_ != base:
            ratios[f"first_200_{a_}/{base}"] = pair(lambda r: r["first_200_s"], a_, base)
    # App CPU per span at 100 % sampling: (on - base) CPU per /orders/{id} request at the sustainable rate,
    # per round, divided by the spans one such request makes; the same per thread role (http = the request path,
    # span-processor, exporter, jit, gc, other), and without the compiler threads ("steady").
    per_span, role_span = [], {}
    n = spans_per_req.get("on", {}).get("orders")
    for t in rounds:
        on_ = [r for r in runs if r["tag"] == t and r["variant"] == "on"]
        off = [r for r in runs if r["tag"] == t and r["variant"] == base]
        if not (on_ and off and n):
            continue
        a_su, b_su = on_[0]["sustainable"], off[0]["sustainable"]
        per_span.append((a_su["app_cpu_us_per_req"] - b_su["app_cpu_us_per_req"]) / n)
        if "app_role_us_per_req" in a_su and "app_role_us_per_req" in b_su:
            a_roles, b_roles = a_su["app_role_us_per_req"], b_su["app_role_us_per_req"]
            for k in set(a_roles) | set(b_roles):
                role_span.setdefault(k, []).append((a_roles.get(k, 0.0) - b_roles.get(k, 0.0)) / n)
            role_span.setdefault("steady", []).append(
                sum(a_roles.get(k, 0.0) - b_roles.get(k, 0.0) for k in set(a_roles) | set(b_roles) if k != "jit") / n)
    ratios["app_cpu_us_per_span_on"] = {"median": med(per_span), "per_round": per_span}
    ratios["app_cpu_us_per_span_on_by_role"] = {k: med(v) for k, v in sorted(role_span.items())}
    low = {ep: med([r["rates"]["low"][ep] for r in runs]) for ep in ENDPOINTS}
    return {"baseline": base, "variants": per, "ratios": ratios, "fixed_rate": low, "rate_1k": FIXED_RPS,
            "spans_per_request": spans_per_req, "limits_bytes": limits,
            "warmup_cpu": report_warmup_cpu.summarize(runs)}
