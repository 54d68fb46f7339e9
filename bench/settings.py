"""What every part of the benchmark shares: paths, the JDK, the app's endpoints and ports, the variants, the phase
lengths of a full and a smoke run, and the settings task-definition.json ships (resolved once by
resolve_shipped()). Importing it also puts e2e/ on sys.path: the bench starts its stack with e2e/stack.py and
runs its processes and HTTP calls through e2e/harness.py, as the test suites do.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import shipped

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(REPO / "e2e"))   # harness.py, stack.py (and awsutil.py, which stack.py imports)

JAVA_HOME = Path(os.environ.get("BENCH_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"))
JAVA = str(JAVA_HOME / "bin" / "java")
APP_MAIN = "com.example.ecsotel.Main"
VARIANTS = ("on", "shipped", "disabled", "none", "agent")
# No span, no metric leaves these (nothing to wait for or count): OTEL_SDK_DISABLED=true, and "none", the app
# started with no SDK at all (-Decsotel.telemetry=none: Telemetry.none(), the no-op API), the zero baseline that
# "disabled" must match within noise (issue 20, item 1).
NO_TELEMETRY = ("disabled", "none")
FIXED_RPS = 1000.0                       # the second latency rate: a modest load every variant carries
ENDPOINTS = {"orders": "/orders/42", "root": "/"}
APP = "http://127.0.0.1:8080"
COLLECTOR_METRICS = "http://127.0.0.1:8888/metrics"
IDLE_WAIT_S = 40   # > the ECS metrics receiver's 30 s first poll + the 5 s metrics batch

# Phase lengths in seconds: (full, smoke). Every load phase is bounded by these.
PROFILE = {
    # wrk_conns 64: with 16, `shipped`'s core was 89-93 % busy at saturation (the JDK server's dispatcher thread
    # stalls on monitors it shares with the request threads; docs/saturation.md), with 64 it was 98.8-99.5 % (4 runs).
    "full": dict(rounds=5, sat=10, rate=15, rate_warmup=2, wrk_conns=64, rate_conns=16,
                 sustainable_rps=1000, sustainable_s=10, background_s=10, sustainable_warmup=30),
    "smoke": dict(rounds=1, sat=2, rate=2, rate_warmup=0.5, wrk_conns=8, rate_conns=8,
                  sustainable_rps=200, sustainable_s=2, background_s=1, sustainable_warmup=1),
}

SHIPPED: dict = {}  # filled by resolve_shipped(): what task-definition.json ships, resolved for this host
LIMITS: dict = {}   # filled by resolve_shipped(): each container's memory limit in bytes


def extra_collector_env() -> dict[str, str]:
    """BENCH_COLLECTOR_ENV ("K=V K=V"): collector variables for experiments, noted in the report."""
    return dict(kv.partition("=")[::2] for kv in os.environ.get("BENCH_COLLECTOR_ENV", "").split())


def resolve_shipped(args) -> None:
    """Fills SHIPPED and LIMITS from task-definition.json; args.java_opts becomes the app container's JVM flags
    unless given (BENCH_JAVA_OPTS / --java-opts)."""
    task_def = shipped.load(REPO / "task-definition.json")
    LIMITS.update(app=shipped.memory_mib(task_def, "sample-app") * 2**20,
                  collector=shipped.memory_mib(task_def, "aws-otel-collector") * 2**20)
    SHIPPED.update(task_def=task_def, app_env=shipped.tuning_env(task_def, "sample-app"),
                   collector_env=shipped.tuning_env(task_def, "aws-otel-collector"),
                   jvm_flags_overridden=bool(args.java_opts.split()))
    aot_cache = getattr(args, "aot_cache", None)
    if not SHIPPED["jvm_flags_overridden"]:
        args.java_opts = " ".join(shipped.app_jvm_flags(task_def, aot_cache=aot_cache))
    if aot_cache and f"-XX:AOTCache={aot_cache}" not in args.java_opts.split():
        # BENCH_JAVA_OPTS given, or a task definition without the image's cache: the run is named "aot", so use it.
        args.java_opts += f" -XX:AOTCache={aot_cache} -XX:AOTMode=on"
