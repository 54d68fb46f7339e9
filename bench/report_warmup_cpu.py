"""The report's figures of issue 20's harness (items 2 and 3), derived from the raw runs: warm-up until the JIT is
quiet (per variant, on one CPU), the CPU check of every saturation window (the app's core full, the other CPUs
not), and the whole-task figure (requests per CPU-second of the app and the collector, nothing pinned).

Comparisons are against the zero baseline `none` when the run has it, else `disabled`. Runs recorded before
issue 20 have none of these figures: then every function here returns nothing and the report leaves them out.

A warm-up that hit the cap without getting quiet is censored: its time to quiet is at least its length (the cap),
never left out (that would judge a variant on its best JVMs). A round's ratio is then a bound (`>=` when the
variant is censored, `<=` when the baseline is, unknown when both are), and the warm-up goal is missed when the
variant is censored in a round where the baseline is not. `python3 report_warmup_cpu.py` checks this on synthetic
rounds (bench/run.sh --smoke runs it first).
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


def censored_med(values):
    """Median of (value, censored) pairs, censored ones at their lower bound: (median, "=" exact or ">=" a lower
    bound, since the true median is at least this)."""
    values = [(x, c) for x, c in values if x is not None]
    if not values:
        return None, "="
    return statistics.median(x for x, _ in values), ">=" if any(c for _, c in values) else "="


def bounded_ratio(a, b):
    """(ratio, bound) of two censored_med results: a censored variant gives a lower bound, a censored baseline an
    upper bound, both censored nothing."""
    (x, ca), (y, cb) = a, b
    r = ratio(x, y)
    if r is None or (ca == ">=" and cb == ">="):
        return None, "?"
    return r, ">=" if ca == ">=" else "<=" if cb == ">=" else "="


def warm_seconds(r: dict):
    """A round's time to JIT quiet over its pinned warm-ups: a capped one counts as its length (>= the cap)."""
    return censored_med([(w["seconds"], False) if w.get("quiet") else (w.get("warmup_s"), True)
                         for w in pinned_warmups(r)])


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
            "warmup_s": censored_med([(w["seconds"], False) if w.get("quiet") else (w.get("warmup_s"), True)
                                      for w in ws]),
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

    def warm(key):   # a round's pinned warm-ups of one variant, median
        return lambda r: med([w[key] for w in pinned_warmups(r)])

    def pair_censored(a):   # time to quiet: per-round bounded ratios; the median is exact only if every round is
        vals, bounds = [], []
        for t in rounds:
            ra = [r for r in runs if r["tag"] == t and r["variant"] == a]
            rb = [r for r in runs if r["tag"] == t and r["variant"] == base]
            if ra and rb:
                v, b = bounded_ratio(warm_seconds(ra[0]), warm_seconds(rb[0]))
                vals.append(v)
                bounds.append(b)
        known = [v for v in vals if v is not None]
        m = statistics.median(known) if known and "?" not in bounds and "<=" not in bounds else None
        return {"median": m, "median_bound": ">=" if ">=" in bounds else "=", "per_round": vals, "bounds": bounds}

    ratios = {}
    for v in variants:
        if v == base:
            continue
        ratios[f"warmup_s_{v}/{base}"] = pair_censored(v)
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

    g.append(warmup_goal(R.get(f"warmup_s_shipped/{base}", {}), base))
    add(f"whole task (unpinned): requests per CPU-s shipped ÷ {base} >= 0.90",
        R.get(f"whole_task_shipped/{base}", {}).get("median"), lambda v: v >= 0.90)
    results = [cpu_check(c) for rnd in h["checks"].values() for eps in rnd.values() for c in eps.values()]
    results = [x for x in results if x is not None]
    if results:
        g.append({"goal": f"CPU check: app's core >= {APP_BUSY_MIN:.0%} busy (>= {APP_SHARE_MIN:.0%} by the app) "
                          f"and other CPUs < {OTHER_BUSY_MAX:.0%} in every saturation window", "value": f"{sum(results)} of {len(results)}",
                  "met": all(results)})
    return g


def warmup_goal(x: dict, base: str) -> dict:
    """Time to JIT quiet, shipped ÷ baseline <= 1.5. Missed when shipped hit the cap in a round where the
    baseline got quiet (at least cap ÷ baseline, whatever the other rounds say) or when a lower bound already
    exceeds 1.5; n/a only when the baseline itself hit the cap (or there is no such ratio)."""
    name = f"warm-up: shipped time to JIT quiet ÷ {base} <= 1.5 (one CPU; a capped warm-up counts as the cap)"
    bounds, vals = x.get("bounds", []), x.get("per_round", [])
    lower = [v for v, b in zip(vals, bounds) if b == ">="]
    if lower:
        return {"goal": name, "value": f">= {max(lower):.3f} (shipped capped in {len(lower)} of {len(bounds)} "
                                        f"rounds)", "met": False}
    m = x.get("median")
    if m is None:
        return {"goal": name, "value": None, "met": None}
    return {"goal": name, "value": f"{m:.3f}", "met": m <= 1.5}


def fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


def markdown(h: dict, meta: dict, brief: bool = False) -> list[str]:
    """The warm-up, CPU and whole-task tables (lines of Markdown); [] for runs without them. brief (the docs'
    block): the per-pair ratios of `shipped` and `on` only."""
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
    rows = [("time to JIT quiet, s (from the first 200, saturating load; ≥: a capped warm-up counts as its length)",
             "warmup_s", "{:.1f}"),
            ("warm-ups that reached quiet", None, None),
            ("warm-up length, s (to the end of the quiet cycles or the cap)", "warmup_total_s", "{:.1f}"),
            ("JIT compiler threads' CPU-s, JVM start to end of warm-up", "jit_cpu_s", "{:.2f}"),
            ("JIT compilation time, s (CompilationMXBean, elapsed; JVM start to end of warm-up)", "compile_s", "{:.2f}"),
            ("app CPU-s during warm-up", "warmup_app_cpu_s", "{:.1f}")]
    for label, key, spec in rows:
        if key is None:
            cells = [f"{V[v]['warmup_quiet']} of {V[v]['warmup_jvms']}" for v in shown]
        elif key == "warmup_s":   # (median, bound): ">=" when a capped warm-up is in it
            cells = [("" if V[v][key][1] == "=" else "≥ ") + fmt(V[v][key][0], spec) for v in shown]
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
        if v == base or (brief and v not in ("shipped", "on")):
            continue
        for key, label in ((f"warmup_s_{v}/{base}", f"time to JIT quiet {v} ÷ {base}"),
                           (f"jit_cpu_s_{v}/{base}", f"JIT CPU-s {v} ÷ {base}"),
                           (f"whole_task_{v}/{base}", f"whole task requests per CPU-s {v} ÷ {base}")):
            x = R.get(key, {})
            bounds = x.get("bounds") or ["="] * len(x.get("per_round", []))
            mark = {"=": "", ">=": "≥ ", "<=": "≤ ", "?": ""}
            lines.append(f"| {label} | {mark[x.get('median_bound', '=')] if x.get('median') is not None else ''}"
                         f"{fmt(x.get('median'), '{:.3f}')} | "
                         + ", ".join(mark[b] + fmt(p, "{:.3f}") for p, b in zip(x.get("per_round", []), bounds))
                         + " |")
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


def _self_check() -> None:
    """The censoring rules on synthetic rounds (no benchmark needed); bench/run.sh runs this before every run."""
    def run(variant, tag, quiet, seconds, length=180.0):
        w = {"quiet": quiet, "seconds": seconds if quiet else None, "warmup_s": length if not quiet else seconds + 4,
             "jit_cpu_s": 1.0, "compile_ms_total": 1000.0, "app_cpu_s": 1.0}
        return {"variant": variant, "tag": tag, "warmup": w, "warmup_sat": w,
                "sat": {ep: {"cpu": {}} for ep in ENDPOINTS}, "whole_task": None}

    def goal(runs):
        return next(x for x in goals(summarize(runs)) if x["goal"].startswith("warm-up"))

    tags = [f"r{i}" for i in range(5)]
    # shipped capped in 4 of 5 rounds, quiet once and fast: missed, never "met on its best round".
    runs = [run("none", t, True, 20.0) for t in tags] + [run("shipped", t, i == 0, 22.0) for i, t in enumerate(tags)]
    g = goal(runs)
    assert g["met"] is False and g["value"].startswith(">= 9.000"), g
    assert summarize(runs)["variants"]["shipped"]["warmup_s"] == (180.0, ">="), summarize(runs)["variants"]["shipped"]
    # shipped never quiet: missed, not n/a.
    g = goal([run("none", t, True, 20.0) for t in tags] + [run("shipped", t, False, 0) for t in tags])
    assert g["met"] is False, g
    # all quiet: the median ratio decides, both ways.
    g = goal([run("none", t, True, 20.0) for t in tags] + [run("shipped", t, True, 24.0) for t in tags])
    assert g["met"] is True and g["value"] == "1.200", g
    g = goal([run("none", t, True, 20.0) for t in tags] + [run("shipped", t, True, 40.0) for t in tags])
    assert g["met"] is False and g["value"] == "2.000", g
    # the baseline capped (shipped quiet): undecidable, n/a.
    g = goal([run("none", t, False, 0) for t in tags] + [run("shipped", t, True, 24.0) for t in tags])
    assert g["met"] is None and g["value"] is None, g
    markdown(summarize(runs), {})   # renders with bounds
    print("report_warmup_cpu self-check: ok")


if __name__ == "__main__":
    _self_check()
