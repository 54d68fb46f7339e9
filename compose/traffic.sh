#!/usr/bin/env bash
# Traffic generator for the local stack: calls every sample endpoint of both app instances, round-robin,
# at a fixed rate for a bounded time, and prints progress.
#
#   compose/traffic.sh                        # 5 requests/s for 60 s against localhost:8080 and :8081
#   compose/traffic.sh --rate 20 --duration 30
#   compose/traffic.sh --app http://127.0.0.1:8080 --peer http://127.0.0.1:8081 --requests 100
#
# Stops after --duration seconds or --requests requests, whichever comes first (both are capped).
# Exit code 0 when every answer had its expected status (the peer's orders fail on purpose only when
# it runs with ORDERS_ERROR_RATE=1, so 5xx from /orders/7 is reported but not counted as a failure).
set -euo pipefail

APP=${APP_URL:-http://127.0.0.1:8080}
PEER=${PEER_URL:-http://127.0.0.1:8081}
RATE=5          # requests per second
DURATION=60     # seconds
MAX_REQUESTS=100000
QUIET=0

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --requests) MAX_REQUESTS=$2; shift 2 ;;
    --app) APP=$2; shift 2 ;;
    --peer) PEER=$2; shift 2 ;;
    --quiet) QUIET=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 ;;
  esac
done
[[ $RATE =~ ^[0-9]+$ && $RATE -ge 1 && $RATE -le 200 ]] || { echo "--rate must be 1..200" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 3600 ]] || { echo "--duration must be 1..3600 s" >&2; exit 2; }
[[ $MAX_REQUESTS =~ ^[0-9]+$ && $MAX_REQUESTS -ge 1 ]] || { echo "--requests must be >= 1" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }

# Every endpoint of the sample app, on both instances. "expected" is a status class: 2 = 2xx, 4 = 4xx.
ENDPOINTS=(
  "$APP/ 2" "$APP/health 2" "$APP/orders/7 2" "$APP/orders/0 4" "$APP/orders/not-a-number 4"
  "$APP/outgoing-http-call 2" "$APP/outgoing-sampleapp 2" "$APP/aws-sdk-call 2"
  "$PEER/ 2" "$PEER/health 2" "$PEER/orders/7 2" "$PEER/outgoing-http-call 2" "$PEER/aws-sdk-call 2"
)

interval=$(awk -v r="$RATE" 'BEGIN { printf "%.4f", 1 / r }')
end=$((SECONDS + DURATION))
sent=0 ok=0 unexpected=0 failed=0
declare -A by_status=()
echo "traffic: ${#ENDPOINTS[@]} endpoints, $RATE req/s for up to ${DURATION}s (max $MAX_REQUESTS requests)"
echo "         app=$APP peer=$PEER"
last_report=$SECONDS
while (( SECONDS < end && sent < MAX_REQUESTS )); do
  read -r url expected <<<"${ENDPOINTS[sent % ${#ENDPOINTS[@]}]}"
  # Bounded: 10 s per request at most, so the whole run ends close to --duration.
  code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$url" || true)
  sent=$((sent + 1))
  by_status[$code]=$(( ${by_status[$code]:-0} + 1 ))
  if [[ $code == 000 ]]; then
    failed=$((failed + 1))
  elif [[ ${code:0:1} == "$expected" ]]; then
    ok=$((ok + 1))
  elif [[ $code == 5* && $url == "$PEER/orders/"* ]]; then
    ok=$((ok + 1))   # the peer may be configured to fail orders (ORDERS_ERROR_RATE)
  else
    unexpected=$((unexpected + 1))
    echo "  unexpected: $url -> $code" >&2
  fi
  if (( !QUIET && SECONDS - last_report >= 5 )); then
    echo "  ${sent} sent, ${ok} as expected, ${unexpected} unexpected, ${failed} no answer ($((end - SECONDS))s left)"
    last_report=$SECONDS
  fi
  sleep "$interval"
done
summary=""
for code in "${!by_status[@]}"; do summary+=" $code:${by_status[$code]}"; done
echo "traffic done: $sent requests, $ok as expected, $unexpected unexpected, $failed without answer (status counts:$summary)"
echo "look at:  traces  http://localhost:4510/admin/segments   metrics  http://localhost:9090"
(( unexpected == 0 && failed == 0 ))
