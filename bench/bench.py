#!/usr/bin/env python3
"""Cost-of-observability benchmark (issues 6 and 13). Started by bench/run.sh; method and latest table in the README
(Benchmark).

Starts Prometheus, the AWS stand-ins and the collector (shipped config) once, then every round runs two passes,
each variant in a fresh app JVM on 127.0.0.1:8080: first saturation throughput (wrk), then, at rates every variant
sustains (50 % of the lowest saturation of that round, and 1,000 req/s), latency with the coordinated-omission-
corrected RateLoader and the cost figures around it. Variants: `on` (100 % sampling), `shipped` (exactly as the
task definition runs it: X-Ray's default rule through the collector's awsproxy), `disabled`, `agent`.
Everything it starts it stops (finally + signal handlers). All traffic goes to loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import shipped

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SHIPPED: dict = {}  # filled in main(): what task-definition.json ships, resolved for this host (shipped.py)
LIMITS: dict = {}   # filled in main(): each container's memory limit in bytes (task-definition.json)
CACHE = Path(os.environ.get("ECS_OTEL_SAMPLE_CACHE", Path.home() / ".cache" / "ecs-otel-sample"))
JAVA_HOME = Path(os.environ.get("BENCH_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"))
JAVA = str(JAVA_HOME / "bin" / "java")
APP_MAIN = "com.example.ecsotel.Main"
VARIANTS = ("on", "shipped", "disabled", "agent")
FIXED_RPS = 1000.0                       # the second latency rate: a modest load every variant carries
ENDPOINTS = {"orders": "/orders/42", "root": "/"}
APP = "http://127.0.0.1:8080"
XRAY = "http://127.0.0.1:4510"
COLLECTOR_METRICS = "http://127.0.0.1:8888/metrics"
PORTS = {8080: "app", 4317: "collector OTLP gRPC", 4318: "collector OTLP HTTP", 13133: "collector health",
         2000: "collector awsproxy", 8888: "collector self-metrics", 4510: "X-Ray stand-in",
         4511: "AMP stand-in", 4512: "S3 stand-in", 4513: "ECS metadata stand-in", 9090: "Prometheus"}
FAKE_CREDS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
              "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

# Phase lengths in seconds: (full, smoke). Every load phase is bounded by these.
PROFILE = {
    "full": dict(rounds=5, warmup=8, sat=10, rate=15, rate_warmup=2, wrk_conns=16, rate_conns=16,
                 sustainable_rps=1000, sustainable_s=10, background_s=10, sustainable_warmup=30),
    "smoke": dict(rounds=1, warmup=1, sat=2, rate=2, rate_warmup=0.5, wrk_conns=8, rate_conns=8,
                  sustainable_rps=200, sustainable_s=2, background_s=1, sustainable_warmup=1),
}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy, loopback only


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def http(method: str, url: str, timeout: float = 5.0, body: bytes | None = None) -> tuple[int, bytes]:
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "::1", "localhost"):
        raise ValueError(f"loopback only, refusing {url}")
    req = urllib.request.Request(url, method=method, data=body,
                                 headers={"Content-Type": "application/json"} if body else {})
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(probe, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = probe()
            if v:
                return v
        except (OSError, ValueError) as e:
            last = e
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------------------------------------------
# Processes


class Proc:
    """A child in its own session (process group), output to a log file, stopped by pid."""

    registry: list["Proc"] = []

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path, cwd: Path | None = None):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.log = logdir / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> "Proc":
        with open(self.log, "ab") as out:
            self.started = time.monotonic()
            self.popen = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        Proc.registry.append(self)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, grace: float = 15.0) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.popen.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.popen.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self in Proc.registry:
            Proc.registry.remove(self)
        return self.popen.returncode

    @classmethod
    def stop_all(cls) -> None:
        for p in reversed(list(cls.registry)):
            try:
                p.stop(grace=10)
            except Exception as e:  # keep stopping the others
                log(f"stopping {p.name}: {e}")


def trim_log(path: Path, keep: int = 60) -> None:
    """The app logs one line per request (its access log): keep the head, WARN/ERROR lines and the tail."""
    try:
        if path.stat().st_size < 2_000_000:
            return
        head, tail_, flagged, n = [], [], [], 0
        with open(path, errors="replace") as f:
            for line in f:
                n += 1
                if len(head) < keep:
                    head.append(line)
                elif " WARN " in line or " ERROR " in line or "Exception" in line:
                    if len(flagged) < 200:
                        flagged.append(line)
                tail_.append(line)
                if len(tail_) > keep:
                    tail_.pop(0)
        path.write_text("".join(head) + f"[bench] ... {n} lines, trimmed; WARN/ERROR lines follow ...\n"
                        + "".join(flagged) + "[bench] ... tail ...\n" + "".join(tail_))
    except OSError:
        pass


IDLE_WAIT_S = 40   # > the ECS metrics receiver's 30 s first poll + the 5 s metrics batch


def proc_stat(pid: int) -> dict:
    """CPU seconds (utime+stime, this process only), RSS and its anonymous part (heap, stacks: what cannot
    be reclaimed under a memory limit, unlike the binary's file-backed pages) from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    mem = {"VmRSS:": 0, "RssAnon:": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(maxsplit=1)[0] if line.strip() else ""
            if key in mem:
                mem[key] = int(line.split()[1]) * 1024
    return {"cpu_s": cpu, "rss": mem["VmRSS:"], "rss_anon": mem["RssAnon:"]}


# Thread name (as /proc shows it, 15 characters) -> role. First match wins.
THREAD_ROLES = [
    ("http", re.compile(r"^(HTTP-Dispatcher|ForkJoinPool|VirtualThread|pool-#-thread)")),
    ("span-processor", re.compile(r"BatchSpanProces")),
    ("exporter", re.compile(r"(?i)okhttp|okio")),
    ("jit", re.compile(r"^C[12] CompilerThre")),
    ("gc", re.compile(r"^(VM Thread|GC |G1 )")),
]


def thread_role(name: str) -> str:
    return next((r for r, pattern in THREAD_ROLES if pattern.search(name)), "other")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name, threads of one pool summed (digits folded: pool-3-thread-17 ->
    pool-#-thread-#), from /proc/<pid>/task/*/stat. Threads that ended are missing: diff two reads."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended between listing and reading
        name = re.sub(r"\d+", "#", name)
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def role_cpu(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per thread role between two thread_cpu() reads."""
    roles: dict[str, float] = {}
    for name, cpu in after.items():
        roles[thread_role(name)] = roles.get(thread_role(name), 0.0) + max(0.0, cpu - before.get(name, 0.0))
    return roles


class RssSampler:
    """Samples the RSS of a set of pids every 0.25 s in a thread; keeps the maximum per name."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.max = {k: 0 for k in pids}
        self.max_anon = {k: 0 for k in pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:
                    st = proc_stat(pid)
                    self.max[name] = max(self.max[name], st["rss"])
                    self.max_anon[name] = max(self.max_anon[name], st["rss_anon"])
                except OSError:
                    pass
            self._stop.wait(0.25)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(2)


# ---------------------------------------------------------------------------------------------------
# Probes


def jvm_probe(tools: Path, pid: int) -> dict:
    out = subprocess.run([JAVA, "-cp", str(tools), "JvmProbe", str(pid)], capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"JvmProbe {pid} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def xray_stats() -> dict:
    status, body = http("GET", f"{XRAY}/admin/stats")
    if status != 200:
        raise RuntimeError(f"X-Ray stand-in stats -> {status}")
    return json.loads(body)


def xray_reset() -> None:
    status, _ = http("POST", f"{XRAY}/admin/reset", body=b"")
    if status >= 300:
        raise RuntimeError(f"X-Ray stand-in reset -> {status}")


def span_count(stats: dict) -> int:
    """Spans the X-Ray stand-in accepted: the awsxray exporter sends one segment document per span
    (received.segments), plus any subsegments nested inside a document (received.subsegments); the
    otlp_http/xray exporter (TRACES_EXPORTER) sends OTLP spans to /v1/traces (received.spans)."""
    rec = stats.get("received", {})
    return int(rec.get("segments", 0)) + int(rec.get("subsegments", 0)) + int(rec.get("spans", 0))


def span_rejected(stats: dict) -> int:
    return int(stats.get("received", {}).get("segmentsUnprocessed", 0))


def collector_metrics() -> dict[str, float]:
    """Collector self-metrics summed per metric name (labels folded), span-related ones only."""
    status, body = http("GET", COLLECTOR_METRICS)
    if status != 200:
        return {}
    totals: dict[str, float] = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m or "span" not in m.group(1):
            continue
        try:
            totals[m.group(1)] = totals.get(m.group(1), 0.0) + float(m.group(3))
        except ValueError:
            pass
    return totals


def metrics_delta(before: dict, after: dict) -> dict:
    return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in sorted(set(before) | set(after))}


def drop_counters(delta: dict) -> dict:
    """Collector-side span losses in a window: refused by receivers, dropped by processors, failed or
    not enqueued by exporters."""
    out = {}
    for k, v in delta.items():
        if any(w in k for w in ("refused", "dropped", "send_failed", "enqueue_failed")):
            out[k] = v
    return out


def sdk_span_counters(job: str) -> dict[str, float]:
    """The app SDK's (or agent's) own span-pipeline metrics as they reached Prometheus through the
    collector and the AMP stand-in (e.g. the batch span processor's processed/dropped counters)."""
    q = urllib.parse.urlencode({"query": f'{{__name__=~"(?i).*span.*", job="{job}"}}'})
    try:
        status, body = http("GET", f"http://127.0.0.1:9090/api/v1/query?{q}", timeout=10)
    except OSError:
        return {}
    if status != 200:
        return {}
    out = {}
    for item in json.loads(body).get("data", {}).get("result", []):
        m = dict(item["metric"])
        name = m.pop("__name__", "?")
        labels = ",".join(f"{k}={v}" for k, v in sorted(m.items())
                          if k not in ("job", "instance") and not k.startswith(("service_", "telemetry_",
                                                                                   "host_", "os_", "process_")))
        out[f"{name}{{{labels}}}"] = float(item["value"][1])
    return out


def wait_spans_settled(quiet: float, timeout: float) -> int:
    """Waits until the X-Ray stand-in's span count has not changed for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last = span_count(xray_stats())
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        n = span_count(xray_stats())
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return n
    return last


# ---------------------------------------------------------------------------------------------------
# Load


def run_wrk(path: str, seconds: float, conns: int) -> dict:
    url = APP + path
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
           "-s", str(HERE / "wrk-summary.lua"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    m = re.search(r"WRK_JSON (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"]
    return r


def run_rate(tools: Path, path: str, rate: float, seconds: float, conns: int, warmup: float) -> dict:
    cmd = [JAVA, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", str(tools), "RateLoader",
           APP + path, f"{rate:.1f}", str(seconds), str(conns), str(warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + warmup + 60)
    if out.returncode != 0:
        raise RuntimeError(f"RateLoader failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------
# Environment


class Stack:
    def __init__(self, args, logdir: Path):
        self.args, self.logdir = args, logdir
        self.collector: Proc | None = None
        self.standins: Proc | None = None

    def base_env(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        return env

    def start(self) -> None:
        a = self.args
        env = self.base_env()
        # Prometheus (Debian's binary), fresh TSDB under results/, remote-write receiver on for the AMP
        # stand-in to forward to.
        prom_dir = self.logdir / "prometheus-data"
        prom_dir.mkdir(parents=True, exist_ok=True)
        prom_cfg = self.logdir / "prometheus.yml"
        prom_cfg.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        # Prometheus and the stand-ins play remote AWS services, which cost an ECS task no CPU: they run
        # at the lowest CPU priority so they take what the app and collector leave (their CPU is reported).
        Proc("prometheus", ["nice", "-n", "19", a.prometheus, f"--config.file={prom_cfg}", f"--storage.tsdb.path={prom_dir}",
                            "--web.listen-address=127.0.0.1:9090", "--web.enable-remote-write-receiver"],
             env, self.logdir).start()
        wait_for(lambda: http("GET", "http://127.0.0.1:9090/-/ready")[0] == 200, 60, "Prometheus ready")
        # The stand-ins, configured as the e2e suite does (SigV4-verifying with the fake credentials).
        standins_env = dict(env, BIND_ADDRESS="127.0.0.1", PROMETHEUS_URL="http://127.0.0.1:9090",
                            STANDIN_ACCESS_KEY_ID=FAKE_CREDS["AWS_ACCESS_KEY_ID"],
                            STANDIN_SECRET_ACCESS_KEY=FAKE_CREDS["AWS_SECRET_ACCESS_KEY"],
                            STANDIN_REGION="us-west-2",
                            SAMPLING_RULES_FILE=str(REPO / "deploy" / "xray-sampling-rules.json"))
        self.standins = Proc("standins", ["nice", "-n", "19", JAVA, "-Xmx512m", "-jar", str(a.standins_jar)],
                             standins_env,
                             self.logdir).start()
        for port in (4510, 4511, 4512, 4513):
            wait_for(lambda p=port: http("GET", f"http://127.0.0.1:{p}/admin/stats")[0] == 200, 90,
                     f"stand-in :{port}/admin/stats")
        # X-Ray's default rule (1 request/s, then 5 %), which `shipped` follows through awsproxy; `on` and
        # `agent` set their own sampler (always_on, parentbased_always_on) and never ask the rules.
        rules = [{"RuleName": "Default", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1,
                  "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*",
                  "ResourceARN": "*", "Version": 1, "Attributes": {}}]
        status, body = http("PUT", f"{XRAY}/admin/sampling-rules", body=json.dumps(rules).encode())
        if status not in (200, 204):
            log(f"warning: PUT /admin/sampling-rules -> {status} {body[:200]!r}")
        coll_env = dict(env, **FAKE_CREDS, AWS_REGION="us-west-2",
                        AMP_REMOTE_WRITE_URL="http://127.0.0.1:4511/workspaces/ws-local/api/v1/remote_write",
                        XRAY_ENDPOINT="http://127.0.0.1:4510",
                        ECS_CONTAINER_METADATA_URI_V4="http://127.0.0.1:4513/v4/aws-otel-collector")
        coll_env.update(SHIPPED["collector_env"])  # GOGC/GOMEMLIMIT as the task definition sets them
        for kv in os.environ.get("BENCH_COLLECTOR_ENV", "").split():  # experiments only, noted in the report
            k, _, v = kv.partition("=")
            coll_env[k] = v
        # BENCH_COLLECTOR_NICE: lower the collector's CPU priority (experiments: models container CPU units).
        nice = os.environ.get("BENCH_COLLECTOR_NICE", "0")
        # Started the ADOT-on-ECS way (collector/adot-launch.sh): the config as stored in SSM through
        # AOT_CONFIG_CONTENT, the task definition's command, uid 10001, read-only root, no capabilities.
        launch = str(REPO / "collector" / "adot-launch.sh")
        self.collector = Proc("collector", ["nice", "-n", nice, launch, a.collector_bin, str(a.collector_config)],
                              coll_env, self.logdir).start()
        wait_for(lambda: http("GET", "http://127.0.0.1:13133/")[0] == 200, 60, "collector health")

    def app_argv_env(self, variant: str, tools: Path, tag: str) -> tuple[list[str], dict[str, str]]:
        a = self.args
        env = self.base_env()
        env.update(FAKE_CREDS)
        env.update({
            "PORT": "8080", "BIND_ADDRESS": "127.0.0.1", "AWS_REGION": "us-west-2",
            "OTEL_SERVICE_NAME": f"bench-{variant}-{tag}",
            "ORDERS_LATENCY_MS": "0", "ORDERS_ERROR_RATE": "0",
            "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:2000",
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4512",
            "ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:4513/v4/sample-app",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_LOGS_EXPORTER": "none",
        })
        if variant != "shipped":   # shipped: the task definition sets no sampler, so X-Ray's rules decide
            env["OTEL_TRACES_SAMPLER"] = "always_on"
        env.update(SHIPPED["app_env"])  # e.g. MALLOC_ARENA_MAX, as the task definition sets it
        extra = os.environ.get(f"BENCH_EXTRA_ENV_{variant.upper()}", "")
        for kv in extra.split():
            k, _, v = kv.partition("=")
            env[k] = v
        jvm = a.java_opts.split()
        if a.jfr:
            jvm.append("-XX:StartFlightRecording=settings=profile")
        if variant == "disabled":
            env["OTEL_SDK_DISABLED"] = "true"
            argv = [JAVA, *jvm, "-cp", str(a.app_jar), APP_MAIN]
        elif variant in ("on", "shipped"):
            argv = [JAVA, *jvm, "-cp", str(a.app_jar), APP_MAIN]
        elif variant == "agent":
            # The agent's own config (env, read in premain). AgentVariantMain then switches the app's SDK
            # off with a system property only the app reads afterwards.
            env.update({"OTEL_METRICS_EXPORTER": "otlp", "OTEL_TRACES_EXPORTER": "otlp",
                        "OTEL_PROPAGATORS": "tracecontext,baggage,xray"})
            argv = [JAVA, *jvm, f"-javaagent:{a.agent_jar}", "-cp", f"{tools}:{a.app_jar}",
                    "AgentVariantMain", APP_MAIN]
        else:
            raise ValueError(variant)
        return argv, env

    def stop(self) -> None:
        Proc.stop_all()


# ---------------------------------------------------------------------------------------------------
# One variant run


def healthcheck_rss(stack: Stack) -> int | None:
    """Peak RSS (bytes) of one run of the task definition's app health check (a second JVM in the app's
    container every 15 s), against the running app. None if it failed: then it says nothing."""
    argv = shipped.healthcheck_argv(SHIPPED["task_def"], JAVA, str(stack.args.app_jar))
    env = dict(stack.base_env(), PORT="8080")
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss * 1024 if p.returncode == 0 else None


def first_200(app: Proc, timeout: float) -> tuple[float, int]:
    """Seconds from process start to the first 200 on GET /, and how many HTTP responses it took."""
    deadline = time.monotonic() + timeout
    responses = 0
    while time.monotonic() < deadline:
        if not app.alive():
            raise RuntimeError(f"app exited with {app.popen.returncode}:\n{app.tail()}")
        try:
            status, _ = http("GET", APP + "/", timeout=2)
            responses += 1
            if status == 200:
                return time.monotonic() - app.started, responses
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"app not serving 200 on / after {timeout}s:\n{app.tail()}")


def run_variant(stack: Stack, tools: Path, variant: str, prof: dict, rates: dict | None, tag: str) -> dict:
    """One variant in a fresh JVM. rates None: the saturation pass (wrk per endpoint, then the overload drain).
    rates {"low": {ep: req/s}, "1k": {ep: req/s}}: the latency pass (sustainable window, then each rate set)."""
    a = stack.args
    res: dict = {"variant": variant, "tag": tag}
    xray_reset()
    coll_pid = stack.collector.pid
    argv, env = stack.app_argv_env(variant, tools, tag)
    cm_start = collector_metrics()
    app = Proc(f"app-{tag}-{variant}-{'sat' if rates is None else 'lat'}", argv, env, stack.logdir)
    app.start()
    try:
        res["first_200_s"], probes = first_200(app, 60)
        res["probe_requests"] = probes
        pids = {"app": app.pid, "collector": coll_pid}
        # Warm-up: JIT and pools, both endpoints, not measured.
        res["warmup_requests"] = {}
        for name, path in ENDPOINTS.items():
            res["warmup_requests"][name] = run_wrk(path, prof["warmup"] / 2, prof["wrk_conns"])["requests"]
        probe0 = jvm_probe(tools, app.pid)  # also starts the local JMX agent (all variants alike)
        res["app_heap_committed"] = probe0["heap_committed"]

        if rates is None:
            # Saturation (closed loop, wrk), per endpoint.
            res["sat"] = {}
            with RssSampler(pids) as rss_sat:
                for name, path in ENDPOINTS.items():
                    before = jvm_probe(tools, app.pid)
                    w = run_wrk(path, prof["sat"], prof["wrk_conns"])
                    after = jvm_probe(tools, app.pid)
                    w["alloc_per_req"] = (after["allocated_bytes"] - before["allocated_bytes"]) / max(1, w["requests"])
                    w["app_cpu_us_per_req"] = (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, w["requests"])
                    res["sat"][name] = w
            res["app_rss_sat_max"] = rss_sat.max["app"]
            res["healthcheck_rss_max"] = healthcheck_rss(stack)
            res["collector_rss_sat_max"] = rss_sat.max["collector"]
            # Drain the overload window (so the latency pass starts on an idle pipeline), then count what
            # arrived (wrk leaves up to `conns` requests in flight when it stops: the expected count is a range).
            sat_delivered = wait_spans_settled(quiet=a.quiet, timeout=60) if variant != "disabled" else 0
            res["overload"] = {
                "delivered_spans": sat_delivered,
                "completed_requests": {n: res["warmup_requests"][n] + res["sat"][n]["requests"]
                                       + (probes if n == "root" else 0) for n in ENDPOINTS},
                "uncounted_in_flight_max": 2 * len(ENDPOINTS) * prof["wrk_conns"],
            }
            res["overload"]["collector_drops"] = drop_counters(metrics_delta(cm_start, collector_metrics()))
            return res

        res["sustainable"] = sustainable_window(stack, tools, prof, coll_pid, app.pid)

        # Latency at each rate set, open loop, both endpoints: "low" = 50 % of the lowest saturation of the
        # round's variants, "1k" = 1,000 req/s. Also allocation and delivery under that load.
        xray_reset()
        cm0 = collector_metrics()
        c0 = proc_stat(coll_pid)
        s0 = proc_stat(stack.standins.pid)
        t0 = time.monotonic()
        with RssSampler(pids) as rss_rate:
            for key, rate_set in (("rate", rates["low"]), ("rate_1k", rates["1k"])):
                res[key] = {}
                for name, path in ENDPOINTS.items():
                    before = jvm_probe(tools, app.pid)
                    r = run_rate(tools, path, rate_set[name], prof["rate"], prof["rate_conns"], prof["rate_warmup"])
                    after = jvm_probe(tools, app.pid)
                    done = r["completed"] + r["warmup_completed"]
                    r["alloc_per_req"] = (after["allocated_bytes"] - before["allocated_bytes"]) / max(1, done)
                    r["app_cpu_us_per_req"] = (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, done)
                    res[key][name] = r
        res["app_rss_rate_max"] = rss_rate.max["app"]
        res["collector_rss_max"] = rss_rate.max["collector"]
        res["collector_rss_anon_max"] = rss_rate.max_anon["collector"]
        # Drain with the app alive (see calibrate_spans: the app's halt(0) cuts the agent's flush short),
        # then stop it (the app's own SDK flushes on SIGTERM) and count again.
        alive_delivered = wait_spans_settled(quiet=a.quiet, timeout=90) if variant != "disabled" else 0
        if a.jfr:  # the app's SIGTERM hook ends in Runtime.halt(0), so JFR's dump-on-exit never runs
            subprocess.run([str(JAVA_HOME / "bin" / "jcmd"), str(app.pid), "JFR.dump",
                            f"filename={stack.logdir / f'{variant}-{tag}.jfr'}"], capture_output=True, timeout=60)
        t_stop = time.monotonic()
        res["exit_code"] = app.stop(grace=20)
        res["stop_s"] = time.monotonic() - t_stop
        delivered = wait_spans_settled(quiet=3, timeout=90) if variant != "disabled" else 0
        res["delivered_before_stop"] = alive_delivered
        xs = xray_stats()
        res["xray_unprocessed_sustained"] = span_rejected(xs)
        res["xray_rejected_calls_sustained"] = xs.get("rejectedTotal", 0)
        c1 = proc_stat(coll_pid)
        cm1 = collector_metrics()
        window = time.monotonic() - t0
        res["sustained"] = {
            "completed_requests": {n: sum(res[k][n]["completed"] + res[k][n]["warmup_completed"]
                                          for k in ("rate", "rate_1k")) for n in ENDPOINTS},
            "delivered_spans": delivered,
            "collector_cpu_s": c1["cpu_s"] - c0["cpu_s"],
            "standins_cpu_s": proc_stat(stack.standins.pid)["cpu_s"] - s0["cpu_s"],
            "window_s": window,
            "collector_metrics_delta": metrics_delta(cm0, cm1),
        }
        res["sustained"]["collector_drops"] = drop_counters(res["sustained"]["collector_metrics_delta"])
        # Cumulative over the app's life (warm-up and the rate windows), as exported at shutdown.
        res["sdk_span_counters"] = sdk_span_counters(f"bench-{variant}-{tag}") if variant != "disabled" else {}
        return res
    finally:
        app.stop(grace=20)
        trim_log(app.log)


def sustainable_window(stack: Stack, tools: Path, prof: dict, coll_pid: int, app_pid: int) -> dict:
    """Delivery, app CPU and collector cost at a load the pipeline carries on this machine.

    Half the lowest saturation is ~6,000 req/s of /orders/{id} at 100 % sampling, ~24,000 spans/s: more than
    the collector (awsxray translation) and the X-Ray stand-in take on 2 shared cores, so delivery there
    measures overload handling. This window runs /orders/{id} at `sustainable_rps` (1,000 req/s = 4,000
    spans/s at 100 %), open loop. First, with the app idle, the collector's background work (ECS and app
    metrics, scrapes) is measured over `background_s`, so the per-span figure can leave it out.
    """
    rps, seconds = prof["sustainable_rps"], prof["sustainable_s"]
    # First the same load unmeasured: after the wrk warm-up the JIT still compiles for this load's profile
    # (bench/profile.py: C2 was ~30 % of the app's CPU in the first window at 1,000 req/s).
    run_rate(tools, ENDPOINTS["orders"], rps, prof["sustainable_warmup"], prof["rate_conns"], 0)
    # The warm-up's spans leave the SDK's queue up to 5 s later: let them arrive first, so neither the
    # background window nor the measured one carries them.
    wait_spans_settled(quiet=stack.args.quiet, timeout=60)
    b0 = proc_stat(coll_pid)
    time.sleep(prof["background_s"])
    b1 = proc_stat(coll_pid)
    background_cpu_per_s = (b1["cpu_s"] - b0["cpu_s"]) / prof["background_s"]
    xray_reset()
    cm0, c0 = collector_metrics(), proc_stat(coll_pid)
    t0 = time.monotonic()
    before = jvm_probe(tools, app_pid)
    threads0 = thread_cpu(app_pid)
    with RssSampler({"app": app_pid, "collector": coll_pid}) as rss:
        r = run_rate(tools, ENDPOINTS["orders"], rps, seconds, prof["rate_conns"], prof["rate_warmup"])
    roles = role_cpu(threads0, thread_cpu(app_pid))
    after = jvm_probe(tools, app_pid)
    done = r["completed"] + r["warmup_completed"]
    delivered = wait_spans_settled(quiet=stack.args.quiet, timeout=60)
    c1, cm1 = proc_stat(coll_pid), collector_metrics()
    window = time.monotonic() - t0
    cpu = c1["cpu_s"] - c0["cpu_s"]
    return {"rps": rps, "seconds": seconds, "completed_requests": done,
            "errors": r.get("errors"), "delivered_spans": delivered,
            "app_cpu_us_per_req": (after["cpu_ns"] - before["cpu_ns"]) / 1e3 / max(1, done),
            # The same split by thread role (bench/profile.py has the per-thread detail); "jit" is what the
            # compiler threads still spend, a warm-up cost the steady state does not pay.
            "app_role_us_per_req": {k: v * 1e6 / max(1, done) for k, v in sorted(roles.items())},
            "collector_cpu_s": cpu, "window_s": window,
            "collector_background_cpu_per_s": background_cpu_per_s,
            "collector_cpu_s_net": max(0.0, cpu - background_cpu_per_s * window),
            "collector_rss_max": rss.max["collector"], "app_rss_max": rss.max["app"],
            "collector_drops": drop_counters(metrics_delta(cm0, cm1))}


def xray_documents() -> list[dict]:
    """Every segment/subsegment document the X-Ray stand-in holds: GET /admin/segments answers a JSON
    array of the accepted documents (XRayStandin.storedSegments)."""
    status, body = http("GET", f"{XRAY}/admin/segments", timeout=30)
    if status != 200:
        raise RuntimeError(f"X-Ray stand-in /admin/segments -> {status}")
    docs = json.loads(body)
    if not isinstance(docs, list):
        raise RuntimeError(f"X-Ray stand-in /admin/segments is not a JSON array: {body[:200]!r}")
    return docs


def calibrate_spans(stack: Stack, tools: Path, variant: str) -> dict:
    """Spans one request makes, per endpoint: N sequential requests of each, the app stopped (its SDK
    flushes), then the stand-in's documents grouped by trace and by the server segment's URL."""
    n = 10
    argv, env = stack.app_argv_env(variant, tools, "spancal")
    xray_reset()
    app = Proc(f"app-spancal-{variant}", argv, env, stack.logdir).start()
    try:
        first_200(app, 60)
        for path in ENDPOINTS.values():
            for _ in range(n):
                status, _ = http("GET", APP + path)
                if status != 200:
                    raise RuntimeError(f"{path} -> {status} during span calibration")
        # Let the batch span processor export while the app is alive: the app's SIGTERM hook ends in
        # Runtime.halt(0), which cuts the Java agent's own flush-on-exit hook short.
        wait_spans_settled(quiet=stack.args.quiet, timeout=60)
    finally:
        app.stop(grace=20)
    wait_spans_settled(quiet=2, timeout=60)
    documents = xray_documents()
    if not documents and span_count(xray_stats()) > 0:
        # TRACES_EXPORTER=otlp_http/xray: spans arrive as OTLP at /v1/traces, not as segment documents.
        return calibrate_spans_by_count(stack, tools, variant, n)
    traces: dict[str, list[dict]] = {}
    for d in documents:
        traces.setdefault(d.get("trace_id", "?"), []).append(d)
    per: dict[str, list[int]] = {name: [] for name in ENDPOINTS}
    other = 0
    for docs in traces.values():
        url = ""
        for d in docs:
            if d.get("type") != "subsegment" and "parent_id" not in d:
                url = ((d.get("http") or {}).get("request") or {}).get("url", "")
        name = next((k for k, p in ENDPOINTS.items() if urllib.parse.urlsplit(url).path == p), None)
        if name:
            per[name].append(len(docs))
        else:
            other += len(docs)
    out = {}
    for name, counts in per.items():
        if not counts:  # e.g. an experiment with OTEL_TRACES_EXPORTER=none; delivery is then n/a
            log(f"warning: span calibration ({variant}): no trace for {ENDPOINTS[name]} reached X-Ray")
        out[name] = statistics.median(counts) if counts else 0
    # The first-200 probe is one extra "/" request.
    out["traces"] = {k: len(v) for k, v in per.items()}
    out["other_spans"] = other
    return out


def calibrate_spans_by_count(stack: Stack, tools: Path, variant: str, n: int) -> dict:
    """Spans per request from the stand-in's span counter, one endpoint at a time (for the OTLP path,
    where there are no segment documents to group by trace)."""
    argv, env = stack.app_argv_env(variant, tools, "spancal-otlp")
    app = Proc(f"app-spancal-otlp-{variant}", argv, env, stack.logdir).start()
    out: dict = {"traces": {}, "other_spans": 0}
    try:
        first_200(app, 60)
        wait_spans_settled(quiet=stack.args.quiet, timeout=60)  # the probe's spans, before the reset
        for name, path in ENDPOINTS.items():
            xray_reset()
            for _ in range(n):
                status, _ = http("GET", APP + path)
                if status != 200:
                    raise RuntimeError(f"{path} -> {status} during span calibration")
            out[name] = wait_spans_settled(quiet=stack.args.quiet, timeout=60) / n
            out["traces"][name] = n
    finally:
        app.stop(grace=20)
    return out


# ---------------------------------------------------------------------------------------------------
# Report


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def summarize(runs: list[dict], spans_per_req: dict, limits: dict) -> dict:
    by = {v: [r for r in runs if r["variant"] == v] for v in VARIANTS}
    rounds = sorted({r["tag"] for r in runs})
    per = {}
    for v, rs in by.items():
        if not rs:
            continue
        s = {}
        for ep in ENDPOINTS:
            s[f"sat_rps_{ep}"] = med([r["sat"][ep]["rps"] for r in rs])
            s[f"alloc_per_req_{ep}"] = med([r["rate"][ep]["alloc_per_req"] for r in rs])
            s[f"app_cpu_us_per_req_{ep}"] = med([r["sat"][ep]["app_cpu_us_per_req"] for r in rs])
            for key, suffix in (("rate", ""), ("rate_1k", "_1k")):
                for p in ("p50", "p95", "p99"):
                    s[f"{p}_ms{suffix}_{ep}"] = med([(r[key][ep]["latency_ms"] or {}).get(p) for r in rs])
            s[f"late_sends_{ep}"] = med([r["rate"][ep]["late_sends"] for r in rs])
        s["first_200_s"] = med([r["first_200_s"] for r in rs])
        s["app_rss_mib"] = med([max(r["app_rss_sat_max"], r["app_rss_rate_max"]) / 2**20 for r in rs])
        s["app_rss_sat_fraction"] = med([r["app_rss_sat_max"] / limits["app"] for r in rs])
        # The health check is a second JVM in the same container: both at once is the container's worst case.
        hc = [r.get("healthcheck_rss_max") for r in rs if r.get("healthcheck_rss_max")]
        s["healthcheck_rss_mib"] = med([h / 2**20 for h in hc])
        s["app_container_sat_fraction"] = med([(r["app_rss_sat_max"] + r["healthcheck_rss_max"]) / limits["app"]
                                               for r in rs if r.get("healthcheck_rss_max")])
        s["collector_rss_mib"] = med([r["collector_rss_max"] / 2**20 for r in rs])
        s["collector_rss_anon_mib"] = med([r["collector_rss_anon_max"] / 2**20 for r in rs])
        s["collector_rss_sustainable_fraction"] = med([r["sustainable"]["collector_rss_max"] / limits["collector"]
                                                       for r in rs])
        # The anonymous part (Go heap, stacks) is what a memory limit cannot reclaim; the rest of the RSS is the
        # 211 MiB binary's file-backed pages, which the kernel drops and re-reads under the cgroup limit. Max over
        # the rate windows (heavier than the sustainable one): an upper bound.
        s["collector_rss_anon_fraction"] = med([r["collector_rss_anon_max"] / limits["collector"] for r in rs])
        s["sustainable_app_cpu_us_per_req"] = med([r["sustainable"]["app_cpu_us_per_req"] for r in rs])
        if v != "disabled":
            sdel, scoll, snet, sbg, sdrops = [], [], [], [], []
            for r in rs:
                su = r["sustainable"]
                su["expected_spans"] = su["completed_requests"] * spans_per_req[v]["orders"]
                su["delivery"] = ratio(su["delivered_spans"], su["expected_spans"])
                sdel.append(su["delivery"])
                if su["delivered_spans"]:
                    scoll.append(su["collector_cpu_s"] / su["delivered_spans"] * 1000)
                    snet.append(su["collector_cpu_s_net"] / su["delivered_spans"] * 1000)
                sbg.append(su["collector_background_cpu_per_s"])
                sdrops.append(sum(su["collector_drops"].values()))
            # `shipped` samples: its "delivery" is the sampled share (X-Ray's rule), not a loss figure.
            s["sustainable_delivery"] = med(sdel)
            s["sustainable_delivery_min"] = min([d for d in sdel if d is not None], default=None)
            s["sustainable_collector_cpu_s_per_1k_spans"] = med(scoll)
            s["sustainable_collector_cpu_s_per_1k_spans_net"] = med(snet)
            s["collector_background_cpu_per_s"] = med(sbg)
            s["sustainable_collector_drops"] = med(sdrops)
            dels, coll, drops, ovl = [], [], [], []
            for r in rs:
                sus = r["sustained"]
                exp = sum(sus["completed_requests"][ep] * spans_per_req[v][ep] for ep in ENDPOINTS)
                sus["expected_spans"] = exp
                sus["delivery"] = ratio(sus["delivered_spans"], exp)
                dels.append(sus["delivery"])
                if sus["delivered_spans"]:
                    coll.append(sus["collector_cpu_s"] / sus["delivered_spans"] * 1000)
                drops.append(sum(sus["collector_drops"].values()))
                o = r["overload"]
                o_exp = sum(o["completed_requests"][ep] * spans_per_req[v][ep] for ep in ENDPOINTS)
                o["expected_spans"] = o_exp
                o["delivery"] = ratio(o["delivered_spans"], o_exp)
                ovl.append(o["delivery"])
            s["delivery"] = med(dels)
            s["delivery_min"] = min([d for d in dels if d is not None], default=None)
            s["collector_cpu_s_per_1k_spans"] = med(coll)
            s["collector_drops"] = med(drops)
            s["overload_delivery"] = med(ovl)
            s["sdk_dropped_spans"] = med([sum(v for k, v in r["sdk_span_counters"].items() if "dropped=true" in k)
                                          for r in rs if r.get("sdk_span_counters")])
            s["sdk_processed_spans"] = med([sum(v for k, v in r["sdk_span_counters"].items()
                                                if "dropped=false" in k)
                                            for r in rs if r.get("sdk_span_counters")])
            s["standins_cpu_s_per_1k_spans"] = med([
                r["sustained"]["standins_cpu_s"] / r["sustained"]["delivered_spans"] * 1000
                for r in rs if r["sustained"]["delivered_spans"]])
        per[v] = s

    def pair(metric_fn, a, b):   # per-round ratio a/b, then the median
        vals = []
        for t in rounds:
            ra = [r for r in runs if r["tag"] == t and r["variant"] == a]
            rb = [r for r in runs if r["tag"] == t and r["variant"] == b]
            if ra and rb:
                vals.append(ratio(metric_fn(ra[0]), metric_fn(rb[0])))
        return {"median": med(vals), "per_round": vals}

    ratios = {}
    pairs = (("on", "disabled"), ("shipped", "disabled"), ("on", "agent"), ("agent", "disabled"))
    for ep in ENDPOINTS:
        for a_, b_ in pairs:
            ratios[f"throughput_{ep}_{a_}/{b_}"] = pair(lambda r: r["sat"][ep]["rps"], a_, b_)
            ratios[f"p99_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"p99_1k_{ep}_{a_}/{b_}"] = pair(lambda r: (r["rate_1k"][ep]["latency_ms"] or {}).get("p99"), a_, b_)
            ratios[f"alloc_{ep}_{a_}/{b_}"] = pair(lambda r: r["rate"][ep]["alloc_per_req"], a_, b_)
    for a_, b_ in (("on", "disabled"), ("shipped", "disabled"), ("agent", "disabled")):
        ratios[f"first_200_{a_}/{b_}"] = pair(lambda r: r["first_200_s"], a_, b_)
    # App CPU per span at 100 % sampling: (on - disabled) CPU per /orders/{id} request at the sustainable rate,
    # per round, divided by the spans one such request makes.
    per_span = []
    for t in rounds:
        on_ = [r for r in runs if r["tag"] == t and r["variant"] == "on"]
        off = [r for r in runs if r["tag"] == t and r["variant"] == "disabled"]
        if on_ and off and spans_per_req.get("on", {}).get("orders"):
            per_span.append((on_[0]["sustainable"]["app_cpu_us_per_req"] - off[0]["sustainable"]["app_cpu_us_per_req"])
                            / spans_per_req["on"]["orders"])
    ratios["app_cpu_us_per_span_on"] = {"median": med(per_span), "per_round": per_span}
    # The same per thread role (http = the request path, span-processor, exporter, jit, gc, other); the
    # steady-state figure leaves out the compiler threads (a warm-up cost: bench/profile.py).
    role_span: dict[str, list[float]] = {}
    for t in rounds:
        on_ = [r for r in runs if r["tag"] == t and r["variant"] == "on"]
        off = [r for r in runs if r["tag"] == t and r["variant"] == "disabled"]
        n = spans_per_req.get("on", {}).get("orders")
        if on_ and off and n and "app_role_us_per_req" in on_[0]["sustainable"]:
            a_roles, b_roles = on_[0]["sustainable"]["app_role_us_per_req"], off[0]["sustainable"]["app_role_us_per_req"]
            for k in set(a_roles) | set(b_roles):
                role_span.setdefault(k, []).append((a_roles.get(k, 0.0) - b_roles.get(k, 0.0)) / n)
            role_span.setdefault("steady", []).append(
                sum(a_roles.get(k, 0.0) - b_roles.get(k, 0.0) for k in set(a_roles) | set(b_roles) if k != "jit") / n)
    ratios["app_cpu_us_per_span_on_by_role"] = {k: med(v) for k, v in sorted(role_span.items())}
    low = {ep: med([r["rates"]["low"][ep] for r in runs]) for ep in ENDPOINTS}
    return {"variants": per, "ratios": ratios, "fixed_rate": low, "rate_1k": FIXED_RPS,
            "spans_per_request": spans_per_req, "limits_bytes": limits}


def goals(summary: dict) -> list[dict]:
    R = lambda k: summary["ratios"].get(k, {}).get("median")
    V = summary["variants"]
    on, shipped = V.get("on", {}), V.get("shipped", {})
    g = []

    def add(name, value, ok, fmt="{:.3f}"):
        g.append({"goal": name, "value": None if value is None else fmt.format(value),
                  "met": None if value is None else bool(ok(value))})

    for ep in ENDPOINTS:   # issue 13, item 1: what ships
        add(f"shipped: throughput ÷ disabled >= 0.95 ({ep})", R(f"throughput_{ep}_shipped/disabled"), lambda v: v >= 0.95)
        add(f"shipped: p99 @ 50% of lowest saturation ÷ disabled <= 1.10 ({ep})", R(f"p99_{ep}_shipped/disabled"),
            lambda v: v <= 1.10)
        add(f"shipped: p99 @ 1,000 req/s ÷ disabled <= 1.10 ({ep})", R(f"p99_1k_{ep}_shipped/disabled"),
            lambda v: v <= 1.10)
        add(f"shipped: alloc/request ÷ disabled <= 1.05 ({ep})", R(f"alloc_{ep}_shipped/disabled"), lambda v: v <= 1.05)
    # item 3: 100 % sampling
    add("on: app CPU per span incl. export <= 3 µs (sustainable rate)", R("app_cpu_us_per_span_on"),
        lambda v: v <= 3.0, "{:.2f}")
    steady = summary["ratios"].get("app_cpu_us_per_span_on_by_role", {}).get("steady")
    add("on: … the same without the JIT compiler threads (steady state) <= 3 µs", steady, lambda v: v <= 3.0,
        "{:.2f}")
    add("on: throughput ÷ disabled >= 0.75 (orders)", R("throughput_orders_on/disabled"), lambda v: v >= 0.75)
    for ep in ENDPOINTS:
        add(f"on: p99 @ 1,000 req/s ÷ disabled <= 1.5 ({ep})", R(f"p99_1k_{ep}_on/disabled"), lambda v: v <= 1.5)
        add(f"on: alloc/request ÷ disabled <= 1.10 ({ep})", R(f"alloc_{ep}_on/disabled"), lambda v: v <= 1.10)
        add(f"on: throughput ÷ agent >= 1.10 ({ep})", R(f"throughput_{ep}_on/agent"), lambda v: v >= 1.10)
    # item 4: memory with margin
    add("on: app RSS at saturation <= 75 % of its container", on.get("app_rss_sat_fraction"), lambda v: v <= 0.75,
        "{:.2f}")
    add("on: collector RSS at the sustainable rate <= 60 % of its container",
        on.get("collector_rss_sustainable_fraction"), lambda v: v <= 0.60, "{:.2f}")
    add("on: collector anonymous RSS (heap, stacks; max over the rate windows) <= 60 % of its container",
        on.get("collector_rss_anon_fraction"), lambda v: v <= 0.60, "{:.2f}")
    # item 5: collector cost, background work left out
    add("collector CPU-s per 1,000 spans, awsxray path, net of background (sustainable rate) <= 0.05",
        on.get("sustainable_collector_cpu_s_per_1k_spans_net"), lambda v: v <= 0.05, "{:.4f}")
    add("delivery = 1.000 at the sustainable rate (on, worst round)", on.get("sustainable_delivery_min"),
        lambda v: v >= 0.9995, "{:.4f}")
    add("first 200 on ÷ disabled <= 1.3", R("first_200_on/disabled"), lambda v: v <= 1.3)
    return g


def fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


def markdown(result: dict) -> str:
    s, m = result["summary"], result["meta"]
    V = s["variants"]
    R = s["ratios"]
    shown = [v for v in VARIANTS if v in V]
    lines = [f"Run {m['started']} · mode `{m['mode']}` · {m['rounds']} round(s) · {m['machine']}", ""]
    idle = m.get("collector_idle")
    if idle:
        lines += [f"Idle collector (stack up, no app, {idle['after_s']} s after start): RSS {idle['rss_mib']:.1f} MiB "
                  f"({idle.get('rss_anon_mib', 0):.1f} MiB anonymous), {idle['cpu_s']:.2f} CPU-s since start.", ""]
    lines.append("| figure | " + " | ".join(shown) + " |")
    lines.append("|---|" + "---:|" * len(shown))
    low, k1 = s["fixed_rate"], s["rate_1k"]
    rows = [
        ("saturation req/s /orders/{id}", "sat_rps_orders", "{:.0f}"),
        ("saturation req/s /", "sat_rps_root", "{:.0f}"),
        (f"p50 ms @ 50% of lowest saturation (~{fmt(low['orders'], '{:.0f}')} req/s) /orders/{{id}}", "p50_ms_orders", "{:.2f}"),
        ("p99 ms @ 50% of lowest saturation /orders/{id}", "p99_ms_orders", "{:.2f}"),
        (f"p99 ms @ 50% of lowest saturation (~{fmt(low['root'], '{:.0f}')} req/s) /", "p99_ms_root", "{:.2f}"),
        (f"p50 ms @ {k1:.0f} req/s /orders/{{id}}", "p50_ms_1k_orders", "{:.2f}"),
        (f"p99 ms @ {k1:.0f} req/s /orders/{{id}}", "p99_ms_1k_orders", "{:.2f}"),
        (f"p99 ms @ {k1:.0f} req/s /", "p99_ms_1k_root", "{:.2f}"),
        ("allocated KiB/request /orders/{id}", "alloc_per_req_orders", "{:.1f}"),
        ("allocated KiB/request /", "alloc_per_req_root", "{:.1f}"),
        ("app CPU µs/request (saturation) /orders/{id}", "app_cpu_us_per_req_orders", "{:.0f}"),
        ("app CPU µs/request (sustainable rate) /orders/{id}", "sustainable_app_cpu_us_per_req", "{:.0f}"),
        ("app RSS, MiB (max)", "app_rss_mib", "{:.0f}"),
        ("app RSS at saturation ÷ container memory", "app_rss_sat_fraction", "{:.2f}"),
        ("health-check JVM peak RSS, MiB (same container)", "healthcheck_rss_mib", "{:.0f}"),
        ("(app at saturation + health check) ÷ container memory", "app_container_sat_fraction", "{:.2f}"),
        ("start to first 200, s", "first_200_s", "{:.2f}"),
        ("spans delivered ÷ expected @ sustainable rate (worst round; shipped: sampled share)",
         "sustainable_delivery_min", "{:.4f}"),
        ("collector CPU s per 1,000 spans @ sustainable rate", "sustainable_collector_cpu_s_per_1k_spans", "{:.4f}"),
        ("… net of background work", "sustainable_collector_cpu_s_per_1k_spans_net", "{:.4f}"),
        ("collector background CPU s per s (no app load: ECS and app metrics, scrapes)",
         "collector_background_cpu_per_s", "{:.4f}"),
        ("collector drop counters @ sustainable rate", "sustainable_collector_drops", "{:.0f}"),
        ("collector RSS @ sustainable rate ÷ container memory", "collector_rss_sustainable_fraction", "{:.2f}"),
        ("collector anonymous RSS (max, rate windows) ÷ container memory", "collector_rss_anon_fraction", "{:.2f}"),
        ("spans delivered ÷ expected @ rate windows (overload at 100 %)", "delivery", "{:.4f}"),
        ("SDK batch-processor drops, latency pass (processedSpans dropped=true)", "sdk_dropped_spans", "{:.0f}"),
        ("spans delivered ÷ expected (saturation; wrk's in-flight requests uncounted)", "overload_delivery", "{:.4f}"),
        ("collector RSS, MiB (max, rate windows)", "collector_rss_mib", "{:.0f}"),
        ("collector RSS, anonymous part (heap, stacks), MiB (max)", "collector_rss_anon_mib", "{:.0f}"),
        ("X-Ray stand-in CPU s per 1,000 spans (test double, not in ECS)", "standins_cpu_s_per_1k_spans", "{:.4f}"),
    ]
    for label, key, spec in rows:
        cells = []
        for v in shown:
            val = V[v].get(key)
            if val is not None and key.startswith("alloc"):
                val = val / 1024
            cells.append(fmt(val, spec))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lim = s["limits_bytes"]
    lines.append(f"| container memory (task definition): app {lim['app'] / 2**20:.0f} MiB, collector "
                 f"{lim['collector'] / 2**20:.0f} MiB; sustainable rate {m['profile'].get('sustainable_rps')} req/s |"
                 + " |" * len(shown))
    lines += ["", "Per-pair ratios (median of per-round ratios):", "",
              "| ratio | /orders/{id} | / |", "|---|---:|---:|"]
    for k, label in (("throughput_{}_shipped/disabled", "throughput shipped ÷ disabled"),
                     ("throughput_{}_on/disabled", "throughput on ÷ disabled"),
                     ("throughput_{}_on/agent", "throughput on ÷ agent"),
                     ("throughput_{}_agent/disabled", "throughput agent ÷ disabled"),
                     ("p99_{}_shipped/disabled", "p99 @ 50% of lowest saturation shipped ÷ disabled"),
                     ("p99_1k_{}_shipped/disabled", "p99 @ 1,000 req/s shipped ÷ disabled"),
                     ("p99_{}_on/disabled", "p99 @ 50% of lowest saturation on ÷ disabled"),
                     ("p99_1k_{}_on/disabled", "p99 @ 1,000 req/s on ÷ disabled"),
                     ("p99_1k_{}_agent/disabled", "p99 @ 1,000 req/s agent ÷ disabled"),
                     ("alloc_{}_shipped/disabled", "alloc/request shipped ÷ disabled"),
                     ("alloc_{}_on/disabled", "alloc/request on ÷ disabled"),
                     ("alloc_{}_agent/disabled", "alloc/request agent ÷ disabled")):
        lines.append(f"| {label} | {fmt(R.get(k.format('orders'), {}).get('median'), '{:.3f}')} | "
                     f"{fmt(R.get(k.format('root'), {}).get('median'), '{:.3f}')} |")
    lines.append(f"| app CPU µs per span, on (sustainable rate, on − disabled) | "
                 f"{fmt(R['app_cpu_us_per_span_on']['median'], '{:.2f}')} | |")
    by_role = R.get("app_cpu_us_per_span_on_by_role") or {}
    if by_role:
        lines.append("| … of which, by app thread (µs per span): " + ", ".join(
            f"{k} {v:.2f}" for k, v in by_role.items() if k != "steady" and v is not None) + " | | |")
    lines.append(f"| first 200 on ÷ disabled | {fmt(R.get('first_200_on/disabled', {}).get('median'), '{:.3f}')} | |")
    lines += ["", "Goals (issue 13):", "", "| goal | value | |", "|---|---:|---|"]
    for g in result["goals"]:
        mark = "n/a" if g["met"] is None else ("met" if g["met"] else "**missed**")
        lines.append(f"| {g['goal']} | {g['value'] or 'n/a'} | {mark} |")
    if m.get("notes"):
        lines += [""] + [f"- {n}" for n in m["notes"]]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, V = result["runs"], result["summary"]["variants"]
    shown = [v for v in VARIANTS if v in V]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = {"on": "#1f77b4", "shipped": "#2ca02c", "disabled": "#7f7f7f", "agent": "#d62728"}
    width = 0.8 / len(shown)
    offset = lambda i: (i - (len(shown) - 1) / 2) * width
    ax = axes[0]
    for i, v in enumerate(shown):
        xs = [j + offset(i) for j in range(len(ENDPOINTS))]
        ax.bar(xs, [V[v][f"sat_rps_{ep}"] or 0 for ep in ENDPOINTS], width, label=v, color=colors[v])
        for j, ep in enumerate(ENDPOINTS):
            pts = [r["sat"][ep]["rps"] for r in runs if r["variant"] == v]
            ax.plot([xs[j]] * len(pts), pts, "k.", ms=3)
    ax.set_xticks(range(len(ENDPOINTS)), [ENDPOINTS[e].replace("42", "{id}") for e in ENDPOINTS])
    ax.set_ylabel("req/s (bar: median; dots: rounds)")
    ax.set_title("Saturation throughput (wrk)")
    ax.legend(fontsize=8)
    ps = ("p50", "p95", "p99")
    for k, (suffix, title) in enumerate((("", f"at 50% of the lowest saturation (~{result['summary']['fixed_rate']['orders']:.0f} req/s)"),
                                         ("_1k", f"at {result['summary']['rate_1k']:.0f} req/s"))):
        ax = axes[k + 1]
        for i, v in enumerate(shown):
            xs = [j + offset(i) for j in range(len(ps))]
            ax.bar(xs, [V[v][f"{p}_ms{suffix}_orders"] or 0 for p in ps], width, label=v, color=colors[v])
        ax.set_xticks(range(len(ps)), ps)
        ax.set_ylabel("ms, coordinated-omission corrected")
        ax.set_title(f"/orders/{{id}} latency {title}", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(f"Cost of observability · {result['meta']['machine']} · {result['meta']['started']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


README_START = "<!-- bench/results/latest.json: start (bench/bench.py --readme writes this block; do not edit) -->"
README_END = "<!-- bench/results/latest.json: end -->"


def write_readme(result: dict, readme: Path) -> None:
    """Replaces the README's result block with the table rendered from the JSON (never retyped by hand)."""
    text = readme.read_text()
    head, sep, rest = text.partition(README_START)
    _, sep2, tail = rest.partition(README_END)
    if not (sep and sep2):
        raise SystemExit(f"{readme}: markers missing: {README_START} ... {README_END}")
    readme.write_text(head + README_START + "\n\n" + markdown(result) + "\n" + README_END + tail)


def image_sizes() -> dict:
    """Sizes of locally built images, if Docker and the images exist (no registry is reachable, so the
    stock Temurin JRE image cannot be pulled for comparison)."""
    try:
        out = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return {"app": "n/a (no docker)", "temurin_jre": "n/a (no docker)"}
    sizes = {}
    for line in out.stdout.splitlines():
        name, _, size = line.rpartition(" ")
        if "sample-app" in name and "app" not in sizes:
            sizes["app"] = f"{size} ({name})"
        if re.search(r"temurin.*jre|jre.*temurin", name):
            sizes["temurin_jre"] = f"{size} ({name})"
    sizes.setdefault("app", "n/a (no sample-app image built on this machine)")
    sizes.setdefault("temurin_jre", "n/a (no container registry reachable to pull eclipse-temurin:*-jre)")
    return sizes


# ---------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--readme", type=Path,
                    help="only render results/latest.json into this README's result block, then exit")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--tools", type=Path)
    ap.add_argument("--app-jar", type=Path)
    ap.add_argument("--standins-jar", type=Path)
    ap.add_argument("--collector-bin")
    ap.add_argument("--collector-config", type=Path)
    ap.add_argument("--agent-jar", type=Path)
    ap.add_argument("--prometheus")
    ap.add_argument("--java-opts", default=os.environ.get("BENCH_JAVA_OPTS", ""))
    ap.add_argument("--jfr", action="store_true", default=os.environ.get("BENCH_JFR") == "1")
    ap.add_argument("--quiet", type=float, default=None, help="seconds without new spans = drained")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--fixed-rates", help="skip the rate calibration: e.g. orders=1000,root=2000 (req/s)")
    ap.add_argument("--sat", type=float, help="override: seconds of saturation load per endpoint")
    ap.add_argument("--rate", type=float, help="override: seconds of fixed-rate load per endpoint")
    args = ap.parse_args()
    if args.readme:
        result = json.loads((RESULTS / "latest.json").read_text())
        # Re-derive the summary and goals from the raw runs with this code, so a new figure or goal needs no re-run.
        s = result["summary"]
        result["summary"] = summarize(result["runs"], s["spans_per_request"], s["limits_bytes"])
        result["goals"] = goals(result["summary"])
        write_readme(result, args.readme)
        log(f"rendered {RESULTS / 'latest.json'} into {args.readme}")
        return 0
    for required in ("tools", "app_jar", "standins_jar", "collector_bin", "collector_config", "agent_jar", "prometheus"):
        if getattr(args, required) is None:
            ap.error(f"--{required.replace('_', '-')} is required (bench/run.sh passes it)")
    task_def = shipped.load(REPO / "task-definition.json")
    LIMITS.update(app=shipped.memory_mib(task_def, "sample-app") * 2**20,
                  collector=shipped.memory_mib(task_def, "aws-otel-collector") * 2**20)
    SHIPPED.update(task_def=task_def, app_env=shipped.tuning_env(task_def, "sample-app"),
                   collector_env=shipped.tuning_env(task_def, "aws-otel-collector"),
                   jvm_flags_overridden=bool(args.java_opts.split()))
    if not SHIPPED["jvm_flags_overridden"]:
        args.java_opts = " ".join(shipped.app_jvm_flags(task_def))
    mode = "smoke" if args.smoke else "full"
    prof = dict(PROFILE[mode])
    if args.rounds:
        prof["rounds"] = args.rounds
    if args.sat:
        prof["sat"] = args.sat
    if args.rate:
        prof["rate"] = args.rate
    if args.quiet is None:
        args.quiet = 6.0 if not args.smoke else 6.0  # > the SDK's 5 s batch delay
    busy = {p: n for p, n in PORTS.items() if port_busy(p)}
    if busy:
        log("refusing to start: ports already in use (is the e2e suite or another benchmark running?): "
            + ", ".join(f"{p} ({n})" for p, n in busy.items())
            + ". Wait for it to finish, or run with BENCH_NETNS=1 (private network namespace).")
        return 3
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    RESULTS.mkdir(exist_ok=True)
    logdir = RESULTS / f"run-{started.replace(':', '')}"
    logdir.mkdir(parents=True, exist_ok=True)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    # Snapshot the jars: other builds may rewrite target/ while the benchmark runs.
    import shutil
    snap = logdir / "snapshot"
    snap.mkdir(exist_ok=True)
    for attr in ("app_jar", "standins_jar"):
        dst = snap / getattr(args, attr).name
        shutil.copy2(getattr(args, attr), dst)
        setattr(args, attr, dst)
    stack = Stack(args, logdir)
    runs: list[dict] = []
    try:
        log(f"mode {mode}: {prof}; logs in {logdir}")
        stack.start()
        log("stack up (Prometheus, stand-ins, collector)")
        # Idle collector: no app yet, past the first ECS metadata poll (30 s after start) and its export.
        time.sleep(IDLE_WAIT_S)
        idle = proc_stat(stack.collector.pid)
        collector_idle = {"rss_mib": idle["rss"] / 2**20, "rss_anon_mib": idle["rss_anon"] / 2**20,
                          "cpu_s": idle["cpu_s"], "after_s": IDLE_WAIT_S}
        log(f"idle collector after {IDLE_WAIT_S} s: RSS {collector_idle['rss_mib']:.1f} MiB "
            f"({collector_idle['rss_anon_mib']:.1f} anonymous), CPU {idle['cpu_s']:.2f} s since start")
        # Span calibration: how many spans one request of each endpoint makes, per telemetry variant.
        spans_per_req = {}
        wanted = args.variants.split(",")
        for v in ("on", "agent"):
            if v not in wanted and not (v == "on" and "shipped" in wanted):
                spans_per_req[v] = {ep: 1 for ep in ENDPOINTS}
                continue
            spans_per_req[v] = calibrate_spans(stack, args.tools, v)
            log(f"spans per request ({v}): {spans_per_req[v]}")
        # A sampled `shipped` request makes the same spans as an `on` one; its delivery is the sampled share.
        spans_per_req["shipped"] = spans_per_req["on"]
        given = ({k: float(v) for k, v in (kv.split("=") for kv in args.fixed_rates.split(","))}
                 if args.fixed_rates else None)
        total = prof["rounds"] * 2 * len([v for v in VARIANTS if v in wanted])
        step = 0
        for rnd in range(1, prof["rounds"] + 1):
            order = [v for v in (VARIANTS if rnd % 2 else tuple(reversed(VARIANTS))) if v in wanted]
            # Pass 1: saturation of every variant (fresh JVMs).
            sat = {}
            for v in order:
                step += 1
                log(f"[{step}/{total}] round {rnd}: {v}: saturation")
                sat[v] = run_variant(stack, args.tools, v, prof, None, f"r{rnd}")
                log(f"round {rnd}: {v}: saturation {sat[v]['sat']['orders']['rps']:.0f}/"
                    f"{sat[v]['sat']['root']['rps']:.0f} req/s")
            # The latency rates every variant of this round sustains: 50 % of the lowest saturation, and 1,000.
            low = given or {ep: 0.5 * min(sat[v]["sat"][ep]["rps"] for v in order) for ep in ENDPOINTS}
            rates = {"low": low, "1k": {ep: FIXED_RPS for ep in ENDPOINTS}}
            log(f"round {rnd}: latency rates {({k: round(x) for k, x in low.items()})} and {FIXED_RPS:.0f} req/s")
            # Pass 2: latency, allocation, delivery and cost at those rates (fresh JVMs again).
            for v in order:
                step += 1
                log(f"[{step}/{total}] round {rnd}: {v}: latency")
                r = run_variant(stack, args.tools, v, prof, rates, f"r{rnd}")
                for key in ("sat", "app_rss_sat_max", "collector_rss_sat_max", "overload"):
                    r[key] = sat[v][key]
                r["first_200_s_sat_pass"] = sat[v]["first_200_s"]
                r["rates"] = rates
                runs.append(r)
                log(f"round {rnd}: {v}: p99 {r['rate']['orders']['latency_ms']['p99']:.2f} ms "
                    f"(@{low['orders']:.0f}), {r['rate_1k']['orders']['latency_ms']['p99']:.2f} ms (@1000), "
                    f"first 200 {r['first_200_s']:.2f}s, spans {r['sustained']['delivered_spans']}")
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); stopping everything")
        return 130
    finally:
        stack.stop()
        shutil.rmtree(snap, ignore_errors=True)
        log("stack stopped")

    summary = summarize(runs, spans_per_req, LIMITS)
    summary["fixed_rates_given"] = bool(args.fixed_rates)
    notes = [
        "Two passes per round, each variant in a fresh JVM: saturation (wrk -t1, closed loop, fixed connections), "
        "then latency with RateLoader (open loop, coordinated-omission corrected: latency from the scheduled send "
        "time) at 50 % of the lowest saturation among that round's variants and at 1,000 req/s.",
        "`shipped` runs the app exactly as task-definition.json does (no sampler override): X-Ray's default rule "
        "(1 request/s, then 5 %) served by the stand-in through the collector's awsproxy. `on` samples 100 % "
        "(OTEL_TRACES_SAMPLER=always_on).",
        "Collector background: its CPU over an idle gap (app up, no load) before the sustainable window; the net "
        "per-span figure subtracts that rate over the window.",
        "Allocation: com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes via the Attach API, "
        "delta over the fixed-rate window ÷ completed requests (includes background export work).",
        "Delivery: X-Ray stand-in segment documents (or OTLP spans) ÷ (completed requests × spans per request measured in "
        "a sequential calibration). At the sustainable rate (/orders/{id} only, open loop) the window is "
        "drained with the app alive; at the fixed rate it is drained with the app alive, then after its "
        "SIGTERM flush. Collector CPU per span: /proc utime+stime over the same window ÷ spans delivered.",
    ]
    for v in VARIANTS:
        if os.environ.get(f"BENCH_EXTRA_ENV_{v.upper()}"):
            notes.append(f"Extra env for `{v}`: `{os.environ[f'BENCH_EXTRA_ENV_{v.upper()}']}`.")
    notes.append(f"Shipped settings (task-definition.json): app JVM `{args.java_opts}`"
                 f"{' (BENCH_JAVA_OPTS)' if SHIPPED['jvm_flags_overridden'] else ''}, app env "
                 f"`{SHIPPED['app_env'] or '{}'}`, collector env `{SHIPPED['collector_env'] or '{}'}`.")
    if os.environ.get("BENCH_COLLECTOR_NICE"):
        notes.append(f"Collector at nice {os.environ['BENCH_COLLECTOR_NICE']} (BENCH_COLLECTOR_NICE).")
    if os.environ.get("BENCH_COLLECTOR_ENV"):
        notes.append(f"Extra collector env: `{os.environ['BENCH_COLLECTOR_ENV']}`.")
    if os.environ.get("BENCH_IN_NETNS"):
        notes.append("Ran in a private network namespace (BENCH_NETNS=1).")
    if os.environ.get("BENCH_NOTE"):
        notes.append(os.environ["BENCH_NOTE"])
    result = {
        "meta": {"started": started, "mode": mode, "rounds": prof["rounds"], "profile": prof,
                 "machine": machine(), "java": java_version(), "agent_jar": args.agent_jar.name,
                 "java_opts": args.java_opts, "image_sizes": image_sizes(), "notes": notes,
                 "collector_idle": collector_idle},
        "summary": summary,
        "runs": runs,
    }
    result["goals"] = goals(summary)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2))
    (logdir / "result.json").write_text(json.dumps(result, indent=2))
    md = markdown(result)
    (RESULTS / "latest.md").write_text(md)
    (logdir / "result.md").write_text(md)
    try:
        plot(result, RESULTS / "latest.png")
    except Exception as e:  # the table and JSON are the primary output
        log(f"plot failed: {e}")
    print(md)
    # Smoke assertion: the pipeline ran and produced a table with spans delivered.
    ok = all(summary["variants"][v].get("delivery") for v in ("on", "agent") if v in args.variants)
    if not ok:
        log("FAILED: no spans delivered for a telemetry variant")
        return 1
    log(f"wrote {RESULTS / 'latest.md'}, latest.json, latest.png")
    return 0


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores {cpu}, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def java_version() -> str:
    out = subprocess.run([JAVA, "-version"], capture_output=True, text=True)
    return out.stderr.splitlines()[0] if out.stderr else "?"


if __name__ == "__main__":
    sys.exit(main())
