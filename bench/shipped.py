"""The settings the task definition ships, resolved for a process on this machine.

The benchmark measures what users deploy: the app's JVM flags (the container's entryPoint, with
percentage-of-container-memory flags turned into sizes, because a bare process here has no container
memory limit) and the environment variables that tune the runtimes (MALLOC_ARENA_MAX, GOGC,
GOMEMLIMIT, ...). Reading them from task-definition.json keeps the benchmark from drifting away from
the deployment.
"""
from __future__ import annotations

import json
from pathlib import Path

# Runtime tuning variables the bench copies from a container's environment (not app configuration,
# which the bench sets itself: endpoints, sampler, service name).
TUNING_VARS = ("MALLOC_ARENA_MAX", "JAVA_TOOL_OPTIONS", "GOGC", "GOMEMLIMIT", "GOMAXPROCS")
PERCENT_FLAGS = {"-XX:MaxRAMPercentage=": "-Xmx", "-XX:InitialRAMPercentage=": "-Xms"}


def _container(task_def: dict, name: str) -> dict:
    for c in task_def["containerDefinitions"]:
        if c["name"] == name:
            return c
    raise KeyError(f"task definition has no container {name!r}")


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def app_jvm_flags(task_def: dict, name: str = "sample-app", aot_cache: Path | None = None) -> list[str]:
    """JVM flags of the app container's entryPoint, percentages resolved against its memory limit.

    Adds -XX:+UseSerialGC unless a collector is named: with the task's 0.25 vCPU the JVM sees one CPU
    and picks Serial itself, whereas on this 2-core host it would pick G1. aot_cache: a cache trained here as the
    image trains its own (bench/run.sh with BENCH_AOT=1) takes the place of the image's path, with
    -XX:AOTMode=on so that a cache the JVM refuses fails the run instead of silently measuring no cache.
    """
    c = _container(task_def, name)
    argv = c.get("entryPoint") or []
    if not argv or argv[0] != "java" or "-jar" not in argv:
        raise ValueError(f"{name}: entryPoint must be ['java', <flags>..., '-jar', <jar>], got {argv}")
    mib = int(c["memory"])
    flags = []
    for flag in argv[1:argv.index("-jar")]:
        if flag.startswith("-XX:AOTCache="):
            # The image's AOT cache (/app/sample-app.aot) is trained on the image's JRE and jar; it does not exist
            # here. By default the benchmark measures the JVM without it (bench/aot_startup.py measures what it
            # changes at start-up); with aot_cache, with one trained here on this JDK and jar.
            if aot_cache:
                flags += [f"-XX:AOTCache={aot_cache}", "-XX:AOTMode=on"]
            continue
        for prefix, size_flag in PERCENT_FLAGS.items():
            if flag.startswith(prefix):
                flag = f"{size_flag}{int(mib * float(flag[len(prefix):]) / 100)}m"
        flags.append(flag)
    if not any(f.startswith("-XX:+Use") and f.endswith("GC") for f in flags):
        flags.append("-XX:+UseSerialGC")
    return flags


def tuning_env(task_def: dict, name: str) -> dict[str, str]:
    """The runtime tuning variables (TUNING_VARS) a container's environment sets."""
    env = {e["name"]: e["value"] for e in _container(task_def, name).get("environment", [])}
    return {k: v for k, v in env.items() if k in TUNING_VARS}


def memory_mib(task_def: dict, name: str) -> int:
    """The container's hard memory limit (MiB), what its RSS is measured against."""
    return int(_container(task_def, name)["memory"])


# Where the image puts the health-check probe (Dockerfile: COPY ... /app/healthcheck).
IMAGE_HEALTHCHECK = "/app/healthcheck"


def healthcheck_argv(task_def: dict, probe_bin: str, name: str = "sample-app") -> list[str]:
    """The container's health-check command (CMD form), runnable here: the image's probe binary replaced by
    the same source built on this machine. It runs inside the app container, so its memory counts in that
    limit."""
    test = _container(task_def, name)["healthCheck"]["command"]
    if test[:2] != ["CMD", IMAGE_HEALTHCHECK]:
        raise ValueError(f"{name}: healthCheck must be ['CMD', '{IMAGE_HEALTHCHECK}', ...], got {test}")
    return [probe_bin, *test[2:]]
