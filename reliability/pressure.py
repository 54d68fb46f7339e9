"""Tools of the memory-pressure tests (test_06): the collector's memory cgroup, OTLP trace requests for the direct
senders, and a bounded OTLP/HTTP sender.

The requests are built with the `opentelemetry-proto` package's generated classes (ExportTraceServiceRequest; PyPI,
pinned with its protobuf runtime in reliability/requirements.txt), not encoded by hand: the collector's receiver
decodes every body (a wrong encoding would show as 400s, which the sender counts and the test asserts are absent).
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

# --- the collector's memory cgroup (collector/adot-launch.sh puts it in one with the task definition's limit) ---


@dataclass(frozen=True)
class Cgroup:
    version: int
    path: Path

    @staticmethod
    def of(pid: int) -> "Cgroup":
        """The memory cgroup `pid` sits in: v1 (a "N:memory:/path" line) or v2 (the "0::/path" line)."""
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        for line in lines:
            _, controllers, rel = line.split(":", 2)
            if "memory" in controllers.split(","):
                return Cgroup(1, Path("/sys/fs/cgroup/memory" + rel))
        for line in lines:
            if line.startswith("0::"):
                rel = line[3:]
                for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                    if (root / rel.lstrip("/") / "memory.max").exists():
                        return Cgroup(2, root / rel.lstrip("/"))
        raise RuntimeError(f"pid {pid} is in no memory cgroup: {lines}")

    def _read(self, name: str) -> str:
        return (self.path / name).read_text().strip()

    def limit(self) -> int:
        raw = self._read("memory.limit_in_bytes" if self.version == 1 else "memory.max")
        return -1 if raw == "max" else int(raw)

    def usage(self) -> int:
        return int(self._read("memory.usage_in_bytes" if self.version == 1 else "memory.current"))

    def peak(self) -> int | None:
        """The kernel's high-water mark (v1 max_usage_in_bytes; v2 memory.peak, kernels >= 5.19)."""
        try:
            return int(self._read("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"))
        except (FileNotFoundError, ValueError):
            return None

    def oom_kills(self) -> int:
        """OOM kills in this cgroup: the "oom_kill" line of memory.oom_control (v1) or memory.events (v2)."""
        text = self._read("memory.oom_control" if self.version == 1 else "memory.events")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        raise RuntimeError(f"no oom_kill counter in {self.path} ({text!r})")

    def failcnt(self) -> int:
        """How often the charge hit the limit: v1 memory.failcnt, v2 the "max" line of memory.events. Reclaiming page
        cache at the limit counts too, so a rise is not a failure; only oom_kills() is."""
        if self.version == 1:
            return int(self._read("memory.failcnt"))
        for line in self._read("memory.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "max":
                return int(value)
        return -1

    def stat(self, *keys: str) -> dict[str, float]:
        """memory.stat's `keys` in MiB (v1: cache, mapped_file, rss, dirty; v2: file, file_mapped, anon, file_dirty)."""
        pairs = (line.split() for line in self._read("memory.stat").splitlines())
        return {k: round(int(v) / 2**20, 1) for k, v in pairs if k in keys}

    def anon(self) -> int | None:
        """Anonymous memory (the Go heap, stacks), i.e. the usage without the reclaimable page cache."""
        for line in self._read("memory.stat").splitlines():
            key, _, value = line.partition(" ")
            if key in ("total_rss", "anon") or (self.version == 1 and key == "rss"):
                return int(value)
        return None


def private_uncached_copy(binary: Path) -> Path:
    """A copy of `binary` in a new world-readable folder, its page cache dropped. On ECS the collector's own cgroup is
    charged for the binary's file pages (about 90 MiB under load, docs/deploy.md); a page is charged to the cgroup
    that reads it first, and the shared cached binary was read first by other processes. The collector reading a copy
    nobody else has read brings that part of its footprint back into its own limit."""
    folder = Path(tempfile.mkdtemp(prefix="ecs-otel-pressure-bin-"))
    folder.chmod(0o755)
    copy = folder / binary.name
    shutil.copy2(binary, copy)
    copy.chmod(0o755)
    fd = os.open(copy, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return copy


# --- OTLP/protobuf (ExportTraceServiceRequest) ------------------------------------------------------------------


def traces_message(service: str, spans: int, payload_bytes: int,
                   fill: bytes | None = None) -> trace_service_pb2.ExportTraceServiceRequest:
    """One ExportTraceServiceRequest: one resource (service.name), one scope, `spans` SERVER spans of one trace (trace
    id starting with the epoch seconds, as X-Ray requires), each with a `payload_bytes` string attribute: random hex
    (incompressible, like real ids and URLs) unless `fill` (one byte, repeated: a highly compressible body)."""
    now = time.time_ns()
    trace_id = struct.pack(">I", int(time.time())) + os.urandom(12)
    value = (fill * payload_bytes).decode() if fill else os.urandom(payload_bytes // 2 + 1).hex()[:payload_bytes]
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = service
    ss = rs.scope_spans.add()
    ss.scope.name = "reliability.pressure"
    for _ in range(spans):
        span = ss.spans.add(trace_id=trace_id, span_id=os.urandom(8), name="GET /pressure",
                            kind=trace_pb2.Span.SPAN_KIND_SERVER,
                            start_time_unix_nano=now - 5_000_000, end_time_unix_nano=now)
        span.attributes.add(key="http.request.method").value.string_value = "GET"
        span.attributes.add(key="pressure.payload").value.string_value = value
    return req


def traces_request(service: str, spans: int, payload_bytes: int, fill: bytes | None = None) -> bytes:
    """traces_message() serialized: the body of an OTLP/HTTP protobuf request."""
    return traces_message(service, spans, payload_bytes, fill).SerializeToString()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, 6)


# --- a bounded direct OTLP/HTTP sender ---------------------------------------------------------------------------


@dataclass
class Sender:
    """Posts OTLP/protobuf bodies to `url` at `rate` requests/s from `threads` threads, bounded by `max_requests` AND
    `max_seconds`; counts the collector's answers (200 accepted, 503/429 refused: the receiver's "retry later").
    Paced, not flat out: memory_limiter checks once per check_interval (1 s) and its spike limit is the margin for what
    arrives in between; with a loopback sender flat out, the Go heap was at 183 MiB at the limiter's first check, 1 s
    in: more than any spike limit of a 320 MiB container allows (measured on the former in-memory queue path; flat out
    on awsxray no setting holds either: docs/reliability.md, "Flat out, no setting holds")."""
    url: str
    body_fn: object               # () -> bytes
    threads: int = 2
    rate: float = 2.0             # requests per second, all threads together (paced like Load)
    max_requests: int = 400
    max_seconds: float = 240.0
    # The client's wait for an answer. A collector whose pipeline is blocked holds the request past it (status 0,
    # counted under errors): the sender moves on, the collector keeps the request in memory.
    timeout: float = 30.0
    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    spans_sent: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0
    _t0: float = 0.0
    _workers: list = field(default_factory=list)

    def start(self) -> "Sender":
        self._t0 = time.monotonic()
        deadline = self._t0 + self.max_seconds
        for _ in range(self.threads):
            t = threading.Thread(target=self._run, args=(deadline,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def _take(self, deadline: float) -> bool:
        with self._lock:
            if self._stop.is_set() or self._count >= self.max_requests or time.monotonic() >= deadline:
                return False
            i = self._count
            self._count += 1
        delay = self._t0 + i / self.rate - time.monotonic()
        return not (delay > 0 and self._stop.wait(delay))

    def _run(self, deadline: float) -> None:
        while self._take(deadline):
            body, spans = self.body_fn()
            req = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/x-protobuf"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    status = r.status
                    r.read()
            except urllib.error.HTTPError as e:
                status = e.code
                e.read()
            except OSError as e:
                status = 0
                with self._lock:
                    if len(self.errors) < 50:
                        self.errors.append(repr(e)[:200])
                self._stop.wait(0.5)
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.spans_sent += spans

    def stop(self) -> "Sender":
        self._stop.set()
        for t in self._workers:
            t.join(40)
        return self
