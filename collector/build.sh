#!/usr/bin/env bash
# Builds the test collector (otelcol-ecs) from builder-config.yaml with the OpenTelemetry Collector
# Builder (ocb) v0.156.0, plus the tiny /healthcheck probe, and caches both outside the repo:
#
#   ~/.cache/ecs-otel-sample/collector/<sha256 of the inputs>/otelcol-ecs
#   ~/.cache/ecs-otel-sample/collector/<sha256 of the inputs>/healthcheck
#
# The key covers builder-config.yaml, this script and healthcheck/*, so any change rebuilds;
# an unchanged tree is a cache hit (instant). Progress goes to stderr: a build says "step k/5: ..."
# as it goes, and during a long step every 15 s that it is still at it, for how long and (compiling)
# how many packages are done, so a cold build (minutes) never sits silent. The LAST line on stdout is
# the absolute path of the collector binary:
#
#   BIN=$(collector/build.sh | tail -1)
#
#   collector/build.sh --docker-context DIR   # also stage DIR for `docker build` (Dockerfile,
#                                             # binaries, config); last stdout line is then DIR.
set -euo pipefail

OCB_VERSION=v0.156.0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE_ROOT=${ECS_OTEL_SAMPLE_CACHE:-$HOME/.cache/ecs-otel-sample}

ctx_dir=""
if [[ ${1:-} == --docker-context ]]; then
  ctx_dir=${2:?usage: build.sh [--docker-context DIR]}
fi

log() { echo "[collector/build] $*" >&2; }
. "$REPO/e2e/lib.sh"   # with_progress (the heartbeat every suite's long steps use)

key=$(cat "$HERE/builder-config.yaml" "$HERE/build.sh" "$HERE"/healthcheck/go.mod "$HERE"/healthcheck/*.go \
      | sha256sum | cut -c1-64)
out="$CACHE_ROOT/collector/$key"
bin="$out/otelcol-ecs"
hc="$out/healthcheck"

# borrow MODULE VERSION DIR: copy MODULE@VERSION from the Go module cache (downloading it through
# the Go module proxy) to DIR and make it require the pinned core/contrib versions instead of its own.
borrow() {
  local mod=$1 ver=$2 dst=$3 src
  src=$(go mod download -json "$mod@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $src ]] || { log "cannot download $mod@$ver"; return 1; }
  mkdir -p "$(dirname "$dst")"
  cp -r "$src" "$dst"
  chmod -R u+w "$dst"
  # Its own replace lines point into the contrib checkout (and are ignored outside the main module).
  sed -E -i \
    -e '/^replace /d' \
    -e 's#^([[:space:]]*(go\.opentelemetry\.io/collector|github\.com/open-telemetry/opentelemetry-collector-contrib)[^ ]*) v1\.[0-9]+\.[0-9]+#\1 v1.62.0#' \
    -e 's#^([[:space:]]*(go\.opentelemetry\.io/collector|github\.com/open-telemetry/opentelemetry-collector-contrib)[^ ]*) v0\.[0-9]+\.[0-9]+#\1 v0.156.0#' \
    "$dst/go.mod"
  rm -f "$dst/go.sum"
}

# check_versions DIR: in the final build graph every core collector module and every component
# listed in the manifest must be at the pinned release (v0.156.0 / stable v1.62.0). Other contrib
# modules are whatever those v0.156.0 modules require (upstream's own pins), replaced ones are listed.
check_versions() {
  local graph bad comps
  graph=$(cd "$1" && go list -m -f '{{if not .Main}}{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}} {{.Version}}{{end}}{{end}}' all)
  comps=$(sed -n 's/^[[:space:]]*- gomod: \([^ ]*\) .*/\1/p' "$HERE/builder-config.yaml")
  bad=$( { echo "$graph" | grep -E '^go\.opentelemetry\.io/collector/' ;
           echo "$graph" | grep -F -f <(printf '%s \n' $comps) ; } |
         grep -v ' => ' | grep -Ev ' (v0\.156\.0|v1\.62\.0)$' || true)
  if [[ -n $bad ]]; then
    log "module graph is not pinned to v0.156.0/v1.62.0:"; echo "$bad" >&2; return 1
  fi
  log "module graph pinned; replaced modules:"
  echo "$graph" | grep ' => ' >&2 || true
}

# compile: the collector, in $work/_build. go build -v names each package as it compiles it (the ones in
# Go's build cache it skips): packages_compiled, the heartbeat's detail, counts them.
compile() {
  go build -v -trimpath -ldflags="-s -w" -o otelcol-ecs . 2>"$work/go-build.log"
}
packages_compiled() {
  echo "$(grep -c . "$work/go-build.log" 2>/dev/null || true) of $(grep -c . "$work/packages" 2>/dev/null || true)" \
       "packages compiled (the others are in Go's build cache), then it links"
}

build() {
  # Go settings shared by both builds: static, reproducible paths, stripped.
  export CGO_ENABLED=0
  export GOFLAGS="${GOFLAGS:-} -trimpath"
  # The v0.156.0 modules declare `go 1.25.0`; the installed Go (1.26.x) satisfies that, so build with
  # it and never fetch another toolchain behind the user's back.
  export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

  local gobin t0=$SECONDS
  gobin=$(go env GOPATH)/bin
  log "building otelcol-ecs (ocb $OCB_VERSION, $(go env GOVERSION), $(nproc) cores): fully cold ~9 min on 2 cores," \
      "with a warm Go build cache under a minute"
  if "$gobin/builder" version 2>&1 | grep -q "${OCB_VERSION#v}"; then
    log "step 1/5: ocb $OCB_VERSION is installed"
  else
    with_progress "step 1/5: installing ocb $OCB_VERSION" \
      go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION" >&2
  fi

  work=$(mktemp -d "$CACHE_ROOT/collector/.work.XXXXXX")
  trap 'rm -rf "$work" "$out.tmp"' EXIT   # also on failure (set -e)
  cp "$HERE/builder-config.yaml" "$work/"
  # Every `MODULE => ../borrowed/<version>/<path>` replace in the manifest names a contrib module the
  # Go module proxy does not serve at v0.156.0 and the served release to borrow instead.
  local mod ver rel n=0 total
  total=$(grep -c '=> \.\./borrowed/' "$HERE/builder-config.yaml" || true)
  log "step 2/5: borrowing the $total modules the Go module proxy does not serve at v0.156.0"
  while read -r mod ver rel; do
    n=$((n + 1))
    log "  borrowing $n/$total: ${mod#github.com/open-telemetry/opentelemetry-collector-contrib/}@$ver"
    borrow "$mod" "$ver" "$work/borrowed/$ver/$rel"
  done < <(sed -n 's#^[[:space:]]*- \([^ ]*\) => \.\./borrowed/\(v[0-9.]*\)/\(.*\)$#\1 \2 \3#p' "$HERE/builder-config.yaml")

  # Generate sources and resolve modules (ocb runs go get / go mod tidy), verify pins, compile.
  (cd "$work" && with_progress "step 3/5: generating the sources and resolving the modules (ocb)" \
    "$gobin/builder" --config builder-config.yaml --skip-compilation >&2)
  check_versions "$work/_build"
  (cd "$work/_build" && go list -deps . >"$work/packages")
  if ! (cd "$work/_build" && PROGRESS_DETAIL=packages_compiled with_progress "step 4/5: compiling otelcol-ecs" compile)
  then
    grep -v '^[a-zA-Z0-9_./-]*$' "$work/go-build.log" | tail -60 >&2 || true   # the errors, not package names
    return 1
  fi

  log "step 5/5: healthcheck, then caching both in $out"
  (cd "$HERE/healthcheck" && go build -ldflags="-s -w" -o "$work/healthcheck" . >&2)

  mkdir -p "$out.tmp"
  mv "$work/_build/otelcol-ecs" "$out.tmp/otelcol-ecs"
  mv "$work/healthcheck" "$out.tmp/healthcheck"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  log "total build time $((SECONDS - t0)) s"
}

mkdir -p "$CACHE_ROOT/collector"
if [[ ! -x $bin || ! -x $hc ]]; then
  # Several scripts may call this at once: one builds, the others wait for it.
  exec 9>"$CACHE_ROOT/collector/.lock"
  if ! flock -n 9; then
    log "another collector/build.sh is building it; waiting for that build (its own output shows its progress)"
    flock 9
  fi
  if [[ ! -x $bin || ! -x $hc ]]; then
    build
  fi
  flock -u 9
else
  log "cache hit: $bin"
fi

if [[ -n $ctx_dir ]]; then
  mkdir -p "$ctx_dir"
  cp "$bin" "$hc" "$ctx_dir/"
  cp "$HERE/Dockerfile" "$ctx_dir/Dockerfile"
  cp "$HERE/docker-entrypoint.sh" "$ctx_dir/"
  cp "$REPO/otel-collector-config.yaml" "$ctx_dir/"
  # The image trusts the same public CAs as this host (a slim Debian base has no bundle).
  cp /etc/ssl/certs/ca-certificates.crt "$ctx_dir/ca-certificates.crt"
  log "docker build context staged in $ctx_dir"
  echo "$ctx_dir"
else
  echo "$bin"
fi
