"""The durable trace path (TRACES_EXPORTER=otlp_http/xray) under the overload of test_06: its sending queue is on disk
(file_storage, bbolt), so the pressure does not reach memory_limiter. What fills is the queue file: at max_size an
enqueue fails and is counted (otelcol_exporter_enqueue_failed_spans), the app answers every request, the collector's
Go heap stays bounded, nothing is OOM-killed. The file is mapped (bbolt mmaps it) and written through the page cache,
so its pages are charged to the collector's cgroup and count in its RSS: this module measures how much at the
shipped max_size (COLLECTOR_STORAGE_MAX_BYTES's default in otel-collector-config.yaml) in the 320 MiB container.

X-Ray answers 503 (an outage: nothing leaves the queue but the retries' failures), AMP is slow (2 s). The collector
runs as in test_06 (adot-launch.sh's memory cgroup, a private uncached copy of its binary) on its own fresh task
volume. Figures: reliability/results/durable_pressure.json. RELIABILITY_DURABLE_MAX_BYTES overrides max_size (the
comparison in docs/reliability.md).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import APP, OTLP_HTTP, XRAY, AMP, Load, record_result, set_fault, wait_until
from pressure import Cgroup, Sender, private_uncached_copy, traces_request
from sampling import Sampler, metrics_or_empty, rss_file_kib, total
from stack import SHIPPED_CONFIG

pytestmark = pytest.mark.faults

EXPORTER = "otlp_http/xray"
QUEUE_FILE = "exporter_otlp_http_xray_traces"      # file_storage's file for otlp_http/xray's traces queue
APP_RATE = 20.0
PRESSURE_S = 60.0
# test_06's overload: 2 requests/s of 500 spans with an 8 KB attribute each (about 4.2 MB per request). Here the
# receiver answers at once (batch/otlp_http/xray hands each request on to the queue), so 4 threads keep the rate.
SENDER_RATE, SPANS_PER_REQUEST, PAYLOAD_BYTES = 2.0, 500, 8192
DRAIN_MAX_S = 180.0
OVERRIDE = os.environ.get("RELIABILITY_DURABLE_MAX_BYTES")


def shipped_max_bytes() -> int:
    """COLLECTOR_STORAGE_MAX_BYTES's default in the shipped config (file_storage max_size)."""
    m = re.search(r"max_size: \$\{env:COLLECTOR_STORAGE_MAX_BYTES:-(\d+)\}", SHIPPED_CONFIG.read_text())
    assert m, "file_storage max_size is not ${env:COLLECTOR_STORAGE_MAX_BYTES:-<bytes>} in the shipped config"
    return int(m.group(1))


def queue_size(m: dict[str, float]) -> float:
    return m.get(f"otelcol_exporter_queue_size[{EXPORTER}]", 1e9)


@pytest.fixture(scope="module")
def durable(stack, tmp_path_factory):
    max_bytes = int(OVERRIDE) if OVERRIDE else shipped_max_bytes()
    volume = tmp_path_factory.mktemp("durable-pressure-volume")
    env = {"TRACES_EXPORTER": "otlp_http/xray", **({"COLLECTOR_STORAGE_MAX_BYTES": OVERRIDE} if OVERRIDE else {})}
    stack.stop_collector(signal.SIGTERM)
    shared_bin = stack.collector_bin
    private_bin = private_uncached_copy(Path(shared_bin))
    stack.collector_bin = private_bin
    try:
        stack.start_collector(storage_dir=volume, **env)
    finally:
        stack.collector_bin = shared_bin
    try:
        res = {"max_size_bytes": max_bytes, **_run(stack, stack.collector().popen.pid, volume)}
        record_result("durable_pressure" + (f"_{max_bytes}" if OVERRIDE else ""), res)
        yield res
    finally:
        for base in (XRAY, AMP):
            set_fault(base, "ok")
        stack.stop_collector(signal.SIGTERM)
        stack.start_collector()
        shutil.rmtree(private_bin.parent, ignore_errors=True)


def _run(stack, pid: int, volume: Path) -> dict:
    cg = Cgroup.of(pid)
    log = stack.procs["collector"].log.read_text(errors="replace")
    lim = {k: int(v) for k, v in re.findall(r'"(limit_mib|spike_limit_mib)": (\d+)', log)}
    idle_file_mib = round(rss_file_kib(pid) / 1024, 1)
    oom_before = cg.oom_kills()
    before = metrics_or_empty()
    sampler = Sampler(pid, cg, stack.collector().alive).start()
    load = Load(APP, APP_RATE, PRESSURE_S + DRAIN_MAX_S + 30, workers=6).start()
    sender = Sender(f"{OTLP_HTTP}/v1/traces",
                    lambda: (traces_request("reliability-durable", SPANS_PER_REQUEST, PAYLOAD_BYTES), SPANS_PER_REQUEST),
                    threads=4, rate=SENDER_RATE, max_requests=int(PRESSURE_S * SENDER_RATE) + 1,
                    max_seconds=PRESSURE_S)
    heap: list[float] = []
    t0 = time.monotonic()
    try:
        set_fault(XRAY, "503")
        set_fault(AMP, "slow", 2000)
        sender.start()
        while time.monotonic() - t0 < PRESSURE_S and not sampler.dead:
            time.sleep(2)
            heap.append(total(metrics_or_empty(), "otelcol_process_runtime_heap_alloc_bytes") / 2**20)
        during = metrics_or_empty()
        # Where the charge is at the end of the pressure: page cache (the queue file, the binary) vs anonymous.
        stat = cg.stat("cache", "mapped_file", "rss", "dirty", "file", "file_mapped", "anon", "file_dirty")
    finally:
        sender.stop()
        for base in (XRAY, AMP):
            set_fault(base, "ok")
    file_bytes = max((f.stat().st_size for f in volume.rglob(QUEUE_FILE + "*")), default=0)
    t_ok = time.monotonic()
    drained_at = None
    try:
        wait_until(lambda: queue_size(metrics_or_empty()) <= 2, DRAIN_MAX_S, "the disk queue drained", interval=2)
        drained_at = round(time.monotonic() - t_ok, 1)
    except AssertionError:
        pass
    load.stop()
    sampler.stop()
    after = metrics_or_empty() or during

    def d(name: str) -> float:
        return total(after, name) - total(before, name)
    return {
        "limiter": lim, "idle_rss_file_mib": idle_file_mib, "cgroup_version": cg.version,
        "limit_mib": round(cg.limit() / 2**20, 1), "oom_kills": cg.oom_kills() - oom_before,
        "pid_unchanged": stack.collector().popen.pid == pid and stack.collector().alive(),
        "collector_died": sampler.dead, "health_check_statuses": sampler.health,
        "queue_file_bytes": file_bytes, "queue_drained_after_s": drained_at,
        "peak_heap_alloc_mib": round(max(heap, default=0), 1),
        "peak_rss_mib": round(max(sampler.rss_kib, default=0) / 1024, 1),
        "peak_cgroup_usage_mib": round(max(sampler.usage, default=0) / 2**20, 1),
        "peak_cgroup_anon_mib": round(max(sampler.anon, default=0) / 2**20, 1),
        "kernel_peak_mib": round((cg.peak() or 0) / 2**20, 1),
        "timeline_s_rss_usage_anon_mib": sampler.timeline, "memory_stat_at_pressure_end_mib": stat,
        "enqueue_failed_spans": d(f"otelcol_exporter_enqueue_failed_spans[{EXPORTER}]"),
        "limiter_refused_spans": d("otelcol_receiver_refused_spans"),
        "receiver_accepted_spans": d("otelcol_receiver_accepted_spans"),
        "sender": {"statuses": sender.statuses, "errors": sender.errors[:5]},
        "app": {"requests": len(load.samples), "non_200": sum(1 for s in load.samples if s.status != 200),
                "errors": load.errors[:5]},
    }


def test_the_full_disk_queue_refuses_and_counts_and_nothing_is_oom_killed(durable):
    assert durable["enqueue_failed_spans"] > 0, durable
    assert durable["oom_kills"] == 0 and not durable["collector_died"] and durable["pid_unchanged"], durable
    # bbolt grows its file in steps up to max_size, never past it.
    assert 0 < durable["queue_file_bytes"] <= durable["max_size_bytes"], durable["queue_file_bytes"]
    assert set(durable["health_check_statuses"]) == {200}, durable["health_check_statuses"]


def test_the_go_heap_stays_bounded_with_the_queue_on_disk(durable):
    """The queue's entries are on disk: the Go heap stays under memory_limiter's hard limit (its soft limit is where
    test_06's in-memory pressure ends), anonymous memory leaves the binary's idle pages room, as test_06 asserts."""
    assert durable["peak_heap_alloc_mib"] > 0, durable
    assert durable["peak_heap_alloc_mib"] < durable["limiter"]["limit_mib"], (durable["peak_heap_alloc_mib"], durable["limiter"])
    assert durable["peak_cgroup_anon_mib"] <= durable["limit_mib"] - durable["idle_rss_file_mib"], durable
    assert durable["peak_rss_mib"] < durable["limit_mib"], durable["peak_rss_mib"]


def test_the_app_answers_every_request_while_the_disk_queue_is_full(durable):
    app = durable["app"]
    assert app["requests"] >= APP_RATE * 30 and app["non_200"] == 0, app


def test_the_disk_queue_drains_after_recovery(durable):
    assert durable["queue_drained_after_s"] is not None, durable
