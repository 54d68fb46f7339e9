#!/usr/bin/env bash
# The cost-of-observability benchmark (issues 6, 13): the app with telemetry on, as shipped (X-Ray's sampling
# rules), with OTEL_SDK_DISABLED=true and under the OpenTelemetry Java agent, interleaved rounds on loopback,
# through the real collector (shipped config) to the X-Ray/AMP stand-ins. Writes bench/results/latest.{md,json,png} (--smoke: smoke.{md,json,png}; git-ignored).
#
#   bench/run.sh            full run: 5 interleaved rounds, the app JVM pinned to a CPU of its own, every JVM warmed
#                           until its JIT is quiet, plus an unpinned whole-task pass per round
#   bench/run.sh --cpus shared   nothing pinned (BENCH_CPUS=shared); --warmup-max S caps each warm-up
#   bench/run.sh --smoke    a few seconds of load per variant, 1 round (CI: checks the pipeline runs)
#   bench/run.sh --rounds 7 more rounds
#   bench/run.sh --profile [--variants on,disabled]   per-thread CPU of warm app JVMs instead (profile.py)
#   bench/run.sh --durability [--rounds 4]   the collector alone: the durable trace queue on disk vs in memory
#                           (durability.py: CPU, bytes written and RSS per 1,000 spans, otlp_http/xray)
#   bench/run.sh --saturation [--variants shipped,none] [--conns 16,64] [--jfr]   why the app's core is not full
#                           at saturation (saturation.py: busy shares per wrk connection count, where threads wait)
#
# Environment: BENCH_JAVA_HOME (default: the image's JDK major, as the suites pick it: e2e/lib.sh find_java), BENCH_JAVA_OPTS (app JVM flags, default
# those of task-definition.json's app container), BENCH_JFR=1 (record a JFR profile of every app run into the run folder),
# BENCH_PROFILER=1 (--saturation: also profile with async-profiler, fetched from Maven Central), BENCH_PROMETHEUS (binary), BENCH_NOTE (a line added to the report), BENCH_NETNS=1 (see below),
# BENCH_EXTRA_ENV_ON / _AGENT / _DISABLED="K=V K=V" (extra app env for one variant: before/after tests),
# BENCH_COLLECTOR_ENV="K=V" (extra collector env, for experiments), BENCH_AOT=1 (the app JVMs with an AOT cache trained
# here as the image's; results/aot.*; see below).
# It installs what it needs (wrk and Prometheus from Debian, the agent jar from Maven Central, a
# Python venv with matplotlib and e2e/'s pytest stack helpers) and builds missing artifacts (app jar,
# stand-ins jar, collector), each saying what it does and, every 15 s, that it is still at it; bench.py
# then says each step (stack start, span calibration, "[k/N] round r: variant: pass", drains).
# It refuses to start when a port it needs is busy (e.g. the e2e suite is running).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}
AGENT_VERSION=2.33.1   # io.opentelemetry.javaagent:opentelemetry-javaagent on Maven Central
export AWS_EC2_METADATA_DISABLED=true
log() { echo "[bench/run] $*" >&2; }
. "$REPO/e2e/lib.sh"   # with_progress, install_prometheus, ensure_venv, find_java (shared with the test suites)
# The JDK: BENCH_JAVA_HOME, else the one the suites use (find_java: the image's JDK major). Exported: bench/settings.py.
if [[ -n ${BENCH_JAVA_HOME:-} ]]; then JAVA_HOME_BENCH=$BENCH_JAVA_HOME; else find_java; JAVA_HOME_BENCH=$JDK_HOME; fi
export BENCH_JAVA_HOME=$JAVA_HOME_BENCH


[[ -x $JAVA_HOME_BENCH/bin/java ]] || { log "need a JDK at $JAVA_HOME_BENCH (BENCH_JAVA_HOME)"; exit 2; }
# BENCH_AOT=1 (below): the main benchmark only, refused before anything is installed or built.
if [[ ${BENCH_AOT:-0} == 1 ]]; then
  case ${1:-} in --profile|--durability|--saturation) log "BENCH_AOT=1 applies to the main benchmark only"; exit 2;; esac
fi
mkdir -p "$CACHE"

# --- tools from Debian -----------------------------------------------------------------------------
install_wrk() {
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >&2
}
if ! command -v wrk >/dev/null; then
  log "installing Debian package wrk"
  with_progress "installing wrk" install_wrk
fi
if [[ -z ${BENCH_PROMETHEUS:-} ]] && ! command -v prometheus >/dev/null; then
  with_progress "installing Prometheus" install_prometheus
fi
PROMETHEUS=${BENCH_PROMETHEUS:-$(command -v prometheus)}

# --- the OpenTelemetry Java agent (Maven Central, via Maven) ---------------------------------------
AGENT_JAR=$CACHE/agent/opentelemetry-javaagent-$AGENT_VERSION.jar
if [[ ! -s $AGENT_JAR ]]; then
  log "fetching opentelemetry-javaagent $AGENT_VERSION from Maven Central"
  mkdir -p "$CACHE/agent"
  with_progress "fetching opentelemetry-javaagent $AGENT_VERSION" \
    mvn -B -q -ntp dependency:copy -Dartifact=io.opentelemetry.javaagent:opentelemetry-javaagent:$AGENT_VERSION \
    -DoutputDirectory="$CACHE/agent" -Dmdep.overWriteReleases=true >&2
fi

# --- async-profiler (BENCH_PROFILER=1, for --saturation): its linux-x64 library from Maven Central ----------------
AP_VERSION=4.2   # tools.profiler:async-profiler
AP_LIB=$CACHE/async-profiler-$AP_VERSION/libasyncProfiler.so
if [[ ${BENCH_PROFILER:-0} == 1 && ! -s $AP_LIB ]]; then
  log "fetching async-profiler $AP_VERSION (linux-x64) from Maven Central"
  ap_tmp=$CACHE/async-profiler-$AP_VERSION.tmp
  rm -rf "$ap_tmp" && mkdir -p "$ap_tmp"
  mvn -B -q -ntp dependency:copy -Dartifact=tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64 \
    -DoutputDirectory="$ap_tmp" -Dmdep.overWriteReleases=true >&2
  unzip -q "$ap_tmp/async-profiler-$AP_VERSION-linux-x64.jar" linux-x64/libasyncProfiler.so -d "$ap_tmp"
  mkdir -p "$(dirname "$AP_LIB")" && mv "$ap_tmp/linux-x64/libasyncProfiler.so" "$AP_LIB" && rm -rf "$ap_tmp"
fi

# --- Python venv: matplotlib (the PNG), pytest and botocore (e2e/stack.py, which starts the stack) ----
ensure_venv bench "$HERE/requirements.txt"   # sets VENV

# --- the bench's own Java tools (loader, JVM probe, agent launcher), compiled once per source hash ----
TOOLS=$CACHE/bench-tools-$(cat "$HERE"/java/*.java | sha256sum | cut -c1-12)
if [[ ! -f $TOOLS/RateLoader.class ]]; then
  log "compiling the bench's Java tools (bench/java) into $TOOLS"
  mkdir -p "$TOOLS.tmp"
  "$JAVA_HOME_BENCH/bin/javac" -d "$TOOLS.tmp" "$HERE"/java/*.java
  rm -rf "$TOOLS" && mv "$TOOLS.tmp" "$TOOLS"
fi

# --- the project's artifacts (built if missing) -------------------------------------------------------
APP_JAR=${BENCH_APP_JAR:-$REPO/target/sample-app.jar}
STANDINS_JAR=${BENCH_STANDINS_JAR:-$REPO/standins/target/aws-standins.jar}
if [[ ! -s $APP_JAR ]]; then
  log "building the app jar ($APP_JAR)"
  with_progress "building the app jar" mvn -B -q -ntp -DskipTests -f "$REPO/pom.xml" package >&2
fi
if [[ ! -s $STANDINS_JAR ]]; then
  log "building the stand-ins jar ($STANDINS_JAR)"
  with_progress "building the stand-ins jar" mvn -B -q -ntp -DskipTests -f "$REPO/standins/pom.xml" package >&2
fi
# The app image's health check (healthcheck/, a static Go binary in the image): the same source built here, so
# the benchmark measures the probe the task definition runs (its CPU and RSS against the running app).
HEALTHCHECK_BIN=$CACHE/app-healthcheck-$(cat "$REPO"/healthcheck/go.mod "$REPO"/healthcheck/*.go | sha256sum | cut -c1-12)/healthcheck
if [[ ! -x $HEALTHCHECK_BIN ]]; then
  log "building the app's health-check probe (healthcheck/, Go) into $HEALTHCHECK_BIN"
  mkdir -p "$(dirname "$HEALTHCHECK_BIN")"
  (cd "$REPO/healthcheck" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" \
     -o "$HEALTHCHECK_BIN.tmp" .) && mv "$HEALTHCHECK_BIN.tmp" "$HEALTHCHECK_BIN"
fi
# rusage (bench/rusage.c): the probe's peak RSS and CPU, measured from a ~1 MiB launcher (see the file for why).
RUSAGE_BIN=$CACHE/bench-rusage-$(sha256sum "$HERE/rusage.c" | cut -c1-12)
if [[ ! -x $RUSAGE_BIN ]]; then
  log "compiling bench/rusage.c into $RUSAGE_BIN"
  cc -O2 -static -o "$RUSAGE_BIN.tmp" "$HERE/rusage.c" && mv "$RUSAGE_BIN.tmp" "$RUSAGE_BIN"
fi
COLLECTOR_BIN=${BENCH_COLLECTOR_BIN:-$("$REPO/collector/build.sh" | tail -1)}   # says its steps; a cache hit is instant
CONFIG=$REPO/otel-collector-config.yaml
for f in "$APP_JAR" "$STANDINS_JAR" "$COLLECTOR_BIN" "$CONFIG" "$AGENT_JAR" "$HEALTHCHECK_BIN" "$RUSAGE_BIN"; do
  [[ -s $f ]] || { log "missing $f"; exit 2; }
done

# App JVM flags and collector GOGC/GOMEMLIMIT: bench/shipped.py reads them from task-definition.json
# (BENCH_JAVA_OPTS / BENCH_COLLECTOR_ENV override).

# BENCH_AOT=1: the app JVMs (not the agent's) run with an AOT cache as the image's do, trained here by
# aot/AotTraining.java on this JDK and a copy of the app jar, cached by their hashes (bench.py runs a snapshot of
# the jar: same name, size and mtime, which is what the JVM checks). Main benchmark only; its results go to
# results/aot.{json,md,png}, so the run docs/benchmark.md renders stays in latest.*.
if [[ ${BENCH_AOT:-0} == 1 && -z ${BENCH_IN_NETNS:-} ]]; then
  AOT_DIR=$CACHE/bench-aot-$( { sha256sum "$APP_JAR" "$REPO/aot/AotTraining.java"; "$JAVA_HOME_BENCH/bin/java" -version 2>&1; } \
    | sha256sum | cut -c1-12)
  if [[ ! -s $AOT_DIR/sample-app.aot || ! -s $AOT_DIR/sample-app.jar ]]; then
    log "training an AOT cache for the app jar (aot/AotTraining.java) into $AOT_DIR"
    rm -rf "$AOT_DIR" && mkdir -p "$AOT_DIR" && cp "$APP_JAR" "$AOT_DIR/sample-app.jar"
    with_progress "training the AOT cache" "$JAVA_HOME_BENCH/bin/java" "$REPO/aot/AotTraining.java" \
      "$JAVA_HOME_BENCH/bin/java" "$AOT_DIR/sample-app.jar" "$AOT_DIR/sample-app.aot.tmp" >&2 \
      || { log "AOT training failed; the app's log ends:"; rm -f "$AOT_DIR/sample-app.aot.tmp"
           tail -n 40 "$AOT_DIR/sample-app.aot.tmp.training.log" >&2 2>/dev/null || true; exit 2; }
    mv "$AOT_DIR/sample-app.aot.tmp" "$AOT_DIR/sample-app.aot"
  fi
  export BENCH_APP_JAR=$AOT_DIR/sample-app.jar; APP_JAR=$BENCH_APP_JAR
  set -- "$@" --aot-cache "$AOT_DIR/sample-app.aot"
fi

# BENCH_NETNS=1: run the measurement in a private network namespace (its own loopback), so it neither collides
# with nor disturbs a stack on the host's loopback (e2e suite) that uses the same ports. Entered only here, after
# everything above is installed and built (the namespace has no route out: apt, Maven and the Go proxy would
# fail in it); the re-run inside finds all of it cached.
if [[ ${BENCH_NETNS:-0} == 1 && -z ${BENCH_IN_NETNS:-} ]]; then
  export BENCH_IN_NETNS=1
  exec unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

# The report's censoring rules and goals on synthetic rounds (instant): a broken rule fails here, not in a 2-hour run.
"$VENV/bin/python" "$HERE/report_warmup_cpu.py" >&2 || { log "report_warmup_cpu self-check failed"; exit 2; }
"$VENV/bin/python" "$HERE/goals.py" >&2 || { log "goals self-check failed"; exit 2; }

ENTRY=bench.py
if [[ ${1:-} == --profile ]]; then ENTRY=profile.py; shift; fi
if [[ ${1:-} == --durability ]]; then ENTRY=durability.py; shift; fi
if [[ ${1:-} == --saturation ]]; then
  ENTRY=saturation.py; shift
  if [[ ${BENCH_PROFILER:-0} == 1 ]]; then set -- --ap-lib "$AP_LIB" "$@"; fi
fi

# bench.py stops everything it started (finally + SIGTERM/SIGINT/SIGHUP handlers); forward signals.
"$VENV/bin/python" "$HERE/$ENTRY" --tools "$TOOLS" --app-jar "$APP_JAR" --standins-jar "$STANDINS_JAR" \
  --collector-bin "$COLLECTOR_BIN" --collector-config "$CONFIG" --agent-jar "$AGENT_JAR" \
  --prometheus "$PROMETHEUS" --healthcheck-bin "$HEALTHCHECK_BIN" --rusage-bin "$RUSAGE_BIN" --java-opts "${BENCH_JAVA_OPTS:-}" "$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child' INT TERM HUP
wait $child
