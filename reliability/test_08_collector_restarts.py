"""Collector crashes and restarts on the durable trace path (TRACES_EXPORTER=otlp_http/xray, issue 24): the exporter's
sending queue lives in file_storage on the collector's task volume (adot-launch.sh's ADOT_STORAGE_DIR, one directory
per stack, kept across restarts as ECS keeps task volumes across a container restart in place). Each test kills
the collector with SIGKILL (a crash or an OOM kill: no shutdown, no flush) and starts it again after
ECS_RESTART_DELAY_S, the time the ECS agent takes to notice the exit and start the container again (an assumption:
ECS documents no figure; the collector's own start is measured and reported).

ASSERTED: no span the app served is lost (the loss column of docs/reliability.md), the app answers 200 throughout.
REPORTED: the collector's start time, the app SDK's failed exports, the longest gap in AMP's samples (remote write
keeps its queue in memory: see otel-collector-config.yaml), duplicates."""

from __future__ import annotations

import os
import signal
import time

import pytest

from conftest import (AMP, APP, METRIC_INTERVAL_MS, SERVICE, XRAY, Load, http, promql, record_result, set_fault,
                      wait_until)
from test_04_faults import gaps, sample_timestamps, sdk_export_counters
from test_05_durable_traces import OTLP_ENV, SPANS_PER_ORDER, otlp_collector, otlp_spans_received, settle_spans  # noqa: F401

pytestmark = pytest.mark.faults

RATE = 10.0
ECS_RESTART_DELAY_S = float(os.environ.get("RELIABILITY_ECS_RESTART_DELAY_S", "5"))


def sigkill_and_restart(stack, **env: str) -> dict:
    """SIGKILL, ECS_RESTART_DELAY_S without a collector, then the same launch on the same task volume; returns
    the timings (s): how long it was down in all and how long its own start took (exec to healthy)."""
    proc = stack.collector()
    t_kill = time.monotonic()
    os.killpg(proc.popen.pid, signal.SIGKILL)
    proc.popen.wait(10)
    time.sleep(ECS_RESTART_DELAY_S)
    t_start = time.monotonic()
    stack.start_collector(**OTLP_ENV, **env)
    t_up = time.monotonic()
    return {"t_kill": t_kill, "t_up": t_up, "collector_start_s": round(t_up - t_start, 2),
            "down_s": round(t_up - t_kill, 2)}


def wait_spans(expected: int, timeout: float) -> float:
    t0 = time.monotonic()
    try:
        wait_until(lambda: otlp_spans_received() >= expected, timeout, f"{expected} spans at X-Ray's OTLP endpoint",
                   interval=1)
    except AssertionError:
        pass
    time.sleep(3)                                   # duplicates, if any, would show now
    return time.monotonic() - t0


def set_backends(state: str) -> None:
    """X-Ray and AMP stand-ins both answer `state` ("503" or "ok")."""
    for base in (XRAY, AMP):
        set_fault(base, state)


def delivery(load: Load, timeout: float) -> tuple[int, int, int, int, float]:
    """(requests served, spans expected, spans received, spans lost, seconds until all arrived) once the spans of
    every served request had `timeout` seconds to reach X-Ray's OTLP endpoint."""
    served = sum(1 for s in load.samples if s.status == 200)
    expected = SPANS_PER_ORDER * served
    drained = wait_spans(expected, timeout)
    received = otlp_spans_received()
    return served, expected, received, max(0, expected - received), drained


def amp_gap(wall_start: float, wall_end: float) -> float | None:
    """Longest gap between the app's samples in Prometheus (through the AMP stand-in) around the outage. Measured,
    not asserted: the remote-write queue is in memory and a SIGKILL loses it. The samples sent after the restart
    can reach Prometheus some seconds after wall_end on a busy machine, so this waits for them (bounded, 45 s);
    None when there are fewer than two."""
    ts: list[float] = []
    deadline = time.monotonic() + 45
    while True:
        try:
            ts = sample_timestamps("time_alive_milliseconds(_total)?", SERVICE, wall_start - 10, wall_end)
        except AssertionError:          # no series yet
            ts = []
        if (ts and ts[-1] >= wall_end - 2 * METRIC_INTERVAL_MS / 1000 - 5) or time.monotonic() > deadline:
            break
        time.sleep(3)
    return round(gaps(ts), 1) if len(ts) > 1 else None


def test_sigkill_during_an_xray_and_amp_outage_loses_no_queued_span(otlp_collector):
    """10 s of X-Ray and AMP answering 503, then SIGKILL: what otlp_http/xray queued is on disk and goes out after
    the restart. AMP's in-memory remote-write queue is measured, not asserted."""
    stack = otlp_collector
    settle_spans()
    assert http("POST", f"{XRAY}/admin/reset").status == 200
    down_s = 10
    load = Load(APP, RATE, 3 + down_s + ECS_RESTART_DELAY_S + 25).start()
    try:
        time.sleep(3)
        wall_down = time.time()
        set_backends("503")
        time.sleep(down_s)
        timing = sigkill_and_restart(stack)
        set_backends("ok")
        time.sleep(15)
        wall_end = time.time()
    finally:
        set_backends("ok")
        load.stop()
    served, expected, received, lost, drained = delivery(load, 120)
    gap = amp_gap(wall_down, wall_end)
    result = {"backend_down_before_kill_s": down_s, "ecs_restart_delay_s": ECS_RESTART_DELAY_S,
              **{k: v for k, v in timing.items() if not k.startswith("t_")}, "requests_served": served,
              "spans_expected": expected, "spans_received": received, "spans_lost": lost,
              "duplicate_spans": max(0, received - expected), "all_arrived_within_s": round(drained, 1),
              "amp_longest_sample_gap_s": gap, "amp_export_interval_s": METRIC_INTERVAL_MS / 1000,
              "summary": {"sigkill_during_outage_spans_lost": f"{lost}/{expected}", "amp_gap_s": gap,
                          "collector_start_s": timing["collector_start_s"]}}
    record_result("collector_sigkill_during_outage", result)
    assert all(s.status == 200 for s in load.samples)
    assert received >= expected, f"otlp_http/xray lost {lost} of {expected} spans across a SIGKILL: {result}"


def test_sigkill_under_normal_traffic_restarted_like_ecs_loses_no_trace(otlp_collector):
    """Backends fine, SIGKILL, restart after the ECS delay: the app's SDK retries its exports while the collector
    is away (OTLP retry policy of SDK 1.67.0: 5 attempts, 1-5 s jittered backoff, inside the 10 s export timeout)
    and the collector holds nothing in memory (batch/otlp_http/xray passes requests on to the persistent queue)."""
    stack = otlp_collector
    settle_spans()
    assert http("POST", f"{XRAY}/admin/reset").status == 200
    before = sdk_export_counters(SERVICE)
    load = Load(APP, RATE, 5 + ECS_RESTART_DELAY_S + 20).start()
    try:
        time.sleep(5)
        timing = sigkill_and_restart(stack)
        time.sleep(12)
    finally:
        load.stop()
    served, expected, received, lost, drained = delivery(load, 60)
    time.sleep(METRIC_INTERVAL_MS / 1000 + 6)       # the app's counters reach Prometheus
    after = sdk_export_counters(SERVICE)
    sdk = {k: after[k] - before[k] for k in after}
    result = {"ecs_restart_delay_s": ECS_RESTART_DELAY_S, **{k: v for k, v in timing.items() if not k.startswith("t_")},
              "requests_served": served, "spans_expected": expected, "spans_received": received,
              "spans_lost": lost, "traces_lost_at_most": min(served, lost), "duplicate_spans": max(0, received - expected),
              "all_arrived_within_s": round(drained, 1), "app_sdk_during_test": sdk,
              "summary": {"sigkill_normal_traffic_spans_lost": f"{lost}/{expected}", "down_s": timing["down_s"],
                          "collector_start_s": timing["collector_start_s"],
                          "sdk_spans_export_failed": sdk["spans_export_failed"]}}
    record_result("collector_sigkill_normal_traffic", result)
    assert all(s.status == 200 for s in load.samples)
    assert received >= expected, f"{lost} of {expected} spans lost across a SIGKILL and restart: {result}"
