#!/usr/bin/env bash
# End-to-end test on a real collector: Prometheus + the AWS stand-ins + the ocb-built collector running the
# SHIPPED otel-collector-config.yaml + two sample-app instances, all on loopback. See e2e/README part in the
# top-level README ("End-to-end test").
#
#   e2e/run.sh                 build what is missing, then run the whole suite
#   e2e/run.sh -k sampling     extra arguments go to pytest
#
# Environment: E2E_REBUILD=1 rebuilds the app and stand-in jars even if present.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE_ROOT=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}
export AWS_EC2_METADATA_DISABLED=true
log() { echo "[e2e] $*" >&2; }

# 1. Prometheus (Debian package; we run the binary ourselves, on loopback, the service is irrelevant).
if ! command -v prometheus >/dev/null 2>&1; then
  log "installing Debian package prometheus"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # On hosts with systemd the package starts its own service on :9090; stop the one we just installed.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl stop prometheus || true
  fi
fi
PROMETHEUS=$(command -v prometheus)

# 2. A JDK >= 21 for the app and the stand-ins.
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
log "java: $JAVA ($(java_major "$JAVA"))"
JDK_HOME=$(cd "$(dirname "$JAVA")/.." && pwd)

# 3. Artifacts: build only what is missing (CI's earlier suites have built them already).
APP_JAR=$REPO/target/sample-app.jar
STANDINS_JAR=$REPO/standins/target/aws-standins.jar
if [[ ! -f $APP_JAR || ${E2E_REBUILD:-} == 1 ]]; then
  log "building the app ($APP_JAR)"
  (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q package -DskipTests)
fi
if [[ ! -f $STANDINS_JAR || ${E2E_REBUILD:-} == 1 ]]; then
  log "building the stand-ins ($STANDINS_JAR)"
  (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q -f standins/pom.xml package -DskipTests)
fi
COLLECTOR=$("$REPO/collector/build.sh" | tail -1)   # cached by manifest hash; a warm call is instant
[[ -x $COLLECTOR ]] || { log "collector/build.sh did not produce a binary: $COLLECTOR"; exit 2; }

# 4. pytest in a venv keyed by the requirements' hash (stdlib otherwise).
REQ_HASH=$(sha256sum "$HERE/requirements.txt" | cut -c1-12)
VENV=$CACHE_ROOT/venv-e2e-$REQ_HASH
if [[ ! -x $VENV/bin/pytest ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
fi

export E2E_JAVA=$JAVA E2E_APP_JAR=$APP_JAR E2E_STANDINS_JAR=$STANDINS_JAR E2E_COLLECTOR_BIN=$COLLECTOR \
  E2E_PROMETHEUS=$PROMETHEUS
cd "$HERE"
log "running pytest (collector: $COLLECTOR)"
exec "$VENV/bin/pytest" "$@"
