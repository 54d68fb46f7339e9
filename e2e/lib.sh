# Sourced (after `set -euo pipefail`, REPO and log()) by the scripts that prepare a suite (e2e/run.sh,
# reliability/run.sh, collector/test/run.sh and guard.sh, monitoring/test.sh, compose/test.sh, bench/run.sh)
# and by collector/build.sh: what they need before pytest starts (installs, builds, venvs, progress lines). Each
# function is called explicitly.

CACHE_ROOT=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}
export AWS_EC2_METADATA_DISABLED=true

# `with_progress WHAT CMD...` runs CMD unchanged (its output, exit code and Ctrl-C) and meanwhile logs every 15 s
# that WHAT is still going on and for how long, then how long it took: a cold run never sits silent for minutes.
# With PROGRESS_DETAIL=FUNCTION set, each "still" line adds what FUNCTION prints (how far CMD got, e.g. a count).
with_progress() {
  local what=$1 t0 hb rc=0
  shift
  t0=$(date +%s)
  # The heartbeat ends with this shell even if it is killed (kill -0 $$), and never holds its output open.
  ( while sleep 15 </dev/null >/dev/null 2>&1 && kill -0 $$ 2>/dev/null; do
      log "still $what ($(( $(date +%s) - t0 )) s${PROGRESS_DETAIL:+, $($PROGRESS_DETAIL)})"
    done ) &
  hb=$!
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if (( rc )); then log "$what: FAILED (exit code $rc) after $(( $(date +%s) - t0 )) s"
  else log "$what: done in $(( $(date +%s) - t0 )) s"; fi
  return "$rc"
}

# Prometheus (Debian package; we run the binary ourselves, on loopback, the service is irrelevant).
install_prometheus() {
  command -v prometheus >/dev/null 2>&1 && return 0
  log "installing Debian package prometheus"
  local SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # On hosts with systemd the package starts its own service on :9090; stop the one we just installed.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl stop prometheus || true
  fi
}

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

# The project's one JDK major: the one in the Dockerfile's default MAVEN_IMAGE (...-eclipse-temurin-NN), so the
# suites run what the image ships (compose/test_01 checks that this pick, the pom and the benchmark agree).
image_java_major() {
  sed -n 's/^ARG MAVEN_IMAGE=.*-temurin-\([0-9][0-9]*\).*/\1/p' "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Dockerfile"
}

# Sets JAVA (a JDK of the image's major: $JAVA_HOME, /usr/lib/jvm/*, PATH, first match) and JDK_HOME; exits 2
# when there is none.
find_java() {
  local cand major want
  want=$(image_java_major)
  JAVA=""
  for cand in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -x $cand ]] || continue
    major=$(java_major "$cand")
    if [[ ${major%%.*} == "$want" ]]; then JAVA=$cand; break; fi
  done
  [[ -n $JAVA ]] || { log "no JDK $want (the image's, see the Dockerfile's MAVEN_IMAGE) found (set JAVA_HOME)"; exit 2; }
  JDK_HOME=$(cd "$(dirname "$JAVA")/.." && pwd)
}

# Sets APP_JAR, STANDINS_JAR and COLLECTOR, building only what is missing (CI's earlier suites have built them
# already). `build_artifacts REBUILD [COLLECTOR_BIN]`: REBUILD=1 rebuilds both jars; a non-empty COLLECTOR_BIN is
# used instead of collector/build.sh's binary.
build_artifacts() {
  local rebuild=${1:-0}
  COLLECTOR=${2:-}
  APP_JAR=$REPO/target/sample-app.jar
  STANDINS_JAR=$REPO/standins/target/aws-standins.jar
  if [[ ! -f $APP_JAR || $rebuild == 1 ]]; then
    log "building the app ($APP_JAR)"
    (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q package -DskipTests)
  fi
  if [[ ! -f $STANDINS_JAR || $rebuild == 1 ]]; then
    log "building the stand-ins ($STANDINS_JAR)"
    (cd "$REPO" && JAVA_HOME=$JDK_HOME mvn -B -ntp -q -f standins/pom.xml package -DskipTests)
  fi
  if [[ -z $COLLECTOR ]]; then
    COLLECTOR=$("$REPO/collector/build.sh" | tail -1)   # cached by manifest hash; a warm call is instant
  fi
  [[ -x $COLLECTOR ]] || { log "collector/build.sh did not produce a binary: $COLLECTOR"; exit 2; }
}

# `ensure_venv NAME REQUIREMENTS [TOOL...]` sets VENV: $CACHE_ROOT/venv-NAME-<requirements hash>, (re)created
# unless bin/pytest and each bin/TOOL are there.
ensure_venv() {
  local name=$1 req=$2 tool ok=1
  shift 2
  VENV=$CACHE_ROOT/venv-$name-$(sha256sum "$req" | cut -c1-12)
  for tool in pytest "$@"; do [[ -x $VENV/bin/$tool ]] || ok=0; done
  if (( ! ok )); then
    log "creating $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    with_progress "installing $req into the venv" \
      "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  fi
}

# Zipkin, the local trace UI (fed by the X-Ray stand-in): the exec jar from Maven Central, cached by version.
# docker-compose.yml runs the same version (openzipkin/zipkin image); deploy/tests keeps the two in step.
ZIPKIN_VERSION=3.5.1
install_zipkin() {
  ZIPKIN_JAR=$CACHE_ROOT/zipkin/zipkin-server-$ZIPKIN_VERSION-exec.jar
  [[ -s $ZIPKIN_JAR ]] && return 0
  log "downloading zipkin-server $ZIPKIN_VERSION (exec jar, ~130 MB, once; cached in $CACHE_ROOT/zipkin)"
  with_progress "downloading zipkin-server $ZIPKIN_VERSION" \
    mvn -B -q -ntp dependency:copy "-Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
    "-DoutputDirectory=$CACHE_ROOT/zipkin" >&2
  [[ -s $ZIPKIN_JAR ]] || { log "zipkin-server $ZIPKIN_VERSION did not download"; exit 2; }
}

# Headless Chromium and its WebDriver (Debian packages) for the browser tests of the trace and metrics UIs.
install_chromium() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
  log "installing Debian packages chromium and chromium-driver (browser tests)"
  local SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
           chromium chromium-driver >/dev/null; }
}
