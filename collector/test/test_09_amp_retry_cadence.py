"""After the shared collector stopped (test_08, or here when run alone): a second one, started the same ADOT way, writes to an AMP that
throttles every request (429), and the fake's arrival times show how often one batch is retried.

What the config claims (retry_on_failure) is what AMP sees: a batch is retried no more often than every
max_interval (less the backoff's randomization) once the backoff has grown to it. In contrib v0.156.0 the
exporter builds its backoff without MaxInterval, so the wait falls back to initial_interval after every retry;
a config whose initial_interval is below max_interval then retries far more often than it says (1 s instead
of 10 s: the issue this test was written for). Only a lower bound is asserted: a slow machine can make the
gaps longer, never shorter. The measured gaps are printed."""

import math
import re
import statistics
from collections import defaultdict

import yaml

from conftest import AMP_PORT, AMP_WRITE_PATH, CONFIG, HEALTH, adot_launch, get, settle
from harness import port_in_use

THROTTLED = f"http://127.0.0.1:{AMP_PORT}/throttled{AMP_WRITE_PATH}"


def seconds(text: str) -> float:
    """A Go duration of one unit (500ms, 5s, 2m) in seconds."""
    number, unit = re.fullmatch(r"([0-9.]+)(ms|s|m)", text).groups()
    return float(number) * {"ms": 0.001, "s": 1, "m": 60}[unit]


def claimed_backoff() -> dict:
    """retry_on_failure of the app metrics' exporter, with this exporter's defaults for what the config leaves out:
    configretry's (max 30s, multiplier 1.5, randomization 0.5) except initial_interval, which the exporter's
    createDefaultConfig (contrib v0.156.0 factory.go) sets to 50 ms, not configretry's 5 s."""
    retry = yaml.safe_load(CONFIG.read_text())["exporters"]["prometheus_remote_write"]["retry_on_failure"]
    return {"initial": seconds(retry.get("initial_interval", "50ms")), "max": seconds(retry.get("max_interval", "30s")),
            "multiplier": float(retry.get("multiplier", 1.5)),
            "randomization": float(retry.get("randomization_factor", 0.5))}


def tries_by_batch(fakes) -> dict[str, list[float]]:
    """Arrival times of the throttled writes, per request body (a retry repeats its batch's body)."""
    batches = defaultdict(list)
    for r in fakes.requests("amp", "^/throttled/"):
        batches[r["body_sha256"]].append(r["t"])
    return batches


def test_a_throttled_batch_is_retried_at_the_cadence_the_config_claims(collector_bin, collector, fakes, logdir):
    collector.stop(20)   # the shared one (test_08 stopped it already in a full run): same ports
    assert not port_in_use(4317), "a collector still listens on 4317"
    claim = claimed_backoff()
    # Retries until the claimed interval has grown to max_interval, then 3 gaps at it.
    growing = max(0, math.ceil(math.log(claim["max"] / claim["initial"], claim["multiplier"])))
    wanted = growing + 4
    proc = adot_launch(collector_bin, logdir, "collector-throttled", AMP_REMOTE_WRITE_URL=THROTTLED)
    try:
        proc.start().wait_ready(lambda: get(HEALTH, timeout=2).status == 200, 60, "health_check on :13133")
        # Bounded: the first write after the 5 s batch timeout, then `wanted` tries at up to 1.5x max apart.
        settle(lambda: any(len(t) >= wanted for t in tries_by_batch(fakes).values()),
               30 + wanted * claim["max"] * (1 + claim["randomization"]), f"{wanted} tries of one throttled batch")
    finally:
        proc.stop(20)
    tries = max(tries_by_batch(fakes).values(), key=len, default=[])
    gaps = [round(b - a, 2) for a, b in zip(tries, tries[1:])]
    print(f"\nretry cadence of one throttled batch: gaps {gaps} s (median "
          f"{statistics.median(gaps) if gaps else float('nan')} s); config claims {claim}")
    assert len(tries) >= wanted, (f"only {len(tries)} tries of one batch (want {wanted}): is 429 retried "
                                  f"(feature gate RetryOn429 in the task definition's command)? gaps {gaps}")
    floor = claim["max"] * (1 - claim["randomization"])
    steady = gaps[growing:]
    assert min(steady) >= floor * 0.98, (
        f"once grown, retries come every {steady} s; the config claims max_interval {claim['max']} s "
        f"(randomized down to at least {floor:.2f} s)")

