#!/usr/bin/env python3
"""Minimal loopback fakes for the collector suite (collector/test/run.sh; started by conftest.py).

Not the project's AWS stand-ins (those live in standins/ and verify SigV4); this only gives the
collector something to talk to and records what it sent, so the tests can assert on it:

  --metadata PORT  ECS task metadata endpoint v4 at /v4/test-container (container, task, stats)
  --xray PORT      X-Ray: POST /TraceSegments, /GetSamplingRules, /SamplingTargets
  --amp PORT       AMP:   POST /workspaces/<id>/api/v1/remote_write; under /throttled/... always 429
                   (AMP throttling: the retry cadence test points the collector there)

Every request is appended as one JSON line to --record FILE (arrival time, method, path, selected headers,
body size and SHA-256 (a retried request repeats its body); for X-Ray the JSON body, for AMP the label sets of the decoded snappy/protobuf WriteRequest). Binds 127.0.0.1 only. Stops on SIGTERM/SIGINT.
"""
import argparse
import hashlib
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TASK_ARN = "arn:aws:ecs:us-west-2:123456789012:task/test-cluster/0123456789abcdef0123456789abcdef"
CONTAINERS = [
    # NONE (not created; the agent's container status, PENDING is only the ECS API's): ECS creates the app only
    # once the collector is HEALTHY (dependsOn), so this is what the collector's one resource detection at start
    # sees. (Its DockerId stays set so that the task stats, which describe a later moment, have the app.)
    {"DockerId": "aaaa1111", "Name": "sample-app", "DockerName": "ecs-sample-app-1",
     "Image": "sample-app:local", "ImageID": "sha256:aaaa", "Type": "NORMAL",
     "KnownStatus": "NONE", "DesiredStatus": "RUNNING",
     "Limits": {"CPU": 512, "Memory": 1024},
     "LogDriver": "awslogs",
     "LogOptions": {"awslogs-group": "/ecs/sample-app", "awslogs-region": "us-west-2",
                    "awslogs-stream": "app/sample-app/0123456789abcdef"},
     "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": ["127.0.0.1"]}]},
    {"DockerId": "bbbb2222", "Name": "collector", "DockerName": "ecs-collector-1",
     "Image": "otelcol-ecs:local", "ImageID": "sha256:bbbb", "Type": "NORMAL",
     "KnownStatus": "RUNNING", "DesiredStatus": "RUNNING",
     "Limits": {"CPU": 256, "Memory": 512},
     "LogDriver": "awslogs",
     "LogOptions": {"awslogs-group": "/ecs/sample-app", "awslogs-region": "us-west-2",
                    "awslogs-stream": "collector/collector/0123456789abcdef"},
     "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": ["127.0.0.1"]}]},
]
TASK = {"Cluster": "test-cluster", "TaskARN": TASK_ARN, "Family": "sample-app-task",
        "Revision": "7", "DesiredStatus": "RUNNING", "KnownStatus": "RUNNING",
        "Limits": {"CPU": 1, "Memory": 2048}, "AvailabilityZone": "us-west-2a",
        "LaunchType": "FARGATE", "ServiceName": "sample-app-svc", "Containers": CONTAINERS}


def stats(docker_id, name, cpu_total, mem_usage):
    return {
        "id": docker_id, "name": name,
        "read": "2026-01-01T00:00:30Z", "preread": "2026-01-01T00:00:00Z",
        "cpu_stats": {"cpu_usage": {"total_usage": cpu_total, "usage_in_kernelmode": 1,
                                    "usage_in_usermode": 1, "percpu_usage": [cpu_total]},
                      "system_cpu_usage": 10 ** 12, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": cpu_total // 2, "percpu_usage": [cpu_total // 2]},
                         "system_cpu_usage": 10 ** 12 - 10 ** 9, "online_cpus": 2},
        "memory_stats": {"usage": mem_usage, "max_usage": mem_usage, "limit": 4 * 2 ** 30,
                         "stats": {"cache": 0}},
        "networks": {"eth0": {"rx_bytes": 1000, "rx_packets": 10, "rx_errors": 0, "rx_dropped": 0,
                              "tx_bytes": 2000, "tx_packets": 20, "tx_errors": 0, "tx_dropped": 0}},
        "network_rate_stats": {"rx_bytes_per_sec": 100.0, "tx_bytes_per_sec": 200.0},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Write", "value": 8192}]},
    }


TASK_STATS = {"aaaa1111": stats("aaaa1111", "/ecs-sample-app-1", 4 * 10 ** 8, 300 * 2 ** 20),
              "bbbb2222": stats("bbbb2222", "/ecs-collector-1", 10 ** 8, 80 * 2 ** 20)}

HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
           "content-type", "content-encoding", "x-prometheus-remote-write-version", "host")

lock = threading.Lock()


def snappy_decode(buf):
    """Snappy block format (what Prometheus remote write uses), pure Python."""
    pos, n, shift = 0, 0, 0
    while True:
        b = buf[pos]; pos += 1
        n |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            break
    out = bytearray()
    while pos < len(buf):
        tag = buf[pos]; pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            ln = tag >> 2
            if ln >= 60:
                nb = ln - 59
                ln = int.from_bytes(buf[pos:pos + nb], "little"); pos += nb
            ln += 1
            out += buf[pos:pos + ln]; pos += ln
            continue
        if kind == 1:
            ln = ((tag >> 2) & 7) + 4
            off = ((tag >> 5) << 8) | buf[pos]; pos += 1
        elif kind == 2:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[pos:pos + 2], "little"); pos += 2
        else:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[pos:pos + 4], "little"); pos += 4
        for _ in range(ln):
            out.append(out[-off])
    if len(out) != n:
        raise ValueError("snappy length mismatch")
    return bytes(out)


def pb_fields(buf):
    """Yield (field number, wire type, value) of a protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(buf, pos)
        elif wt == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wt == 2:
            ln, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + ln], pos + ln
        elif wt == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield field, wt, val


def _varint(buf, pos):
    n, shift = 0, 0
    while True:
        b = buf[pos]; pos += 1
        n |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            return n, pos


def remote_write_series(body):
    """Label sets of a remote-write 1.0 WriteRequest (prometheus.WriteRequest, snappy)."""
    series = []
    for f, _, ts in pb_fields(snappy_decode(body)):
        if f != 1:  # 1 = timeseries
            continue
        labels = {}
        for tf, _, lab in pb_fields(ts):
            if tf == 1:  # 1 = labels
                kv = {lf: lv.decode() for lf, _, lv in pb_fields(lab)}
                labels[kv.get(1, "")] = kv.get(2, "")
        series.append(labels)
    return series


def make_handler(kind, record):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _record(self, body):
            entry = {"t": time.time(), "kind": kind, "method": self.command, "path": self.path,
                     "headers": {k: v for k, v in ((h, self.headers.get(h)) for h in HEADERS) if v},
                     "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest()}
            if kind == "xray" and body:
                try:
                    entry["json"] = json.loads(body)
                except ValueError:
                    entry["json"] = None
            if kind == "amp" and body:
                try:
                    entry["series"] = remote_write_series(body)
                except (ValueError, IndexError) as e:
                    entry["series_error"] = str(e)
            with lock, open(record, "a") as f:
                f.write(json.dumps(entry) + "\n")

        def _send(self, code, obj=None):
            data = b"" if obj is None else json.dumps(obj).encode()
            self.send_response(code)
            if obj is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._record(b"")
            if kind != "metadata":
                return self._send(404, {"message": "not found"})
            base = "/v4/test-container"
            routes = {base: CONTAINERS[1], base + "/task": TASK,
                      base + "/stats": TASK_STATS["bbbb2222"], base + "/task/stats": TASK_STATS}
            if self.path in routes:
                return self._send(200, routes[self.path])
            return self._send(404, {"message": "not found"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._record(body)
            if kind == "xray" and self.path == "/TraceSegments":
                return self._send(200, {"UnprocessedTraceSegments": []})
            if kind == "xray" and self.path == "/GetSamplingRules":
                return self._send(200, {"SamplingRuleRecords": []})
            if kind == "xray" and self.path == "/SamplingTargets":
                return self._send(200, {"SamplingTargetDocuments": [], "UnprocessedStatistics": [],
                                        "LastRuleModification": 0})
            if kind == "amp" and self.path.startswith("/throttled/"):
                return self._send(429, {"message": "Rate exceeded"})   # AMP's ThrottlingException status
            if kind == "amp" and self.path.endswith("/api/v1/remote_write"):
                return self._send(200)
            return self._send(404, {"message": "not found"})

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--metadata", type=int)
    p.add_argument("--xray", type=int)
    p.add_argument("--amp", type=int)
    p.add_argument("--record", required=True)
    a = p.parse_args()
    servers = []
    for kind, port in (("metadata", a.metadata), ("xray", a.xray), ("amp", a.amp)):
        if port:
            srv = ThreadingHTTPServer(("127.0.0.1", port), make_handler(kind, a.record))
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            servers.append(srv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    for srv in servers:
        srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
