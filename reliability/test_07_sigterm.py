"""SIGTERM to the app under load, then the collector, in the order ECS stops a task (the app depends on the
collector, so the collector stops after it). Last in the suite: it stops the collector."""

from __future__ import annotations

import signal
import time

import pytest

from conftest import SECOND_APP_PORT, Load, http, promql, record_result, xray_documents, XRAY

pytestmark = pytest.mark.faults


def trace_ids(samples) -> set[str]:
    return {s.trace_id for s in samples if s.trace_id and s.status == 200}


# --- 4. SIGTERM to the app under load, then the collector (ECS order) -----------------------------------------------

def test_sigterm_app_under_load_completes_in_flight_and_flushes_everything(stack):
    """A second app instance with 600 ms per order, so requests are in flight when SIGTERM lands. Every request that
    got its 200 has ALL its spans (server + load/price/charge) at X-Ray, and the final request count reaches
    Prometheus - after the app exits AND the collector is stopped right after it, as ECS does."""
    assert http("POST", f"{XRAY}/admin/reset").status == 200
    service = "reliability-sigterm"
    proc = stack.start_app("app-sigterm", SECOND_APP_PORT, service, ORDERS_LATENCY_MS="600",
                           OTEL_BSP_SCHEDULE_DELAY="5000", OTEL_METRIC_EXPORT_INTERVAL="60000")
    base = f"http://127.0.0.1:{SECOND_APP_PORT}"
    load = Load(base, 20, 30, workers=16, timeout=20).start()
    time.sleep(3)
    t_term = time.monotonic()
    proc.popen.send_signal(signal.SIGTERM)          # the JVM itself (PID 1 in the container on ECS)
    code = proc.popen.wait(30)
    t_exit = time.monotonic()
    load.stop()
    stack.stop_collector(signal.SIGTERM, grace=30)  # ECS stops the collector after the app (dependsOn)
    t_col = time.monotonic()

    in_flight = [s for s in load.samples if s.t < t_term and s.t + s.latency_ms / 1000 > t_term]
    completed = [s for s in load.samples if s.status == 200]
    refused_after = [s for s in load.samples if s.t >= t_term]
    ids = trace_ids(completed)
    # Restart the collector for later tests/teardown only after reading what the stand-in holds.
    docs = xray_documents()
    by_trace: dict[str, list[dict]] = {}
    for d in docs:
        by_trace.setdefault(d.get("trace_id"), []).append(d)

    def spans_of(tid):
        return sum(1 + sum(1 for _ in d.get("subsegments", [])) for d in by_trace.get(tid, []))
    complete = {t for t in ids if any(d.get("name") == service and d.get("type") != "subsegment"
                                      for d in by_trace.get(t, [])) and spans_of(t) >= 4}
    stack.start_collector()
    count = promql(f'sum({{__name__=~"(total_)?api_requests(_total)?", job="{service}", apiName="/orders/{{id}}"}})')
    final_count = float(count[0]["value"][1]) if count else 0.0
    result = {"exit_code": code, "sigterm_to_exit_s": round(t_exit - t_term, 1),
              "collector_stop_s": round(t_col - t_exit, 1), "in_flight_at_sigterm": len(in_flight),
              "in_flight_answered_200": sum(1 for s in in_flight if s.status == 200),
              "requests_answered_200": len(completed), "traces_complete_at_xray": len(complete),
              "requests_started_after_sigterm": len(refused_after),
              "final_request_count_in_prometheus": final_count,
              "summary": {"in_flight": f"{sum(1 for s in in_flight if s.status == 200)}/{len(in_flight)} answered",
                          "spans_delivered": f"{len(complete)}/{len(ids)} traces complete",
                          "final_metric": f"{final_count:.0f}/{len(completed)}"}}
    record_result("fault_sigterm_app", result)
    assert code == 0, f"app exit code {code}"
    assert in_flight, "no request was in flight at SIGTERM (the test did not test anything)"
    assert all(s.status == 200 for s in in_flight), [(s.status, round(s.latency_ms)) for s in in_flight]
    assert complete == ids, f"{len(ids - complete)} of {len(ids)} completed requests lack spans at X-Ray"
    assert final_count == len(completed), f"Prometheus counts {final_count}, clients got {len(completed)} 200s"
