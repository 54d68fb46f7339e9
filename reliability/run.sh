#!/usr/bin/env bash
# Reliability and security suite (issue 7): bad input against the running app and the collector's OTLP
# receiver, security checks (non-root/read-only containers, loopback-only listeners, secret scan), and fault
# tests (collector killed, X-Ray/AMP outages and throttling, slow backend, SIGTERM under load), on the same
# loopback stack as e2e/ (Prometheus + SigV4-verifying stand-ins + ocb-built collector + the app).
#
#   reliability/run.sh                 CI-sized durations (<= 8 minutes warm)
#   RELIABILITY_FULL=1 reliability/run.sh   the issue's durations (collector down 30 s, outages 2 minutes)
#   reliability/run.sh -k bad_input    extra arguments go to pytest
#
# Measured numbers go to reliability/results/ (git-ignored). Exits non-zero when a test fails.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE_ROOT=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}
export AWS_EC2_METADATA_DISABLED=true
log() { echo "[reliability] $*" >&2; }

# The stack uses fixed loopback ports (the shipped collector config binds 127.0.0.1:4317 etc.) that e2e/ and
# bench/ use too. By default (as root, where `unshare --net` works) the suite runs in a private network
# namespace with only its own loopback: it can neither collide with nor disturb another suite's stack, and
# nothing in it can reach any other network. RELIABILITY_NETNS=0 runs on the host's loopback instead (the
# suite then waits up to RELIABILITY_PORT_WAIT_SECONDS for the ports to be free and fails if they are not).
if [[ ${RELIABILITY_NETNS:-1} == 1 && -z ${RELIABILITY_IN_NETNS:-} ]] && unshare --net true 2>/dev/null; then
  export RELIABILITY_IN_NETNS=1
  exec unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

if ! command -v prometheus >/dev/null 2>&1; then
  log "installing Debian package prometheus"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl stop prometheus || true
  fi
fi
command -v ss >/dev/null 2>&1 || log "warning: 'ss' (iproute2) not found; the listener test will fail"

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
JAVA=""
for cand in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
  [[ -x $cand ]] || continue
  major=$(java_major "$cand")
  if [[ ${major%%.*} =~ ^[0-9]+$ ]] && (( ${major%%.*} >= 21 )); then
    if [[ -z $JAVA ]] || (( ${major%%.*} > $(java_major "$JAVA") )); then JAVA=$cand; fi
  fi
done
[[ -n $JAVA ]] || { log "no JDK >= 21 found (set JAVA_HOME)"; exit 2; }
JDK_HOME=$(cd "$(dirname "$JAVA")/.." && pwd)

APP_JAR=$REPO/target/sample-app.jar
STANDINS_JAR=$REPO/standins/target/aws-standins.jar
if [[ ! -f $APP_JAR ]]; then
  log "building the app ($APP_JAR)"
  (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q package -DskipTests)
fi
if [[ ! -f $STANDINS_JAR ]]; then
  log "building the stand-ins ($STANDINS_JAR)"
  (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q -f standins/pom.xml package -DskipTests)
fi
# cached by manifest hash (a warm call is instant); RELIABILITY_COLLECTOR_BIN overrides (e.g. a candidate build)
COLLECTOR=${RELIABILITY_COLLECTOR_BIN:-$("$REPO/collector/build.sh" | tail -1)}
[[ -x $COLLECTOR ]] || { log "collector/build.sh did not produce a binary: $COLLECTOR"; exit 2; }

REQ_HASH=$(sha256sum "$HERE/requirements.txt" | cut -c1-12)
VENV=$CACHE_ROOT/venv-reliability-$REQ_HASH
if [[ ! -x $VENV/bin/pytest || ! -x $VENV/bin/detect-secrets ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
fi

export RELIABILITY_JAVA=$JAVA RELIABILITY_APP_JAR=$APP_JAR RELIABILITY_STANDINS_JAR=$STANDINS_JAR \
  RELIABILITY_COLLECTOR_BIN=$COLLECTOR RELIABILITY_PROMETHEUS=$(command -v prometheus) \
  RELIABILITY_DETECT_SECRETS=$VENV/bin/detect-secrets
cd "$HERE"
log "running pytest (collector: $COLLECTOR; full durations: ${RELIABILITY_FULL:-0})"
exec "$VENV/bin/pytest" "$@"
