"""Bursts against a collector that is already at its soft limit (issue 25, item 2): one OTLP request just under the
receiver's size limit and one gzip body that inflates to about as much, over OTLP/HTTP and over OTLP/gRPC.

What a sender must see, read from collector v0.156.0: memory_limiter refuses with memorylimiter.ErrDataRefused ("data
refused due to high memory usage"), a plain (not permanent) error; the OTLP receiver turns it into gRPC status
UNAVAILABLE (receiver/otlpreceiver/internal/errors GetStatusFromError) and, over HTTP, into 503
(GetHTTPStatusCodeFromStatus: Unavailable -> 503), the body an rpc.Status carrying the same message. Both are OTLP's
"retry later".

The size limits of the shipped config, which sets neither: OTLP/HTTP has confighttp's max_request_body_size default,
20 MiB, applied after gunzip too; OTLP/gRPC has grpc-go's default MaxRecvMsgSize, 4 MiB (configgrpc passes a limit
only when max_recv_msg_size_mib > 0), checked after decompression as well.

A burst is sent only once a small probe over the same protocol has just been refused and the collector's Go heap
(otelcol_process_runtime_heap_alloc_bytes) is read: the collector is at its soft limit when the burst arrives. The
limiter may still have stopped refusing in between (burst_at_soft_limit: then the burst is accepted, recorded, and
sent again).
"""

from __future__ import annotations

import threading
import time

import grpc

from conftest import OTLP_HTTP, collector_metrics, http, rss_kib
from pressure import Cgroup, gzipped, traces_request

HTTP_LIMIT = 20 * 1024 * 1024       # confighttp's default max_request_body_size
GRPC_LIMIT = 4 * 1024 * 1024        # grpc-go's default MaxRecvMsgSize
GRPC_TARGET = "127.0.0.1:4317"
EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
REFUSED_MESSAGE = "data refused due to high memory usage"      # memorylimiter.ErrDataRefused
PAYLOAD_BYTES = 8192
WAIT_REFUSING_S = 30.0              # bound for "a probe is refused right now" (the limiter oscillates at its limit)
ATTEMPTS = 3                        # a burst the limiter accepted (it had just stopped refusing) is sent again


def near_limit_body(limit: int, compressible: bool) -> tuple[bytes, int]:
    """An ExportTraceServiceRequest whose (inflated) size is just under `limit` (97 %): (protobuf, span count).
    Incompressible payloads (random hex) or, if `compressible`, one repeated byte (a tiny gzip body)."""
    per_span = len(traces_request("reliability-burst", 2, PAYLOAD_BYTES)) - len(
        traces_request("reliability-burst", 1, PAYLOAD_BYTES))
    spans = int(limit * 0.97) // per_span
    body = traces_request("reliability-burst", spans, PAYLOAD_BYTES, fill=b"a" if compressible else None)
    assert len(body) < limit, (len(body), limit)
    return body, spans


def post_http(body: bytes, gzip_: bool, timeout: float = 60) -> dict:
    headers = {"Content-Type": "application/x-protobuf", **({"Content-Encoding": "gzip"} if gzip_ else {})}
    try:
        reply = http("POST", f"{OTLP_HTTP}/v1/traces", body=body, headers=headers, timeout=timeout)
        return {"status": reply.status, "reply": reply.text()[:200]}
    except OSError as e:
        return {"status": None, "error": repr(e)[:200]}


def export_grpc(body: bytes, gzip_: bool, timeout: float = 60) -> dict:
    """One TraceService/Export call with an already serialized request (no re-encoding): {"code": "OK"|...}."""
    with grpc.insecure_channel(GRPC_TARGET) as channel:
        call = channel.unary_unary(EXPORT)          # no serializers: the request and the reply stay bytes
        try:
            call(body, timeout=timeout, compression=grpc.Compression.Gzip if gzip_ else grpc.Compression.NoCompression)
            return {"code": "OK"}
        except grpc.RpcError as e:
            return {"code": e.code().name, "details": (e.details() or "")[:200]}


def refused(protocol: str, reply: dict) -> bool:
    """Refused by memory_limiter, as each protocol says it (see the module docstring)."""
    if protocol == "http":
        return reply.get("status") == 503 and REFUSED_MESSAGE in reply.get("reply", "")
    return reply.get("code") == "UNAVAILABLE" and REFUSED_MESSAGE in reply.get("details", "")


def probe(protocol: str) -> dict:
    small = traces_request("reliability-probe", 1, 64)
    return post_http(small, False, 30) if protocol == "http" else export_grpc(small, False, 30)


class _Peak:
    """Samples the cgroup's anonymous memory and the process's RSS every 0.1 s while a burst is in flight."""

    def __init__(self, pid: int, cg: Cgroup):
        self.pid, self.cg = pid, cg
        self.anon = self.rss_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.anon = max(self.anon, self.cg.anon() or 0)
                self.rss_kib = max(self.rss_kib, rss_kib(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return
            self._stop.wait(0.1)

    def __enter__(self) -> "_Peak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def state(pid: int, cg: Cgroup) -> dict:
    """Where the collector stands: its Go heap (what memory_limiter compares), the cgroup's charge, anonymous memory,
    the limit-hit counter (v1 failcnt: page cache reaching the limit counts too, so it is context, not a failure)
    and OOM kills."""
    try:
        heap = sum(v for k, v in collector_metrics().items() if k.startswith("otelcol_process_runtime_heap_alloc_bytes"))
    except OSError:
        heap = float("nan")
    return {"heap_alloc_mib": round(heap / 2**20, 1), "cgroup_usage_mib": round(cg.usage() / 2**20, 1),
            "cgroup_anon_mib": round((cg.anon() or 0) / 2**20, 1), "rss_mib": round(rss_kib(pid) / 1024, 1),
            "limit_failcnt": cg.failcnt(), "oom_kills": cg.oom_kills()}


def _attempt(protocol: str, body: bytes, gzip_: bool, pid: int, cg: Cgroup) -> dict:
    """Waits (bounded) until a small probe over `protocol` is refused, then sends `body` at once: what it got, the
    collector's state just before and after, and the peak memory while the burst was in flight."""
    t0 = time.monotonic()
    probes = 0
    while True:
        probes += 1
        if refused(protocol, probe(protocol)):
            break
        if time.monotonic() - t0 > WAIT_REFUSING_S:
            return {"skipped": f"no probe refused within {WAIT_REFUSING_S} s ({probes} probes)"}
        time.sleep(0.2)
    before = state(pid, cg)
    gz = gzipped(body) if gzip_ else None
    with _Peak(pid, cg) as peak:
        t = time.monotonic()
        # OTLP/HTTP gets the gzip body as is; grpcio compresses the message itself (grpc-encoding: gzip).
        reply = post_http(gz or body, gzip_) if protocol == "http" else export_grpc(body, gzip_)
        took = time.monotonic() - t
    return {"reply": reply, "refused": refused(protocol, reply), "probes_until_refused": probes,
            "gzip_bytes": gz and len(gz), "inflated_bytes": len(body),
            "took_s": round(took, 2), "before": before, "after": state(pid, cg),
            "peak_anon_mib": round(peak.anon / 2**20, 1), "peak_rss_mib": round(peak.rss_kib / 1024, 1)}


def accepted(protocol: str, reply: dict) -> bool:
    return reply.get("status") == 200 if protocol == "http" else reply.get("code") == "OK"


def burst_at_soft_limit(protocol: str, body: bytes, gzip_: bool, pid: int, cg: Cgroup) -> dict:
    """One burst at the soft limit (_attempt). memory_limiter is a gate set once per check_interval, and at its limit it
    flips back and forth: it can stop refusing between the refused probe and the burst (measured: 1 of 12 bursts with
    check_interval 500 ms). That burst is accepted like any request; it is kept in `earlier_answers` and the burst is
    sent again after the next refused probe, at most ATTEMPTS times. The fields are those of the last attempt, the
    peaks those of all."""
    tries = []
    for _ in range(ATTEMPTS):
        tries.append(_attempt(protocol, body, gzip_, pid, cg))
        if "skipped" in tries[-1] or tries[-1]["refused"]:
            break
    done = [t for t in tries if "peak_anon_mib" in t]
    return {**tries[-1], "attempts": len(tries), "earlier_answers": [t.get("reply") for t in tries[:-1]],
            **({"peak_anon_mib": max(t["peak_anon_mib"] for t in done),
                "peak_rss_mib": max(t["peak_rss_mib"] for t in done)} if done else {})}


def all_bursts(pid: int, cg: Cgroup) -> dict:
    """The four bursts, one after another: HTTP protobuf and gzip near 20 MiB, gRPC protobuf and gzip near 4 MiB."""
    out = {}
    for protocol, limit in (("http", HTTP_LIMIT), ("grpc", GRPC_LIMIT)):
        for gzip_ in (False, True):
            body, spans = near_limit_body(limit, compressible=gzip_)
            out[f"{protocol}_{'gzip' if gzip_ else 'protobuf'}"] = {
                **burst_at_soft_limit(protocol, body, gzip_, pid, cg), "spans": spans, "limit_bytes": limit}
            del body
    return out
