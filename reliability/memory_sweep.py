#!/usr/bin/env python3
"""Runs the memory-pressure scenario (test_06_memory_pressure.py) once per collector setting and prints, per setting,
what was kept vs refused and the peak memory against the 320 MiB container limit (issue 25, item 3).

    reliability/memory_sweep.py                      the default combinations below, once each
    RUNS=3 reliability/memory_sweep.py 'limit=80 spike=25 GOMEMLIMIT=100MiB GOGC=400' 'limit=50 spike=15 check=250ms'
    reliability/memory_sweep.py --summary            the tables again, from every stored run under results/sweep/

A combination sets memory_limiter's limit_percentage/spike_limit_percentage/check_interval (a copy of the shipped config
with those lines changed; unset keys keep the shipped values) and the collector's GOMEMLIMIT/GOGC (environment, as the
task definition sets them); `sender=N` sets the sender's requests/s for that combination alone (and names its folder). Each run is reliability/run.sh -k memory_pressure (its own network namespace, the whole
stack, bounded: a few minutes) with the sender flat out (RELIABILITY_PRESSURE_SENDER_RATE, default here 100 requests/s
of 500 spans, what the table in docs/reliability.md measured; the test alone paces it at 2) for
RELIABILITY_PRESSURE_MAX_S (default here 100 s). Results go to reliability/results/sweep/<combination>/run-<n>/ (a
killed run keeps its own file) and a table to stdout. Kept = spans the receiver accepted; refused = spans it answered
"retry later" (memory_limiter); anon bound = the limit minus the collector's resident file pages at idle (what
test_06 asserts peak anon against); probes = health checks answered 200 of those sent. The table's "tests" column is
the module's verdict (pass = every claim held, the alert test skipped in a sweep). Nothing is asserted here.
The summary table gives, per combination (a results/sweep/ folder), the median and the range over its runs.
"""

from __future__ import annotations

import json
import os
import statistics
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULTS = [
    "limit=80 spike=25 GOMEMLIMIT=100MiB GOGC=400",     # shipped before issue 25
    "limit=80 spike=25 GOMEMLIMIT=200MiB GOGC=100",
    "limit=60 spike=20 GOMEMLIMIT=100MiB GOGC=400",
    "limit=50 spike=15 GOMEMLIMIT=100MiB GOGC=400",
]


KEYS = {"limit": "limit_percentage", "spike": "spike_limit_percentage", "check": "check_interval"}


def config_with(kv: dict[str, str], workdir: Path) -> Path:
    text = (REPO / "otel-collector-config.yaml").read_text()
    for key, field in KEYS.items():
        if key in kv:
            text, n = re.subn(rf"(?m)^(\s+{field}:) \S+$", rf"\g<1> {kv[key]}", text)
            assert n == 1, f"the shipped config no longer has one {field} line"
    path = workdir / ("config-" + "-".join(kv.get(k, "shipped") for k in KEYS) + ".yaml")
    path.write_text(text)
    return path


def main(combos: list[str]) -> int:
    rows = []
    runs = int(os.environ.get("RUNS", "1"))
    with tempfile.TemporaryDirectory(prefix="memory-sweep-") as tmp:
        plans = []
        for combo in combos:
            kv = dict(p.split("=", 1) for p in combo.split())
            name = "_".join(f"{k}-{v}" for k, v in kv.items())
            env = {**os.environ, "RELIABILITY_PRESSURE_SWEEP": "1",
                   "RELIABILITY_PRESSURE_MAX_S": os.environ.get("RELIABILITY_PRESSURE_MAX_S", "100"),
                   "RELIABILITY_PRESSURE_SENDER_RATE": kv.get("sender", os.environ.get("RELIABILITY_PRESSURE_SENDER_RATE", "100")),
                   "RELIABILITY_PRESSURE_CONFIG": str(config_with(kv, Path(tmp))),
                   "RELIABILITY_PRESSURE_COLLECTOR_ENV": " ".join(f"{k}={kv[k]}" for k in ("GOMEMLIMIT", "GOGC") if k in kv)}
            plans.append((combo, name, env))
        # Round robin (run 1 of every combination, then run 2, ...): the load of a shared machine drifts over an hour,
        # and this spreads the drift over all combinations instead of giving one the quiet and another the busy part.
        for n in range(1, runs + 1):
            for combo, name, env in plans:
                results = HERE / "results" / "sweep" / name / f"run-{n}"
                print(f"[sweep] {combo} (run {n} of {runs})", flush=True)
                rc = subprocess.run([str(HERE / "run.sh"), "-k", "memory_pressure", "-q"],
                                    env={**env, "RELIABILITY_RESULTS": str(results)}).returncode
                results.mkdir(parents=True, exist_ok=True)
                (results / "rc").write_text(f"{rc}\n")
                try:
                    rows.append((combo, rc, json.loads((results / "memory_pressure.json").read_text())))
                except FileNotFoundError:
                    rows.append((combo, rc, None))
    print(f"\nsender {os.environ.get('RELIABILITY_PRESSURE_SENDER_RATE', '100')} requests/s, pressure "
          f"{os.environ.get('RELIABILITY_PRESSURE_MAX_S', '100')} s")
    table(rows)
    summary(stored_runs())
    return 0


def stored_runs() -> dict[str, list[tuple]]:
    """{combination folder: [(combination, rc, result)]} from every run under results/sweep/."""
    out: dict[str, list[tuple]] = {}
    for res_file in sorted((HERE / "results" / "sweep").glob("*/run-*/memory_pressure.json")):
        rc_file = res_file.parent / "rc"
        rc = int(rc_file.read_text()) if rc_file.exists() else -1
        name = res_file.parent.parent.name
        out.setdefault(name, []).append((name, rc, json.loads(res_file.read_text())))
    return out


def _spread(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    return f"{med:.1f} ({min(values):.1f}-{max(values):.1f})" if len(values) > 1 else f"{med:.1f}"


def _peak_anon(res: dict) -> float:
    """The run's peak anonymous memory: the 0.5 s sampler's, or higher while a burst was in flight (sampled every 0.1 s
    then; a 20 MiB burst is read and dropped within half a second)."""
    bursts = [v["peak_anon_mib"] for v in res.get("bursts", {}).values() if isinstance(v, dict) and "peak_anon_mib" in v]
    return max([res["memory"]["peak_cgroup_anon_mib"], *bursts])


def _bursts_refused(res: dict) -> str:
    """Of the four bursts at the soft limit (bursts.py), how many were refused at the first attempt: "4/4", "3/4 (+1 after
    an accept)" when one was accepted first (the limiter had just stopped refusing); "-" in results without bursts."""
    b = [v for v in res.get("bursts", {}).values() if isinstance(v, dict) and "refused" in v]
    if not b:
        return "-"
    first = sum(1 for v in b if v["refused"] and v.get("attempts", 1) == 1)
    later = sum(1 for v in b if v["refused"] and v.get("attempts", 1) > 1)
    return f"{first}/{len(b)}" + (f" (+{later} after an accept)" if later else "")


def summary(groups: dict[str, list[tuple]]) -> None:
    # At X-Ray: the segments the X-Ray stand-in received over the same span (on the awsxray path an accepted span waits
    # in the receiver for the exporter; an export that timed out on the collector's side may still have arrived).
    print("\n| combination | runs (pass) | sender req/s | kept spans | at X-Ray | refused spans | peak anon MiB | "
          "anon bound MiB | health probes 200 | accepts again after s | bursts refused | OOM kills |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, rows in groups.items():
        res = [r for _, _, r in rows]
        health = [(h.get("200", h.get(200, 0)), sum(h.values())) for h in (r["health_check_statuses"] for r in res)]
        print(f"| {name} | {len(rows)} ({sum(1 for _, rc, _ in rows if rc == 0)}) | "
              f"{sorted({r['settings'].get('sender_requests_per_s') for r in res})} | "
              f"{_spread([r['collector']['receiver_accepted_spans'] for r in res])} | "
              f"{_spread([r['collector'].get('xray_standin_received_segments') for r in res])} | "
              f"{_spread([r['collector']['receiver_refused_spans'] for r in res])} | "
              f"{_spread([_peak_anon(r) for r in res])} | "
              f"{_spread([r['memory']['limit_mib'] - r['idle_rss_file_mib'] for r in res if r.get('idle_rss_file_mib')])} | "
              f"{', '.join(f'{a}/{b}' for a, b in health)} | "
              f"{_spread([r['recovery']['accepts_again_after_s'] for r in res])} | "
              f"{', '.join(_bursts_refused(r) for r in res)} | "
              f"{sum(r['oom_kills'] for r in res)}{' (died)' if any(r['collector_died'] for r in res) else ''} |")


def table(rows: list[tuple]) -> None:
    print("\n| setting | sender req/s | tests | kept spans | refused spans | peak anon MiB | anon bound MiB | peak RSS MiB | "
          "limit MiB | OOM kills | health probes 200 | drained after s | accepts again after s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for combo, rc, res in rows:
        if res is None:
            print(f"| {combo} | | rc={rc} | no result | | | | | | | | | |")
            continue
        c, m, r = res["collector"], res["memory"], res["recovery"]
        health = res["health_check_statuses"]
        idle_file = res.get("idle_rss_file_mib")        # not in results written before it was measured
        bound = "?" if idle_file is None else round(m["limit_mib"] - idle_file, 1)
        print(f"| {combo} | {res['settings'].get('sender_requests_per_s', '?')} | {'pass' if rc == 0 else f'rc={rc}'} | {c['receiver_accepted_spans']:.0f} | "
              f"{c['receiver_refused_spans']:.0f} | {m['peak_cgroup_anon_mib']} | {bound} | {m['peak_rss_mib']} | "
              f"{m['limit_mib']} | {res['oom_kills']}{' (died)' if res['collector_died'] else ''} | "
              f"{health.get('200', health.get(200, 0))} of {sum(health.values())} | {r['queue_drained_after_s']} | "
              f"{r['accepts_again_after_s']} |")


if __name__ == "__main__":
    if sys.argv[1:] == ["--summary"]:
        groups = stored_runs()
        table([row for rows in groups.values() for row in rows])
        summary(groups)
        sys.exit(0)
    sys.exit(main(sys.argv[1:] or DEFAULTS))
