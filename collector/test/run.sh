#!/usr/bin/env bash
# The collector suite: the shipped otel-collector-config.yaml on the real ocb-built collector, started the way
# ADOT starts on ECS, against small recording fakes (fake_aws.py: ECS task metadata, X-Ray, AMP on dummy
# loopback ports). The tests are pytest (conftest.py and test_0*.py, on e2e/harness.py); this script prepares
# what they need and enters the suite's private network namespace:
#
#   collector/test/run.sh                 the whole suite
#   collector/test/run.sh -k sigv4        extra arguments go to pytest
#
# COLLECTOR_BIN=PATH tests that binary instead of collector/build.sh's; COLLECTOR_CONFIG=FILE another config (only
# to test the tests); COLLECTOR_TEST_NETNS=0 runs on the host's loopback (the collector's fixed ports must be free).
# Exits non-zero when a test fails. The full end-to-end run (SigV4-verifying stand-ins, Prometheus, apps) is e2e/.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
log() { echo "[collector-test] $*" >&2; }

# Everything that may need the network (a cold collector build fetches Go modules, the venv PyPI packages)
# happens first, on the host's network; only then does the suite enter its namespace (below).
if [[ -z ${COLLECTOR_TEST_IN_NETNS:-} ]]; then
  . "$REPO/e2e/lib.sh"   # ensure_venv (shared with e2e/, reliability/ and the guard)
  if [[ -z ${COLLECTOR_BIN:-} ]]; then
    log "step 1/3: the collector (collector/build.sh: cached by its inputs; a cold build reports its progress)"
    # A failed build is reported by the suite's first test, test_collector_builds.
    COLLECTOR_BIN=$("$REPO/collector/build.sh" | tail -1) || { log "collector/build.sh failed"; COLLECTOR_BIN=""; }
  fi
  log "step 2/3: pytest venv"
  ensure_venv collector "$HERE/requirements.txt"
  export COLLECTOR_BIN COLLECTOR_TEST_VENV=$VENV PYTHONDONTWRITEBYTECODE=1

  # A private network namespace with only its own loopback: the collector's fixed ports (4317, 4318, 13133,
  # 2000, 8888) never clash with a collector another suite or a developer runs, and nothing in the suite can
  # reach anything but this namespace's 127.0.0.1.
  if [[ ${COLLECTOR_TEST_NETNS:-1} == 1 ]] && unshare --net true 2>/dev/null; then
    export COLLECTOR_TEST_IN_NETNS=1
    exec unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
  fi
  log "running on the host's loopback (COLLECTOR_TEST_NETNS=0, or unshare --net is not allowed here)"
fi

cd "$HERE"
log "step 3/3: pytest (collector: ${COLLECTOR_BIN:-none}; config: ${COLLECTOR_CONFIG:-the shipped one})"
exec "$COLLECTOR_TEST_VENV/bin/pytest" "$@"
