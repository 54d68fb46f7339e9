#!/usr/bin/env python3
"""Runs the memory-pressure scenario (test_06_memory_pressure.py) once per collector setting and prints, per setting,
what was kept vs refused and the peak memory against the 320 MiB container limit (issue 25, item 3).

    reliability/memory_sweep.py                      the default combinations below, once each
    RUNS=3 reliability/memory_sweep.py 'limit=80 spike=25 GOMEMLIMIT=100MiB GOGC=400' 'limit=50 spike=15 check=250ms'

A combination sets memory_limiter's limit_percentage/spike_limit_percentage/check_interval (a copy of the shipped config
with those lines changed; unset keys keep the shipped values) and the collector's GOMEMLIMIT/GOGC (environment, as the
task definition sets them). Each run is reliability/run.sh -k memory_pressure (its own network namespace, the whole
stack, bounded: a few minutes) with the sender flat out (RELIABILITY_PRESSURE_SENDER_RATE, default here 100 requests/s
of 500 spans, what the table in docs/reliability.md measured; the test alone paces it at 2) for
RELIABILITY_PRESSURE_MAX_S (default here 100 s). Results go to reliability/results/sweep/<combination>/run-<n>/ (a
killed run keeps its own file) and a table to stdout. Kept = spans the receiver accepted; refused = spans it answered
"retry later" (memory_limiter); anon bound = the limit minus the collector's resident file pages at idle (what
test_06 asserts peak anon against); probes = health checks answered 200 of those sent. The table's "tests" column is
the module's verdict (pass = every claim held, the alert test skipped in a sweep). Nothing is asserted here.
"""

from __future__ import annotations

import json
import os
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
        for combo in combos:
            kv = dict(p.split("=", 1) for p in combo.split())
            name = "_".join(f"{k}-{v}" for k, v in kv.items())
            env = {**os.environ, "RELIABILITY_PRESSURE_SWEEP": "1",
                   "RELIABILITY_PRESSURE_MAX_S": os.environ.get("RELIABILITY_PRESSURE_MAX_S", "100"),
                   "RELIABILITY_PRESSURE_SENDER_RATE": os.environ.get("RELIABILITY_PRESSURE_SENDER_RATE", "100"),
                   "RELIABILITY_PRESSURE_CONFIG": str(config_with(kv, Path(tmp))),
                   "RELIABILITY_PRESSURE_COLLECTOR_ENV": " ".join(f"{k}={kv[k]}" for k in ("GOMEMLIMIT", "GOGC") if k in kv)}
            for n in range(1, runs + 1):
                results = HERE / "results" / "sweep" / name / f"run-{n}"
                print(f"[sweep] {combo} (run {n} of {runs})", flush=True)
                rc = subprocess.run([str(HERE / "run.sh"), "-k", "memory_pressure", "-q"],
                                    env={**env, "RELIABILITY_RESULTS": str(results)}).returncode
                try:
                    rows.append((combo, rc, json.loads((results / "memory_pressure.json").read_text())))
                except FileNotFoundError:
                    rows.append((combo, rc, None))
    print(f"\nsender {os.environ.get('RELIABILITY_PRESSURE_SENDER_RATE', '100')} requests/s, pressure "
          f"{os.environ.get('RELIABILITY_PRESSURE_MAX_S', '100')} s")
    table(rows)
    return 0


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
    sys.exit(main(sys.argv[1:] or DEFAULTS))
