"""The load generators: wrk (closed loop, saturation) and the bench's RateLoader (open loop at a fixed rate,
latency corrected for coordinated omission: measured from each request's scheduled send time). A run longer
than harness.HEARTBEAT says every HEARTBEAT seconds that it is still loading.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import APP, HERE, JAVA
from harness import HEARTBEAT, say


def run_loader(argv: list[str], what: str, timeout: float) -> subprocess.CompletedProcess:
    """Runs a load generator to its end, its output captured; says "still <what> (Ns)" every HEARTBEAT s."""
    start = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        while True:
            try:
                out, err = p.communicate(timeout=HEARTBEAT)
                return subprocess.CompletedProcess(argv, p.returncode, out, err)
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - start
                if elapsed > timeout:
                    p.kill()
                    raise
                say(f"still {what} ({elapsed:.0f}s)")


def run_wrk(path: str, seconds: float, conns: int) -> dict:
    """Saturation: wrk with `conns` connections on one thread for `seconds`; requests, rps, errors, latency."""
    seconds = max(1, round(seconds))
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s",
           "-s", str(HERE / "wrk-summary.lua"), APP + path]
    out = run_loader(cmd, f"loading {path} with wrk, {conns} connections for {seconds} s", seconds + 30)
    m = re.search(r"WRK_JSON (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"]
    return r


def run_rate(tools: Path, path: str, rate: float, seconds: float, conns: int, warmup: float) -> dict:
    """Open loop: RateLoader sends `rate` req/s for `warmup` + `seconds` (only `seconds` measured)."""
    cmd = [JAVA, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", str(tools), "RateLoader",
           APP + path, f"{rate:.1f}", str(seconds), str(conns), str(warmup)]
    out = run_loader(cmd, f"loading {path} at {rate:.0f} req/s for {warmup + seconds:g} s (RateLoader)",
                     seconds + warmup + 60)
    if out.returncode != 0:
        raise RuntimeError(f"RateLoader failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
