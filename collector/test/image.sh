#!/usr/bin/env bash
# Checks collector/Dockerfile: the local image keeps ADOT's contract. Needs docker and a local
# Debian-like base image (no registry is reachable):
#
#   COLLECTOR_IMAGE_BASE=<local debian image> collector/test/image.sh
#
# Containers run with --network none (only their own loopback). Everything it creates is removed.
# Ends with "N passed, M failed"; exit code 1 if anything failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE=${COLLECTOR_IMAGE_BASE:?set COLLECTOR_IMAGE_BASE to a local Debian-like image}
TAG=otelcol-ecs:image-test-$$

PASS=0
FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }

CTX=$(mktemp -d "${TMPDIR:-/tmp}/otelcol-ctx.XXXXXX")
CIDS=()
cleanup() {
  local c
  for c in "${CIDS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  docker rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$CTX"
}
trap cleanup EXIT

"$HERE/../build.sh" --docker-context "$CTX" >/dev/null
if docker build -q --build-arg BASE="$BASE" -t "$TAG" "$CTX" >"$CTX/build.log" 2>&1; then
  pass "docker build --build-arg BASE=$BASE"
else
  fail "docker build: $(tail -5 "$CTX/build.log")"
  echo "$PASS passed, $FAIL failed"; exit 1
fi

# A config small enough to run with no network: health_check + OTLP -> awsxray (idle).
MINI='extensions: {health_check: {endpoint: "127.0.0.1:13133"}}
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:4318"}}}}
exporters: {awsxray: {region: us-west-2}}
service: {extensions: [health_check], pipelines: {traces: {receivers: [otlp], exporters: [awsxray]}}}'

# AOT_CONFIG_CONTENT replaces --config (ADOT behaviour): the bogus path below must be ignored.
cid=$(docker run -d --network none -e AOT_CONFIG_CONTENT="$MINI" "$TAG" --config=/does/not/exist.yaml)
CIDS+=("$cid")
status=starting
for _ in $(seq 1 60); do   # HEALTHCHECK interval 5 s; bounded to ~60 s
  status=$(docker inspect -f '{{.State.Health.Status}}' "$cid" 2>/dev/null || echo gone)
  [[ $status == healthy || $status == gone ]] && break
  sleep 1
done
check "AOT_CONFIG_CONTENT config runs and the image HEALTHCHECK turns healthy ($status)" test "$status" = healthy
check "/healthcheck exits 0 against the running collector" docker exec "$cid" /healthcheck
check "collector runs as uid/gid 4317 (like ADOT's aoc user)" \
  bash -c "[[ \$(docker exec '$cid' id -u):\$(docker exec '$cid' id -g) == 4317:4317 ]]"

# /healthcheck fails when nothing answers on 13133.
docker run --rm --network none --entrypoint /healthcheck "$TAG" >/dev/null 2>&1
rc=$?
check "/healthcheck exits non-zero when the collector is not up (rc=$rc)" test $rc -ne 0

# Default CMD loads the shipped config from /etc/otel-config.yaml: without the ECS metadata URI it
# stops with the documented message (which proves that config, and not another, was loaded).
# COLLECTOR_STORAGE_DIR: file_storage needs an existing directory at validation; on ECS that is the task
# volume at the default path, here no volume is mounted, so the image's writable /tmp stands in.
out=$(timeout 60 docker run --rm --network none -e AWS_REGION=us-west-2 -e COLLECTOR_STORAGE_DIR=/tmp \
  -e AMP_REMOTE_WRITE_URL=http://127.0.0.1:4511/workspaces/ws-local/api/v1/remote_write \
  -e AWS_ACCESS_KEY_ID=AKIDEXAMPLE -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  -e AWS_EC2_METADATA_DISABLED=true "$TAG" 2>&1)
check "default CMD uses the shipped config at /etc/otel-config.yaml" \
  grep -q "unable to detect task metadata endpoint" <<<"$out"

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
