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
log() { echo "[reliability] $*" >&2; }

# Everything that needs the network (Prometheus from Debian, Maven/Go builds, the pip venv) happens first,
# on the host's network; only then does the suite enter its namespace (below).
if [[ -z ${RELIABILITY_IN_NETNS:-} ]]; then
  . "$REPO/e2e/lib.sh"   # install_prometheus, find_java, build_artifacts, ensure_venv (shared with e2e/)
  install_prometheus
  command -v ss >/dev/null 2>&1 || log "warning: 'ss' (iproute2) not found; the listener test will fail"
  find_java
  # the collector is cached by manifest hash (a warm call is instant); RELIABILITY_COLLECTOR_BIN overrides (e.g.
  # a candidate build)
  build_artifacts 0 "${RELIABILITY_COLLECTOR_BIN:-}"
  ensure_venv reliability "$HERE/requirements.txt" detect-secrets
  export RELIABILITY_JAVA=$JAVA RELIABILITY_APP_JAR=$APP_JAR RELIABILITY_STANDINS_JAR=$STANDINS_JAR \
    RELIABILITY_COLLECTOR_BIN=$COLLECTOR RELIABILITY_PROMETHEUS=$(command -v prometheus) \
    RELIABILITY_DETECT_SECRETS=$VENV/bin/detect-secrets RELIABILITY_VENV=$VENV

  # The stack uses fixed loopback ports (the shipped collector config binds 127.0.0.1:4317 etc.) that e2e/ and
  # bench/ use too. By default (as root, where `unshare --net` works) the suite runs in a private network
  # namespace with only its own loopback: it can neither collide with nor disturb another suite's stack, and
  # nothing in it can reach any other network. RELIABILITY_NETNS=0 runs on the host's loopback instead (the
  # suite then waits up to RELIABILITY_PORT_WAIT_SECONDS for the ports to be free and fails if they are not).
  if [[ ${RELIABILITY_NETNS:-1} == 1 ]] && unshare --net true 2>/dev/null; then
    export RELIABILITY_IN_NETNS=1
    exec unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
  fi
fi

cd "$HERE"
log "running pytest (collector: $RELIABILITY_COLLECTOR_BIN; full durations: ${RELIABILITY_FULL:-0})"
exec "$RELIABILITY_VENV/bin/pytest" "$@"
