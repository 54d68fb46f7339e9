#!/usr/bin/env bash
# End-to-end test on a real collector: Prometheus + the AWS stand-ins + the ocb-built collector running the
# SHIPPED otel-collector-config.yaml + two sample-app instances, all on loopback. See e2e/README.md and
# docs/tests.md ("End-to-end test").
#
#   e2e/run.sh                 build what is missing, then run the whole suite
#   e2e/run.sh -k sampling     extra arguments go to pytest
#
# Environment: E2E_REBUILD=1 rebuilds the app and stand-in jars even if present.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
log() { echo "[e2e] $*" >&2; }

. "$HERE/lib.sh"   # install_prometheus, find_java, build_artifacts, ensure_venv (shared with reliability/)

# 1. Prometheus (the Debian package's binary, run by the suite on loopback).
install_prometheus
PROMETHEUS=$(command -v prometheus)

# 2. A JDK of the image's major (25) for the app and the stand-ins.
find_java
log "java: $JAVA ($(java_major "$JAVA"))"

# 3. Artifacts: build only what is missing (CI's earlier suites have built them already).
build_artifacts "${E2E_REBUILD:-0}"

# 4. The trace UI (Zipkin) and the browser that tests it (Chromium + chromedriver).
install_zipkin
install_chromium

# 5. pytest in a venv keyed by the requirements' hash (stdlib otherwise).
ensure_venv e2e "$HERE/requirements.txt"

export E2E_JAVA=$JAVA E2E_APP_JAR=$APP_JAR E2E_STANDINS_JAR=$STANDINS_JAR E2E_COLLECTOR_BIN=$COLLECTOR \
  E2E_PROMETHEUS=$PROMETHEUS E2E_ZIPKIN_JAR=$ZIPKIN_JAR
cd "$HERE"
log "running pytest (collector: $COLLECTOR)"
exec "$VENV/bin/pytest" "$@"
