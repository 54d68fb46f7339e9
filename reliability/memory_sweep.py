#!/usr/bin/env python3
"""Runs the memory-pressure scenario (test_06_memory_pressure.py) once per collector setting and prints, per setting,
what was kept vs refused and the peak memory against the 320 MiB container limit (issue 25, item 3).

    reliability/memory_sweep.py                      the default combinations below
    reliability/memory_sweep.py 'limit=80 spike=25 GOMEMLIMIT=100MiB GOGC=400' 'limit=85 spike=20 GOMEMLIMIT=200MiB GOGC=100'

A combination sets memory_limiter's limit_percentage/spike_limit_percentage (a copy of the shipped config with those two
lines changed) and the collector's GOMEMLIMIT/GOGC (environment, as the task definition sets them). Each run is
reliability/run.sh -k memory_pressure (its own network namespace, the whole stack, bounded: a few minutes); results go
to reliability/results/sweep/<combination>/ and a table to stdout. Kept = spans the receiver accepted; refused = spans
it answered "retry later" (memory_limiter). Nothing is asserted here: the test module asserts the claims.
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


def config_with(limit: str, spike: str, workdir: Path) -> Path:
    text = (REPO / "otel-collector-config.yaml").read_text()
    text, n1 = re.subn(r"(?m)^(\s+limit_percentage:) \d+", rf"\g<1> {limit}", text)
    text, n2 = re.subn(r"(?m)^(\s+spike_limit_percentage:) \d+", rf"\g<1> {spike}", text)
    assert n1 == 1 and n2 == 1, "the shipped config no longer has one limit_percentage/spike_limit_percentage line"
    path = workdir / f"config-{limit}-{spike}.yaml"
    path.write_text(text)
    return path


def main(combos: list[str]) -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="memory-sweep-") as tmp:
        for combo in combos:
            kv = dict(p.split("=", 1) for p in combo.split())
            name = "_".join(f"{k}-{v}" for k, v in kv.items())
            results = HERE / "results" / "sweep" / name
            env = {**os.environ,
                   "RELIABILITY_RESULTS": str(results), "RELIABILITY_PRESSURE_SWEEP": "1",
                   "RELIABILITY_PRESSURE_MAX_S": os.environ.get("RELIABILITY_PRESSURE_MAX_S", "120"),
                   "RELIABILITY_PRESSURE_CONFIG": str(config_with(kv.get("limit", "80"), kv.get("spike", "25"), Path(tmp))),
                   "RELIABILITY_PRESSURE_COLLECTOR_ENV": " ".join(f"{k}={kv[k]}" for k in ("GOMEMLIMIT", "GOGC") if k in kv)}
            print(f"[sweep] {combo}", flush=True)
            rc = subprocess.run([str(HERE / "run.sh"), "-k", "memory_pressure", "-q"], env=env).returncode
            try:
                res = json.loads((results / "memory_pressure.json").read_text())
            except FileNotFoundError:
                rows.append((combo, rc, None))
                continue
            rows.append((combo, rc, res))
    print("\n| setting | tests | kept spans | refused spans | peak RSS MiB | kernel peak MiB | limit | OOM kills | "
          "alert after s | drained after s | accepts again after s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for combo, rc, res in rows:
        if res is None:
            print(f"| {combo} | rc={rc} | no result | | | | | | | | |")
            continue
        c, m, r = res["collector"], res["memory"], res["recovery"]
        print(f"| {combo} | {'pass' if rc == 0 else f'rc={rc}'} | {c['receiver_accepted_spans']:.0f} | "
              f"{c['receiver_refused_spans']:.0f} | {m['peak_rss_mib']} | {m['kernel_peak_mib']} | {m['limit_mib']} | "
              f"{res['oom_kills']} | {res['alert_fired_after_s']} | {r['queue_drained_after_s']} | "
              f"{r['accepts_again_after_s']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULTS))
