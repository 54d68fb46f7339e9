#!/usr/bin/env bash
# The ADOT guard suite: every collector config, component and feature gate the repo ships or documents
# must be one the real ADOT v0.49.0 image registers; the ocb manifest and the built test collector must be
# exactly ADOT's component set (test_adot_guard.py says how). Builds the collector if the cache lacks it.
#
#   collector/test/guard.sh [pytest args...]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
log() { echo "[adot-guard] $*" >&2; }
. "$REPO/e2e/lib.sh"   # ensure_venv
ensure_venv adot-guard "$HERE/requirements.txt"
export COLLECTOR_BIN=${COLLECTOR_BIN:-$("$REPO/collector/build.sh" | tail -1)}
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE"
exec "$VENV/bin/pytest" -p no:cacheprovider -rfE --tb=short test_adot_guard.py "$@"
