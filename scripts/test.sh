#!/usr/bin/env bash
# The one test command (README "Test"; the suites in docs/tests.md; .ci/run calls exactly this).
# Runs every suite in dependency order and installs what they need itself (Prometheus, the ocb-built
# collector, Docker engine, Python venvs). Expensive builds are cached under ~/.cache/ecs-otel-sample,
# keyed by their inputs, so a warm run takes minutes.
#
#   scripts/test.sh            all suites
#   scripts/test.sh app e2e    only the named suites (names as listed below)
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true   # no test may ever probe EC2 metadata

# name | command. Order matters: later suites reuse the artifacts of earlier ones.
SUITES=(
  "app|mvn -B -ntp verify && (cd healthcheck && GOTOOLCHAIN=local go test -count=1 ./...)"
  "standins|mvn -B -ntp -f standins/pom.xml verify"
  "adot-guard|collector/test/guard.sh"
  "monitoring|monitoring/test.sh"
  "collector|collector/test/run.sh"
  "e2e|e2e/run.sh"
  "deploy|deploy/tests/run.sh"
  "reliability|reliability/run.sh"
  "compose|compose/test.sh"
  "bench-smoke|bench/run.sh --smoke && bench/run.sh --durability --smoke"
)

wanted=("$@")
passed=0; failed=0; failed_names=()
summary=()
for entry in "${SUITES[@]}"; do
  name=${entry%%|*}; cmd=${entry#*|}
  if ((${#wanted[@]})) && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  echo "=================== suite: $name ($cmd)"
  start=$SECONDS
  if bash -c "$cmd"; then
    passed=$((passed + 1)); status=PASS
  else
    failed=$((failed + 1)); status=FAIL; failed_names+=("$name")
  fi
  summary+=("$(printf '%-10s %s %4ds' "$name" "$status" $((SECONDS - start)))")
done

echo "=================== summary"
printf '%s\n' "${summary[@]}"
((failed)) && echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
