"""The telemetry pipeline the benchmark runs on loopback, and the app variants' command lines.

Prometheus, the AWS stand-ins and the collector start once per run through e2e/stack.py's Stack, as the test
suites start them, with what the benchmark does differently: Prometheus and the stand-ins play remote AWS
services, which cost an ECS task no CPU, so they run at `nice -n 19` (their CPU is reported apart); the
stand-ins get a 512 MiB heap and the JVM's own GC and JIT; the collector gets the task definition's
GOGC/GOMEMLIMIT (plus BENCH_COLLECTOR_ENV) and ships its own metrics at the shipped config's 60 s. Each app run
is a fresh JVM (BenchProc) built by Pipeline.app_command().
"""

from __future__ import annotations

import os
import time
from pathlib import Path

# settings first: it puts e2e/ (harness.py, stack.py) on sys.path.
from settings import APP, APP_MAIN, IDLE_WAIT_S, JAVA, SHIPPED, extra_collector_env
import harness
import stack as e2e_stack
from harness import say
from probes import proc_stat

# X-Ray's default rule (1 request/s, then 5 %), which `shipped` follows through awsproxy; `on` and `agent` set
# their own sampler (always_on, parentbased_always_on) and never ask the rules.
XRAY_DEFAULT_RULES = [{"RuleName": "Default", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1,
                       "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*",
                       "ResourceARN": "*", "Version": 1, "Attributes": {}}]
BACKENDS = ("collector", "standins", "prometheus")   # stopped in this order


class BenchProc(harness.Proc):
    """harness.Proc plus what the bench reads: the pid, when it started (first_200's clock) and its log's tail.
    Every started one is listed in `running` until stopped, so stop_all() stops what an interrupted run left."""

    running: list["BenchProc"] = []

    def start(self) -> "BenchProc":
        self.started = time.monotonic()
        super().start()
        BenchProc.running.append(self)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, n: int = 40) -> str:
        return harness.tail(self.log, n)

    def stop(self, grace: float = 15.0) -> int | None:
        code = super().stop(grace)
        if self in BenchProc.running:
            BenchProc.running.remove(self)
        return code

    @classmethod
    def stop_all(cls) -> None:
        for p in reversed(list(cls.running)):
            try:
                p.stop(grace=10)
            except Exception as e:  # keep stopping the others
                say(f"stopping {p.name}: {e}")


class Pipeline:
    """Prometheus, the stand-ins and the collector (shipped config) for one run; `args` is bench.py's."""

    def __init__(self, args, logdir: Path):
        self.args, self.logdir = args, logdir
        self.stack = e2e_stack.Stack(logdir, java=JAVA, collector_bin=args.collector_bin,
                                     backend_prefix=("nice", "-n", "19"))

    @property
    def collector_pid(self) -> int:
        return self.stack.procs["collector"].popen.pid

    @property
    def standins_pid(self) -> int:
        return self.stack.procs["standins"].popen.pid

    def start(self) -> None:
        a = self.args
        say("starting Prometheus (nice 19; it stores what the AMP stand-in forwards)")
        self.stack.start_prometheus(a.prometheus)
        say("starting the AWS stand-ins (X-Ray, AMP, S3, ECS metadata; nice 19, SigV4-verifying)")
        self.stack.start_standins(a.standins_jar, ("-Xmx512m",), small_jvm=False)
        e2e_stack.put_sampling_rules(XRAY_DEFAULT_RULES)
        # Started the ADOT-on-ECS way (collector/adot-launch.sh: the config as stored in SSM through
        # AOT_CONFIG_CONTENT, the task definition's command, uid 10001, read-only root, no capabilities).
        env = {"COLLECTOR_METRICS_INTERVAL": "60s",   # the shipped config's default (e2e's is 5 s)
               **SHIPPED["collector_env"],            # GOGC/GOMEMLIMIT as the task definition sets them
               **extra_collector_env()}               # experiments only, noted in the report
        say("starting the collector (shipped config, started as ADOT starts on ECS)")
        self.stack.start_collector("collector", config=a.collector_config, **env)

    def wait_collector_settled(self) -> None:
        """Waits IDLE_WAIT_S: past the collector's first ECS metadata poll (30 s after start) and its export."""
        end = time.monotonic() + IDLE_WAIT_S
        harness.wait_until(lambda: time.monotonic() >= end, IDLE_WAIT_S + 10,
                           f"the idle collector's first ECS metadata poll and export ({IDLE_WAIT_S} s)", interval=1)

    def idle_collector(self) -> dict:
        """The collector's RSS and CPU with no app yet, after wait_collector_settled()."""
        self.wait_collector_settled()
        idle = proc_stat(self.collector_pid)
        out = {"rss_mib": idle["rss"] / 2**20, "rss_anon_mib": idle["rss_anon"] / 2**20,
               "cpu_s": idle["cpu_s"], "after_s": IDLE_WAIT_S}
        say(f"idle collector after {IDLE_WAIT_S} s: RSS {out['rss_mib']:.1f} MiB "
            f"({out['rss_anon_mib']:.1f} anonymous), CPU {idle['cpu_s']:.2f} s since start")
        return out

    def app_command(self, variant: str, tools: Path, tag: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment of the app as `variant` runs it (service name bench-<variant>-<tag>)."""
        a = self.args
        env = e2e_stack.base_env()   # clean, with the example credentials the stand-ins accept
        env.update({
            "PORT": "8080", "BIND_ADDRESS": "127.0.0.1",
            "OTEL_SERVICE_NAME": f"bench-{variant}-{tag}",
            "ORDERS_LATENCY_MS": "0", "ORDERS_ERROR_RATE": "0",
            "XRAY_SAMPLING_ENDPOINT": "http://127.0.0.1:2000",
            "AWS_ENDPOINT_URL_S3": e2e_stack.S3,
            "ECS_CONTAINER_METADATA_URI_V4": f"{e2e_stack.ECS_META}/v4/sample-app",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_LOGS_EXPORTER": "none",
        })
        if variant != "shipped":   # shipped: the task definition sets no sampler, so X-Ray's rules decide
            env["OTEL_TRACES_SAMPLER"] = "always_on"
        env.update(SHIPPED["app_env"])  # e.g. MALLOC_ARENA_MAX, as the task definition sets it
        for kv in os.environ.get(f"BENCH_EXTRA_ENV_{variant.upper()}", "").split():
            k, _, v = kv.partition("=")
            env[k] = v
        jvm = a.java_opts.split()
        if variant == "agent":   # the image's AOT cache is the app's; the upstream agent's users have none
            jvm = [f for f in jvm if not f.startswith(("-XX:AOTCache=", "-XX:AOTMode="))]
        if a.jfr:
            jvm.append("-XX:StartFlightRecording=settings=profile")
        if variant == "disabled":
            env["OTEL_SDK_DISABLED"] = "true"
            argv = [JAVA, *jvm, "-cp", str(a.app_jar), APP_MAIN]
        elif variant == "none":   # no SDK built at all (Main reads the property; see settings.NO_TELEMETRY)
            argv = [JAVA, *jvm, "-Decsotel.telemetry=none", "-cp", str(a.app_jar), APP_MAIN]
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
        """Every app still running, then the collector, the stand-ins and Prometheus."""
        BenchProc.stop_all()
        self.stack.stop([n for n in BACKENDS if n in self.stack.procs], "bench")


def first_200(app: BenchProc, timeout: float) -> tuple[float, int]:
    """Seconds from process start to the first 200 on GET /, and how many HTTP responses it took."""
    deadline = time.monotonic() + timeout
    responses = 0
    while time.monotonic() < deadline:
        if not app.alive():
            raise RuntimeError(f"app exited with {app.popen.returncode}:\n{app.tail()}")
        try:
            status = harness.get(APP + "/", timeout=2).status
            responses += 1
            if status == 200:
                return time.monotonic() - app.started, responses
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"app not serving 200 on / after {timeout}s:\n{app.tail()}")


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
