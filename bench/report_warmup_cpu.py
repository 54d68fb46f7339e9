"""The report's figures of issue 20's harness (items 2 and 3), derived from the raw runs: warm-up until the JIT is
quiet (per variant, on one CPU), the CPU check of every saturation window (the app's core full, the other CPUs
not), and the whole-task figure (requests per CPU-second of the app and the collector, nothing pinned).

Comparisons are against the zero baseline `none` when the run has it, else `disabled`. Runs recorded before
issue 20 have none of these figures: then every function here returns nothing and the report leaves them out.
"""

from __future__ import annotations

import statistics

from settings import ENDPOINTS, VARIANTS   # settings first: it puts e2e/ on sys.path (cpus.py uses harness.py)
from cpus import APP_BUSY_MIN, APP_SHARE_MIN, OTHER_BUSY_MAX, check as cpu_check


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def baseline(variants) -> str:
    return "none" if "none" in variants else "disabled"


def pinned_warmups(r: dict) -> list[dict]:
    """The warm-ups of a round's pinned passes (saturation and latency): one CPU, as the issue asks."""
    return [w for w in (r.get("warmup_sat"), r.get("warmup")) if w]


def summarize(runs: list[dict]) -> dict:
    """Per variant: warm-up, CPU and whole-task figures; per round: the CPU check; per-round ratios to the
    baseline. {} for runs without them."""
    if not any(r.get("warmup") for r in runs):
        return {}
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in runs)]
    base = baseline(variants)
    per: dict[str, dict] = {}
    for v in variants:
        rs = [r for r in runs if r["variant"] == v]
        ws = [w for r in rs for w in pinned_warmups(r)]
        cpu = [r["sat"][ep].get("cpu") or {} for r in rs for ep in ENDPOINTS]
        per[v] = {
            "warmup_s": med([w["seconds"] for w in ws if w.get("quiet")]),
            "warmup_quiet": sum(1 for w in ws if w.get("quiet")), "warmup_jvms": len(ws),
            "warmup_total_s": med([w["warmup_s"] for w in ws]),
            "jit_cpu_s": med([w["jit_cpu_s"] for w in ws]),
            "compile_s": med([w["compile_ms_total"] / 1e3 for w in ws]),
            "warmup_app_cpu_s": med([w["app_cpu_s"] for w in ws]),
            "app_core_busy_min": min([c["app_core_busy"] for c in cpu if c.get("app_core_busy") is not None],
                                     default=None),
            "app_process_share_min": min([c["app_process_share"] for c in cpu if c.get("app_process_share")
                                          is not None], default=None),
            "other_busy_max": max([c["other_busy_max"] for c in cpu if c.get("other_busy_max") is not None],
                                  default=None),
            "whole_task_rps_per_cpu_s": med([(r.get("whole_task") or {}).get("requests_per_cpu_s") for r in rs]),
            "whole_task_modes": sorted({r["whole_task"].get("cpu_mode") for r in rs if r.get("whole_task")}),
        }
    rounds = sorted({r["tag"] for r in runs})
    checks = {t: {r["variant"]: {ep: r["sat"][ep].get("cpu") or {} for ep in ENDPOINTS}
                  for r in runs if r["tag"] == t} for t in rounds}

    def pair(fn, a):   # per-round a ÷ baseline, then the median
        vals = []
        for t in rounds:
            ra = [r for r in runs if r["tag"] == t and r["variant"] == a]
            rb = [r for r in runs if r["tag"] == t and r["variant"] == base]
            if ra and rb:
                vals.append(ratio(fn(ra[0]), fn(rb[0])))
        return {"median": med(vals), "per_round": vals}

    def warm(key):   # a round's pinned warm-ups of one variant, median (None if any did not reach quiet)
        def fn(r):
            ws = pinned_warmups(r)
            if key == "seconds" and not all(w.get("quiet") for w in ws):
                return None
            return med([w[key] for w in ws])
        return fn

    ratios = {}
    for v in variants:
        if v == base:
            continue
        ratios[f"warmup_s_{v}/{base}"] = pair(warm("seconds"), v)
        ratios[f"jit_cpu_s_{v}/{base}"] = pair(warm("jit_cpu_s"), v)
        # Only like with like: a smoke run has the unpinned pass for one variant, the others' figure is pinned.
        ratios[f"whole_task_{v}/{base}"] = pair(lambda r: (r.get("whole_task") or {}).get("requests_per_cpu_s")
                                                if (r.get("whole_task") or {}).get("cpu_mode") == "shared" else None, v)
    return {"baseline": base, "variants": per, "ratios": ratios, "checks": checks}


def goals(h: dict) -> list[dict]:
    """Issue 20's goals that these figures decide: warm-up and the whole task (item 5), and the CPU check."""
    if not h:
        return []
    base, R = h["baseline"], h["ratios"]
    g = []

    def add(name, value, ok, fmt="{:.3f}"):
        g.append({"goal": name, "value": None if value is None else fmt.format(value),
                  "met": None if value is None else bool(ok(value))})

    add(f"warm-up: shipped time to JIT quiet ÷ {base} <= 1.5 (one CPU)",
        R.get(f"warmup_s_shipped/{base}", {}).get("median"), lambda v: v <= 1.5)
    add(f"whole task (unpinned): requests per CPU-s shipped ÷ {base} >= 0.90",
        R.get(f"whole_task_shipped/{base}", {}).get("median"), lambda v: v >= 0.90)
    results = [cpu_check(c) for rnd in h["checks"].values() for eps in rnd.values() for c in eps.values()]
    results = [x for x in results if x is not None]
    if results:
        g.append({"goal": f"CPU check: app's core >= {APP_BUSY_MIN:.0%} busy (>= {APP_SHARE_MIN:.0%} by the app) "
                          f"and other CPUs < {OTHER_BUSY_MAX:.0%} in every saturation window", "value": f"{sum(results)} of {len(results)}",
                  "met": all(results)})
    return g


def fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


def markdown(h: dict, meta: dict) -> list[str]:
    """The warm-up, CPU and whole-task tables (lines of Markdown); [] for runs without them."""
    if not h:
        return []
    V, R, base = h["variants"], h["ratios"], h["baseline"]
    shown = [v for v in VARIANTS if v in V]
    lay = meta.get("cpu_layout") or {}
    wcfg = meta.get("warmup") or {}
    where = (f"app JVM alone on CPU {lay.get('app')}, everything else on CPU {lay.get('other')}"
             if lay.get("mode") == "pinned" else f"nothing pinned{': ' + lay['note'] if lay.get('note') else ''}")
    lines = ["", f"Warm-up until the JIT is quiet ({where}; < {fmt(wcfg.get('quiet_ms_per_s'), '{:g}')} ms of "
             f"compilation per s in {wcfg.get('quiet_cycles')} cycle(s) of wrk in a row, {fmt(wcfg.get('slice_s'), '{:g}')} s "
             f"per endpoint, at most {fmt(wcfg.get('max_s'), '{:g}')} s; median over the pinned JVMs):", "",
             "| warm-up | " + " | ".join(shown) + " |", "|---|" + "---:|" * len(shown)]
    rows = [("time to JIT quiet, s (from the first 200, saturating load)", "warmup_s", "{:.1f}"),
            ("warm-ups that reached quiet", None, None),
            ("warm-up length, s (to the end of the quiet cycles or the cap)", "warmup_total_s", "{:.1f}"),
            ("JIT compiler threads' CPU-s, JVM start to end of warm-up", "jit_cpu_s", "{:.2f}"),
            ("JIT compilation time, s (CompilationMXBean, elapsed; JVM start to end of warm-up)", "compile_s", "{:.2f}"),
            ("app CPU-s during warm-up", "warmup_app_cpu_s", "{:.1f}")]
    for label, key, spec in rows:
        if key is None:
            cells = [f"{V[v]['warmup_quiet']} of {V[v]['warmup_jvms']}" for v in shown]
        else:
            cells = [fmt(V[v].get(key), spec) for v in shown]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "CPU at saturation and the whole task:", "",
              "| figure | " + " | ".join(shown) + " |", "|---|" + "---:|" * len(shown)]
    for label, key, spec in (("app's core busy, min over rounds and endpoints", "app_core_busy_min", "{:.2f}"),
                             ("… of it the app process, min", "app_process_share_min", "{:.2f}"),
                             ("other CPUs busy, max", "other_busy_max", "{:.2f}")):
        lines.append(f"| {label} | " + " | ".join(fmt(V[v].get(key), spec) for v in shown) + " |")
    # Nothing pinned is the figure; a variant without the unpinned pass (smoke) shows its pinned pass's, marked.
    lines.append("| whole task: requests per CPU-s, app + collector (saturation, both endpoints, nothing pinned) | "
                 + " | ".join(fmt(V[v].get("whole_task_rps_per_cpu_s"), "{:.0f}")
                              + ("" if V[v].get("whole_task_modes") in (["shared"], [])
                                 else f" ({'/'.join(V[v]['whole_task_modes'])})") for v in shown) + " |")
    lines += ["", f"Per-pair ratios to `{base}` (median of per-round ratios, and each round):", "",
              "| ratio | median | per round |", "|---|---:|---|"]
    for v in shown:
        if v == base:
            continue
        for key, label in ((f"warmup_s_{v}/{base}", f"time to JIT quiet {v} ÷ {base}"),
                           (f"jit_cpu_s_{v}/{base}", f"JIT CPU-s {v} ÷ {base}"),
                           (f"whole_task_{v}/{base}", f"whole task requests per CPU-s {v} ÷ {base}")):
            x = R.get(key, {})
            lines.append(f"| {label} | {fmt(x.get('median'), '{:.3f}')} | "
                         + ", ".join(fmt(p, "{:.3f}") for p in x.get("per_round", [])) + " |")
    if lay.get("mode") == "pinned":
        lines += ["", f"CPU check per round (saturation windows /orders/{{id}} · /: the app's core busy / the app "
                      f"process's share of it / the other CPUs' max; ok = app's core >= {APP_BUSY_MIN:.0%}, "
                      f"app >= {APP_SHARE_MIN:.0%}, others < {OTHER_BUSY_MAX:.0%}):", "",
                  "| round | " + " | ".join(shown) + " |", "|---|" + "---|" * len(shown)]
        for t, rnd in h["checks"].items():
            cells = []
            for v in shown:
                eps = rnd.get(v, {})
                parts = [f"{fmt(c.get('app_core_busy'))}/{fmt(c.get('app_process_share'))}/"
                         f"{fmt(c.get('other_busy_max'))}" for c in eps.values()]
                ok = [cpu_check(c) for c in eps.values()]
                cells.append(" · ".join(parts) + (" ok" if ok and all(ok) else " **no**") if parts else "n/a")
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return lines
