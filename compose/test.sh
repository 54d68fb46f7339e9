#!/usr/bin/env bash
# The compose suite: the Docker packaging, for real. Builds the images, runs docker-compose.yml and checks that
# telemetry arrives, like a user running `docker compose up` and the traffic generator would.
#
#   compose/test.sh                          # from CI (scripts/test.sh) or by hand, as root (or with sudo rights)
#   compose/test.sh -k traces                # extra arguments go to pytest
#   COMPOSE="docker-compose" compose/test.sh # force Debian's compose v1 (default: v2 if installed)
#   KEEP_STACK=1 compose/test.sh             # leave the stack (and a dockerd it started) running for a look
#   COMPOSE_TEST_QUICKSTART=1 compose/test.sh   # also the README's quick start on the host's published ports
#
# This script prepares what the tests need (Debian packages, the zipkin-server jar, the pytest venv), then runs
# pytest (conftest.py, test_0*.py; on e2e/harness.py like e2e/ and reliability/). The session fixtures start a
# dockerd if none answers, build local base images (base-images.sh: debootstrap + docker import, cached by their
# inputs), the app, stand-in, Zipkin and collector images, and start compose/docker-compose.test.yml, whose task
# namespace has NO network (only loopback: the tests enter it, nothing addresses a bridge or any other IP); they
# take everything down again, also on failure or Ctrl-C. Exits non-zero when a test fails.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# Root is needed for dockerd, apt-get and entering the task's network namespace.
[[ $(id -u) -eq 0 ]] || exec sudo -E "$0" "$@"
COMPOSE_STARTED_AT=$(date +%s)
log() { printf '[compose %4ss] %s\n' "$(( $(date +%s) - COMPOSE_STARTED_AT ))" "$*" >&2; }

. "$REPO/e2e/lib.sh"   # with_progress, install_zipkin, ensure_venv (shared with e2e/ and reliability/)

# prepare 1/3: tools from Debian.
missing=()
{ command -v docker && command -v dockerd; } >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v curl >/dev/null || missing+=(curl)
command -v nsenter >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
[[ -x /usr/share/maven/bin/mvn ]] || missing+=(maven)
if ((${#missing[@]})); then
  log "prepare 1/3: installing from Debian: ${missing[*]}"
  with_progress "apt-get update" apt-get update -qq
  with_progress "apt-get install ${missing[*]}" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "prepare 1/3: docker, compose, debootstrap, curl, nsenter, python3 and maven are installed"
fi

# prepare 2/3: the trace UI's jar (Zipkin's image is built from it: compose/zipkin.Dockerfile).
log "prepare 2/3: zipkin-server jar"
install_zipkin

# prepare 3/3: pytest in a venv keyed by the requirements' hash.
log "prepare 3/3: pytest venv"
ensure_venv compose "$HERE/requirements.txt"

export COMPOSE_ZIPKIN_JAR=$ZIPKIN_JAR COMPOSE_STARTED_AT AWS_EC2_METADATA_DISABLED=true
cd "$HERE"
log "running pytest (setup: dockerd, base images, 4 image builds, the stack; each step says how far it got)"
exec "$VENV/bin/pytest" "$@"
