"""deploy/verify against the local X-Ray and AMP stand-ins (+ a real Prometheus behind the AMP one).

Everything listens on 127.0.0.1 only and is stopped at the end. Seed data: one X-Ray segment sent
with botocore's PutTraceSegments (SigV4-signed like the real collector) and one sample pushed into
Prometheus with remote write 1.0.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import botocore.session
import pytest

from conftest import DEPLOY, REPO



def find_java() -> str:
    """STANDINS_JAVA, else the JDK every other suite runs (e2e/lib.sh find_java: the image's major), never a
    hard-coded path or whatever `java` is on PATH."""
    if os.environ.get("STANDINS_JAVA"):
        return os.environ["STANDINS_JAVA"]
    script = 'set -euo pipefail; log() { echo "$*" >&2; }; REPO=$1; . "$REPO/e2e/lib.sh"; find_java; echo "$JAVA"'
    run = subprocess.run(["bash", "-c", script, "find_java", str(REPO)], capture_output=True, text=True, timeout=120)
    return run.stdout.strip().splitlines()[-1] if run.returncode == 0 and run.stdout.strip() else ""


JAVA = find_java()
JAR = REPO / "standins" / "target" / "aws-standins.jar"
FIXED_PORTS = {"xray": 4510, "amp": 4511, "s3": 4512, "ecs": 4513, "prometheus": 9090}
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
REGION = "us-west-2"
WORKSPACE = "ws-local"
SERVICE = "sample-app"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def choose_ports() -> dict:
    """The project's fixed loopback ports when they are free (CI runs suites one after another);
    otherwise, e.g. while another suite runs its own stand-ins, free ephemeral loopback ports."""
    if not any(port_open(p) for p in FIXED_PORTS.values()):
        return dict(FIXED_PORTS)
    ports = {name: free_port() for name in FIXED_PORTS}
    print(f"fixed stand-in ports busy; using {ports}")
    return ports


def wait_until(predicate, what: str, proc: subprocess.Popen, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} not ready after {timeout}s:\n{log.read_text()[-3000:]}", pytrace=False)


def start(cmd, log: Path, env=None) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def stop(proc: subprocess.Popen):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    if not JAR.is_file():
        pytest.fail(f"AWAITING STAND-INS: {JAR.relative_to(REPO)} does not exist; build it with "
                    f"`mvn -B -ntp -f standins/pom.xml verify` (scripts/test.sh runs that suite first)", pytrace=False)
    if not Path(JAVA).is_file():
        pytest.fail(f"no Java runtime found for the stand-ins (set STANDINS_JAVA): {JAVA!r}", pytrace=False)
    prometheus = shutil.which("prometheus")
    if not prometheus:
        pytest.fail("prometheus binary not found (deploy/tests/run.sh apt-installs it)", pytrace=False)
    ports = choose_ports()
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}

    tmp = tmp_path_factory.mktemp("verify-standins")
    (tmp / "prometheus.yml").write_text("global:\n  scrape_interval: 1h\n")
    procs = []
    try:
        prom_log = tmp / "prometheus.log"
        procs.append(start([prometheus, f"--config.file={tmp / 'prometheus.yml'}",
                            f"--storage.tsdb.path={tmp / 'tsdb'}", f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                            "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1h"], prom_log))
        wait_until(lambda: urllib.request.urlopen(f"{urls['prometheus']}/-/ready", timeout=1).status == 200,
                   "prometheus", procs[-1], prom_log)
        standins_log = tmp / "standins.log"
        env = {**os.environ, **CREDS, "AWS_EC2_METADATA_DISABLED": "true", "BIND_ADDRESS": "127.0.0.1",
               "XRAY_PORT": str(ports["xray"]), "AMP_PORT": str(ports["amp"]), "S3_PORT": str(ports["s3"]),
               "ECS_METADATA_PORT": str(ports["ecs"]), "PROMETHEUS_URL": urls["prometheus"],
               "AMP_WORKSPACE_IDS": WORKSPACE, "STANDIN_REGION": REGION}
        procs.append(start([JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-jar", str(JAR)], standins_log, env=env))
        wait_until(lambda: port_open(ports["xray"]) and port_open(ports["amp"]), "stand-ins", procs[-1], standins_log)
        yield urls
    finally:
        for p in reversed(procs):
            stop(p)


def reset_standins(urls):
    for base in (urls["xray"], urls["amp"]):
        req = urllib.request.Request(f"{base}/admin/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=5).read()


# --- seeding -----------------------------------------------------------------------------------------

def put_segment(urls, service: str):
    session = botocore.session.get_session()
    client = session.create_client("xray", region_name=REGION, endpoint_url=urls["xray"],
                                   aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                                   aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"])
    now = time.time()
    doc = {"name": service, "id": uuid.uuid4().hex[:16],
           "trace_id": f"1-{int(now):08x}-{uuid.uuid4().hex[:24]}",
           "start_time": now - 0.05, "end_time": now, "origin": "AWS::ECS::Container",
           "http": {"request": {"method": "GET", "url": "http://127.0.0.1:8080/orders/42"},
                    "response": {"status": 200}}}
    answer = client.put_trace_segments(TraceSegmentDocuments=[json.dumps(doc)])
    assert answer["UnprocessedTraceSegments"] == [], answer
    return doc["trace_id"]


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num: int, payload: bytes) -> bytes:  # length-delimited protobuf field
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def remote_write_body(labels: dict, value: float, ts_ms: int) -> bytes:
    """prometheus.WriteRequest (remote write 1.0) as protobuf, snappy block format with literal chunks only
    (valid snappy, just uncompressed: enough for one test sample, and no native library needed)."""
    label_bytes = b"".join(_field(1, _field(1, k.encode()) + _field(2, v.encode())) for k, v in sorted(labels.items()))
    sample = _varint(1 << 3 | 1) + struct.pack("<d", value) + _varint(2 << 3 | 0) + _varint(ts_ms)
    proto = _field(1, label_bytes + _field(2, sample))
    out = bytearray(_varint(len(proto)))
    for i in range(0, len(proto), 65536):
        chunk = proto[i:i + 65536]
        out += bytes([61 << 2]) + struct.pack("<H", len(chunk) - 1) + chunk
    return bytes(out)


def push_sample(urls, job: str, metric: str = "http_server_request_duration_seconds_count"):
    body = remote_write_body({"__name__": metric, "job": job, "instance": "task-0123"}, 3.0, int(time.time() * 1000))
    req = urllib.request.Request(f"{urls['prometheus']}/api/v1/write", data=body, method="POST", headers={
        "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})
    assert urllib.request.urlopen(req, timeout=5).status == 204
    # Prometheus answers queries for the sample right away; double-check it landed.
    q = urllib.parse.quote(f'{metric}{{job="{job}"}}')
    result = json.load(urllib.request.urlopen(f"{urls['prometheus']}/api/v1/query?query={q}", timeout=5))
    assert result["data"]["result"], result


# --- running verify ----------------------------------------------------------------------------------

def verify(urls, *extra, creds=CREDS, xray=None, amp=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(creds)
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    cmd = [sys.executable, str(DEPLOY / "verify"), "--region", REGION, "--workspace-id", WORKSPACE,
           "--xray-endpoint", xray or urls["xray"], "--amp-endpoint", amp or urls["amp"], "--timeout", "5", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    print(r.stdout, r.stderr)
    return r


@pytest.fixture(scope="module")
def seeded(services):
    reset_standins(services)
    trace_id = put_segment(services, SERVICE)
    push_sample(services, SERVICE)
    return services, trace_id


def test_verify_passes_when_telemetry_arrived(seeded):
    urls, trace_id = seeded
    r = verify(urls, "--service-name", SERVICE)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "X-Ray  PASS  1 trace(s) for service(\"sample-app\")" in r.stdout
    assert trace_id in r.stdout, "the report names an example trace"
    assert "AMP    PASS" in r.stdout and "http_server_request_duration_seconds_count" in r.stdout
    assert r.stdout.rstrip().endswith("RESULT: PASS - telemetry arrived in X-Ray and AMP")


def test_verify_fails_clearly_when_nothing_arrived(seeded):
    r = verify(seeded[0], "--service-name", "no-such-service")
    assert r.returncode == 1
    assert 'X-Ray  FAIL  no traces for service("no-such-service")' in r.stdout
    assert "AMP    FAIL  no series for PromQL" in r.stdout
    assert "did you curl the service?" in r.stdout
    assert r.stdout.rstrip().endswith("RESULT: FAIL (X-Ray, AMP)")
    assert "Traceback" not in r.stderr


def test_verify_fails_when_only_traces_are_missing(services):
    reset_standins(services)   # drops the X-Ray segments; Prometheus keeps the metric
    push_sample(services, "metrics-only")
    r = verify(services, "--service-name", "metrics-only")
    assert r.returncode == 1
    assert "X-Ray  FAIL" in r.stdout and "AMP    PASS" in r.stdout
    assert r.stdout.rstrip().endswith("RESULT: FAIL (X-Ray)")


def test_verify_fails_on_bad_signature(seeded):
    wrong = {**CREDS, "AWS_SECRET_ACCESS_KEY": "not-the-right-secret-key-EXAMPLE"}
    r = verify(seeded[0], "--service-name", SERVICE, creds=wrong)
    assert r.returncode == 1
    assert "X-Ray  FAIL  GetTraceSummaries failed" in r.stdout
    assert "AMP    FAIL  query answered HTTP 403" in r.stdout


def test_verify_fails_clearly_when_endpoints_are_down(services):
    closed = f"http://127.0.0.1:{free_port()}"
    r = verify(services, "--service-name", SERVICE, xray=closed, amp=closed)
    assert r.returncode == 1
    assert "X-Ray  FAIL" in r.stdout and "AMP    FAIL" in r.stdout and "Traceback" not in r.stderr


def test_verify_bad_usage_names_the_variable():
    r = subprocess.run([sys.executable, str(DEPLOY / "verify"), "--region", REGION], capture_output=True,
                       text=True, env={"PATH": os.environ["PATH"], "AWS_EC2_METADATA_DISABLED": "true"}, timeout=60)
    assert r.returncode == 2 and "AMP_WORKSPACE_ID (--workspace-id)" in r.stderr
    r = subprocess.run([sys.executable, str(DEPLOY / "verify"), "--region", "oregon", "--workspace-id", "ws-1"],
                       capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, timeout=60)
    assert r.returncode == 2 and "AWS_REGION (--region)" in r.stderr


def test_remote_write_encoder_roundtrip():
    # The hand-rolled encoder is test scaffolding; check its framing so a failure points here, not at verify.
    body = remote_write_body({"job": "x", "__name__": "m"}, 1.5, 1234)
    n, shift, i = 0, 0, 0
    while True:
        b = body[i]; n |= (b & 0x7F) << shift; i += 1; shift += 7
        if not b & 0x80:
            break
    assert body[i] == 61 << 2 and struct.unpack("<H", body[i + 1:i + 3])[0] + 1 == n == len(body) - i - 3
    assert b"__name__" in body and body.index(b"__name__") < body.index(b"job"), "labels sorted by name"
