#!/usr/bin/env bash
# Collector-level tests: the shipped otel-collector-config.yaml on the real ocb-built collector.
#
#   collector/test/run.sh
#
# Builds (or reuses) the collector, validates the config, checks what happens without the ECS
# metadata endpoint, then runs the collector on the loopback of a private network namespace against
# small recording fakes (test/fake_aws.py: ECS metadata, X-Ray, AMP on dummy loopback ports), sends
# one OTLP/HTTP trace and metric and checks what came out. Everything started here is stopped on exit.
# Ends with "N passed, M failed"; exit code 1 if anything failed.
# The full end-to-end run (SigV4-verifying stand-ins, Prometheus, two apps) is elsewhere.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CONFIG=${COLLECTOR_CONFIG:-$REPO/otel-collector-config.yaml}   # override only to test the tests

# Run in a private network namespace (only its own loopback): the collector's fixed ports
# (4317, 4318, 13133, 2000, 8888) then never clash with a collector the end-to-end test or a
# developer is running, and nothing here can reach anything but this namespace's 127.0.0.1.
# The (cached) build runs first, outside, because it may need the Go module proxy.
if [[ -z ${COLLECTOR_TEST_IN_NETNS:-} && ${COLLECTOR_TEST_NETNS:-1} == 1 ]] && command -v unshare >/dev/null &&
   unshare --net sh -c 'ip link set lo up' 2>/dev/null; then
  "$HERE/../build.sh" >/dev/null || true
  exec unshare --net -- env COLLECTOR_TEST_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

# Dummy loopback ports for the fakes (not the project's stand-in ports, so both can run).
META_PORT=${META_PORT:-45513}
XRAY_PORT=${XRAY_PORT:-45510}
AMP_PORT=${AMP_PORT:-45511}
# Ports the shipped config listens on.
COLLECTOR_PORTS=(4317 4318 13133 2000 8888)

PASS=0
FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/collector-test.XXXXXX")
RECORD="$WORK/requests.jsonl"
LOG="$WORK/collector.log"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ $FAIL -gt 0 && -f $LOG ]]; then
    echo "---- collector log (last 40 lines) ----"; tail -40 "$LOG"
  fi
  if [[ -n ${KEEP_TEST_DIR:-} ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
  echo "$PASS passed, $FAIL failed"
  [[ $FAIL -eq 0 ]]
  exit $?
}

# Environment the config needs, with the fakes' addresses and AWS's published example credentials.
export AWS_REGION=us-west-2
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
unset AWS_SESSION_TOKEN AWS_PROFILE AOT_CONFIG_CONTENT OTEL_RESOURCE_ATTRIBUTES
export AWS_EC2_METADATA_DISABLED=true   # never probe IMDS (link-local) for credentials/region
export AMP_REMOTE_WRITE_URL="http://127.0.0.1:$AMP_PORT/workspaces/ws-local/api/v1/remote_write"
export XRAY_ENDPOINT="http://127.0.0.1:$XRAY_PORT"
ECS_URI="http://127.0.0.1:$META_PORT/v4/test-container"
unset ECS_CONTAINER_METADATA_URI_V4 ECS_CONTAINER_METADATA_URI

# ---------------------------------------------------------------- build
BIN=$("$HERE/../build.sh" | tail -1)
if [[ ! -x $BIN ]]; then
  fail "collector builds (collector/build.sh)"
  finish
fi
pass "collector builds: $BIN"

check "binary reports version 0.156.0" bash -c "'$BIN' --version | grep -q '0\.156\.0'"

components=$("$BIN" components 2>/dev/null)
# Every component type the shipped config names (ADOT's own set is checked by test_adot_guard.py).
mapfile -t want_types < <(python3 - "$CONFIG" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
print("\n".join(sorted({cid.split("/")[0] for kind in ("receivers", "processors", "exporters", "extensions")
                         for cid in cfg[kind]})))
PY
)
missing=()
for t in "${want_types[@]}"; do
  grep -Eq "^[[:space:]]*-?[[:space:]]*name: $t\$" <<<"$components" || missing+=("$t")
done
check "collector has every component type the config uses (missing: ${missing[*]:-none})" test ${#missing[@]} -eq 0

# ---------------------------------------------------------------- validate
if ECS_CONTAINER_METADATA_URI_V4=$ECS_URI "$BIN" validate --config="$CONFIG" >"$WORK/validate.log" 2>&1; then
  pass "otelcol-ecs validate accepts the shipped config"
else
  fail "otelcol-ecs validate accepts the shipped config: $(cat "$WORK/validate.log")"
fi
check "validate prints no deprecation warning" bash -c "! grep -qi deprecat '$WORK/validate.log'"

env -u AMP_REMOTE_WRITE_URL ECS_CONTAINER_METADATA_URI_V4=$ECS_URI "$BIN" validate --config="$CONFIG" \
  >"$WORK/validate-noamp.log" 2>&1
rc=$?
check "validate rejects the config when AMP_REMOTE_WRITE_URL is unset (rc=$rc, invalid endpoint)" \
  bash -c "[[ $rc -ne 0 ]] && grep -q 'prometheus_remote_write.*invalid endpoint' '$WORK/validate-noamp.log'"

# Optional variable: XRAY_ENDPOINT unset (= real AWS endpoints) must be a valid config.
check "validate accepts the config with XRAY_ENDPOINT unset (optional)" \
  env -u XRAY_ENDPOINT ECS_CONTAINER_METADATA_URI_V4="$ECS_URI" "$BIN" validate --config="$CONFIG"
check "validate accepts the config with XRAY_ENDPOINT set but empty" \
  env XRAY_ENDPOINT= ECS_CONTAINER_METADATA_URI_V4="$ECS_URI" "$BIN" validate --config="$CONFIG"

# ---------------------------------------------------------------- ports free?
busy=()
for p in "${COLLECTOR_PORTS[@]}" "$META_PORT" "$XRAY_PORT" "$AMP_PORT"; do
  ss -Hltn "sport = :$p" | grep -q . && busy+=("$p")
done
if [[ ${#busy[@]} -gt 0 ]]; then
  fail "ports needed by the test are free (in use: ${busy[*]}; is another collector running?)"
  finish
fi

# ---------------------------------------------------------------- fakes
python3 "$HERE/fake_aws.py" --metadata "$META_PORT" --xray "$XRAY_PORT" --amp "$AMP_PORT" \
  --record "$RECORD" >"$WORK/fakes.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$WORK/fakes.log" 2>/dev/null && break; sleep 0.1; done
check "recording fakes started" grep -q ready "$WORK/fakes.log"

# ---------------------------------------------------------------- off ECS: no metadata URI
# Documented behaviour: without ECS_CONTAINER_METADATA_URI_V4 the awsecscontainermetrics receiver
# cannot be created, so the collector exits at once with a clear message (it does not hang).
# Every run below starts the collector like ADOT on ECS: collector/adot-launch.sh (AOT_CONFIG_CONTENT as
# stored in SSM, the task definition's command, uid 10001, read-only root, no capabilities).
LAUNCH=("$HERE/../adot-launch.sh" "$BIN" "$CONFIG")
timeout 60 "${LAUNCH[@]}" >"$WORK/no-ecs.log" 2>&1
rc=$?
check "without ECS_CONTAINER_METADATA_URI_V4 the collector exits non-zero (rc=$rc, not a 124 hang)" \
  bash -c "[[ $rc -ne 0 && $rc -ne 124 ]]"
check "... and says why (unable to detect task metadata endpoint)" \
  grep -q "unable to detect task metadata endpoint" "$WORK/no-ecs.log"

# Set but nothing answers: the ecs detector retries until resource_detection's 5 s timeout, then the
# collector stops (rather than running on ECS without task identity).
ECS_CONTAINER_METADATA_URI_V4="http://127.0.0.1:45599/v4/nobody" timeout 60 "${LAUNCH[@]}" \
  >"$WORK/dead-ecs.log" 2>&1
rc=$?
check "metadata URI set but unreachable: collector exits non-zero after the detector timeout (rc=$rc)" \
  bash -c "[[ $rc -ne 0 && $rc -ne 124 ]]"
check "... and says why (resource_detection: unable to fetch task metadata)" \
  grep -q 'failed to start "resource_detection" processor: unable to fetch task metadata' "$WORK/dead-ecs.log"

# ---------------------------------------------------------------- run on "ECS" (fake metadata)
export ECS_CONTAINER_METADATA_URI_V4=$ECS_URI
"${LAUNCH[@]}" >"$LOG" 2>&1 &
CPID=$!
PIDS+=($CPID)

healthy=no
for _ in $(seq 1 120); do   # up to ~60 s (resource detection has a 5 s timeout)
  kill -0 $CPID 2>/dev/null || break
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:13133/ || true)
  [[ $code == 200 ]] && { healthy=yes; break; }
  sleep 0.5
done
check "health_check on 127.0.0.1:13133 answers 200" test $healthy = yes
if [[ $healthy != yes ]]; then finish; fi

# Listeners: every socket the collector listens on is loopback, and all expected ports are there.
listen=$(ss -Hltnp | grep "pid=$CPID," | awk '{print $4}')
nonlocal=$(grep -Ev '^(127\.0\.0\.1|\[::1\]):' <<<"$listen" || true)
check "collector listens on loopback only (got: $(tr '\n' ' ' <<<"$listen"))" test -z "$nonlocal"
for p in "${COLLECTOR_PORTS[@]}"; do
  check "collector listens on 127.0.0.1:$p" grep -qx "127.0.0.1:$p" <<<"$listen"
done

# One OTLP/HTTP trace (server span with HTTP attributes) and one metric, as JSON.
TRACE_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
SPAN_ID=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
NOW=$(date +%s%N)
START=$((NOW - 25000000))
trace_json=$(cat <<EOF
{"resourceSpans":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"sample-app"}}]},
 "scopeSpans":[{"scope":{"name":"collector-test"},"spans":[{
  "traceId":"$TRACE_ID","spanId":"$SPAN_ID","name":"GET /api/orders/{id}","kind":2,
  "startTimeUnixNano":"$START","endTimeUnixNano":"$NOW",
  "attributes":[
   {"key":"http.request.method","value":{"stringValue":"GET"}},
   {"key":"http.route","value":{"stringValue":"/api/orders/{id}"}},
   {"key":"url.path","value":{"stringValue":"/api/orders/42"}},
   {"key":"http.response.status_code","value":{"intValue":"200"}}],
  "status":{}}]}]}]}
EOF
)
metric_json=$(cat <<EOF
{"resourceMetrics":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"sample-app"}}]},
 "scopeMetrics":[{"scope":{"name":"collector-test"},"metrics":[{
  "name":"collector.test.requests","unit":"1",
  "sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{
   "asInt":"3","startTimeUnixNano":"$START","timeUnixNano":"$NOW",
   "attributes":[{"key":"http.route","value":{"stringValue":"/api/orders/{id}"}}]}]}}]}]}]}
EOF
)
code=$(curl -s -o "$WORK/t.out" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
  --data "$trace_json" http://127.0.0.1:4318/v1/traces)
check "OTLP/HTTP trace accepted (HTTP $code)" test "$code" = 200
code=$(curl -s -o "$WORK/m.out" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
  --data "$metric_json" http://127.0.0.1:4318/v1/metrics)
check "OTLP/HTTP metric accepted (HTTP $code)" test "$code" = 200

# The app's X-Ray remote sampler talks to the awsproxy extension.
code=$(curl -s -o "$WORK/rules.out" -w '%{http_code}' --max-time 10 -X POST -d '{}' \
  http://127.0.0.1:2000/GetSamplingRules)
check "awsproxy forwards GetSamplingRules (HTTP $code)" test "$code" = 200

# Wait (bounded) for the exports to reach the fakes; then assert on what they received.
XRAY_TRACE_ID="1-${TRACE_ID:0:8}-${TRACE_ID:8}"
got_segment() {
  [[ -f $RECORD ]] && jq -e --arg t "$XRAY_TRACE_ID" -s '
    [ .[] | select(.kind=="xray" and .path=="/TraceSegments")
          | .json.TraceSegmentDocuments[]? | fromjson | select(.trace_id==$t) ] | length > 0' \
    "$RECORD" >/dev/null 2>&1
}
got_remote_write() {
  [[ -f $RECORD ]] && jq -e -s '[ .[] | select(.kind=="amp") ] | length > 0' "$RECORD" >/dev/null 2>&1
}
for _ in $(seq 1 60); do   # up to ~30 s
  got_segment && got_remote_write && break
  sleep 0.5
done

check "X-Ray (fake) received a segment for the trace ($XRAY_TRACE_ID)" got_segment
seg=$(jq -c --arg t "$XRAY_TRACE_ID" -s '
  [ .[] | select(.kind=="xray" and .path=="/TraceSegments")
        | .json.TraceSegmentDocuments[]? | fromjson | select(.trace_id==$t) ] | first' "$RECORD" 2>/dev/null)
check "segment name is the service name (sample-app)" test "$(jq -r .name <<<"$seg")" = sample-app
check "segment carries the HTTP request data" \
  test "$(jq -r '.http.request.method + " " + (.http.response.status|tostring)' <<<"$seg")" = "GET 200"
# v0.156.0 keeps dots in annotation keys (feature gate exporter.xray.allowDot, beta = on).
check "http.route is an indexed annotation" \
  test "$(jq -r '.annotations["http.route"]' <<<"$seg")" = "/api/orders/{id}"
check "url.path is not indexed (metadata only)" \
  test "$(jq -r '.annotations | has("url.path") or has("url_path")' <<<"$seg")" = false
check "segment has the ECS origin and task metadata from resource detection" \
  test "$(jq -r '.origin + " " + (.aws.ecs.task_arn // "")' <<<"$seg")" = \
       "AWS::ECS::Fargate arn:aws:ecs:us-west-2:123456789012:task/test-cluster/0123456789abcdef0123456789abcdef"
check "segment links the app's CloudWatch log group (trace -> logs)" \
  test "$(jq -r '[.aws.cloudwatch_logs[]?.log_group] | index("/ecs/sample-app") != null' <<<"$seg")" = true

sigv4_ok() {  # KIND PATH-REGEX SERVICE: requests exist and all carry a SigV4 header for SERVICE/us-west-2
  local re="^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/us-west-2/$3/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}\$"
  jq -e -s --arg k "$1" --arg p "$2" --arg re "$re" \
    '[ .[] | select(.kind==$k and (.path|test($p))) ] as $r | ($r|length) > 0 and all($r[]; (.headers.authorization // "") | test($re))' \
    "$RECORD" >/dev/null 2>&1
}
check "every PutTraceSegments call is SigV4-signed for xray/us-west-2" sigv4_ok xray '^/TraceSegments$' xray
check "the sampling-rules call through awsproxy is SigV4-signed for xray/us-west-2" sigv4_ok xray '^/GetSamplingRules$' xray
check "AMP (fake) received remote-write requests" got_remote_write
check "every remote write is SigV4-signed for aps/us-west-2" sigv4_ok amp '/workspaces/ws-local/api/v1/remote_write$' aps
check "remote write uses the Prometheus remote-write 1.0 wire format (snappy protobuf)" \
  jq -e -s '[ .[] | select(.kind=="amp") ] | all(.headers["content-encoding"]=="snappy"
             and .headers["content-type"]=="application/x-protobuf"
             and .headers["x-prometheus-remote-write-version"]=="0.1.0")' "$RECORD" >/dev/null
# The receiver's first collection comes one collection_interval (30 s) after start.
polled_stats() {
  jq -e -s '[ .[] | select(.kind=="metadata" and .path=="/v4/test-container/task/stats") ] | length > 0' \
    "$RECORD" >/dev/null 2>&1
}
for _ in $(seq 1 90); do polled_stats && break; sleep 0.5; done   # up to ~45 s
check "awsecscontainermetrics polled the task stats endpoint" polled_stats
# ... and exported the result: a remote write after that poll.
ecs_written() {
  jq -e -s '(map(.kind=="metadata" and .path=="/v4/test-container/task/stats") | index(true)) as $i
            | $i != null and ([ .[$i:][] | select(.kind=="amp") ] | length > 0)' "$RECORD" >/dev/null 2>&1
}
for _ in $(seq 1 40); do ecs_written && break; sleep 0.5; done   # batch timeout is 5 s
check "ECS metrics were remote-written after the stats poll" ecs_written

# What AMP would store (label sets decoded from the snappy/protobuf writes by the fake).
TASK_ID=0123456789abcdef0123456789abcdef
series() { jq -c -s '[ .[] | select(.kind=="amp") | .series[]? ] | unique | .[]' "$RECORD" 2>/dev/null; }
series >"$WORK/series.jsonl"
check "app metric -> collector_test_requests_total{job=sample-app, instance=<ECS task id>, http_route}" \
  jq -e -s --arg i "$TASK_ID" 'any(.[]; .__name__=="collector_test_requests_total" and .job=="sample-app"
        and .instance==$i and .http_route=="/api/orders/{id}")' "$WORK/series.jsonl"
check "no series but target_info carries resource attributes as labels (no task-ARN label explosion)" \
  jq -e -s 'all(.[] | select(.__name__!="target_info"); keys | all(test("^(aws_|cloud_|container_id|container_image|service_)") | not))' \
  "$WORK/series.jsonl"
check "resource attributes are kept on target_info (task ARN joinable by job/instance)" \
  jq -e -s --arg i "$TASK_ID" 'any(.[]; .__name__=="target_info" and .job=="sample-app" and .instance==$i
        and (.aws_ecs_task_arn|startswith("arn:aws:ecs:")))' "$WORK/series.jsonl"
ECS_KEEP='["ecs_task_cpu_utilized","ecs_task_cpu_reserved","ecs_task_memory_utilized_mebibytes",
  "ecs_task_memory_reserved_mebibytes","ecs_task_network_rate_rx_bytes_per_second",
  "ecs_task_network_rate_tx_bytes_per_second","ecs_task_storage_read_bytes","ecs_task_storage_write_bytes",
  "ecs_task_ephemeral_storage_utilized_mebibytes","ecs_task_ephemeral_storage_reserved_mebibytes",
  "container_cpu_utilized","container_memory_utilized_mebibytes","container_memory_reserved_mebibytes"]'
check "ECS metrics: exactly the kept series (filter/ecs) with UCUM-derived names, all present" \
  jq -e -s --argjson keep "$ECS_KEEP" '[ .[] | .__name__ | select(test("^(ecs_|container_)")) ] | unique
        == ($keep | sort)' "$WORK/series.jsonl"
check "ECS metrics: job=<task family>, instance=<task id>; per-container series labelled container_name" \
  jq -e -s --arg i "$TASK_ID" '[ .[] | select(.__name__|test("^(ecs_|container_)")) ] as $e
        | all($e[]; .job=="sample-app-task" and .instance==$i)
        and ([ $e[] | select(.__name__=="container_cpu_utilized") | .container_name ] | sort == ["collector","sample-app"])' \
  "$WORK/series.jsonl"
check "ECS label sets: task series {job, instance}, container series {job, instance, container_name}, nothing else" \
  jq -e -s '[ .[] | select(.__name__|test("^(ecs_|container_)")) ] as $e
        | all($e[] | select(.__name__|startswith("ecs_task_")); keys == ["__name__","instance","job"])
        and all($e[] | select(.__name__|startswith("container_")); keys == ["__name__","container_name","instance","job"])' \
  "$WORK/series.jsonl"
check "ECS task attributes on one target_info per task (job=<family>, instance=<task id>, task ARN), none per container" \
  jq -e -s --arg i "$TASK_ID" '[ .[] | select(.__name__=="target_info" and .job=="sample-app-task") ] as $t
        | ($t | length) == 1 and $t[0].instance == $i and ($t[0].aws_ecs_task_arn|startswith("arn:aws:ecs:"))
        and ($t[0] | has("container_name") | not)' "$WORK/series.jsonl"

# Started like ADOT on ECS (collector/adot-launch.sh): as the task definition's user, without
# capabilities, on a read-only root file system, with the config from AOT_CONFIG_CONTENT only.
check "collector runs as uid/gid 10001 (task definition user)" \
  bash -c "grep -Eq '^Uid:\s+10001\s' /proc/$CPID/status && grep -Eq '^Gid:\s+10001\s' /proc/$CPID/status"
check "collector has no capabilities (effective, permitted, bounding)" \
  bash -c "grep -Eq '^CapEff:\s+0+$' /proc/$CPID/status && grep -Eq '^CapPrm:\s+0+$' /proc/$CPID/status \
           && grep -Eq '^CapBnd:\s+0+$' /proc/$CPID/status"
check "collector's root file system is read-only" \
  bash -c "awk '\$5==\"/\" {print \$6}' /proc/$CPID/mountinfo | grep -Eq '^ro(,|$)'"
check "collector runs under the task definition's 192 MiB memory limit; memory_limiter sizes itself from it (80 % = 153 MiB)" \
  bash -c "grep -q '\"total_memory_mib\": 192,' '$LOG' && grep -q '\"limit_mib\": 153,' '$LOG'"
check "collector has the task definition's GOGC/GOMEMLIMIT" \
  bash -c "tr '\\0' '\\n' </proc/$CPID/environ | grep -qx 'GOGC=400' && tr '\\0' '\\n' </proc/$CPID/environ | grep -qx 'GOMEMLIMIT=100MiB'"
check "collector was given its config through AOT_CONFIG_CONTENT only (--config=env:AOT_CONFIG_CONTENT)" \
  bash -c "tr '\\0' '\\n' </proc/$CPID/cmdline | grep -- '--config' | grep -qx -- '--config=env:AOT_CONFIG_CONTENT' \
           && [[ \$(tr '\\0' '\\n' </proc/$CPID/cmdline | grep -c -- '--config') == 1 ]]"

code=$(curl -s -o "$WORK/self.txt" -w '%{http_code}' --max-time 5 http://127.0.0.1:8888/metrics)
check "self-telemetry on 127.0.0.1:8888 counts the exported span" \
  grep -Eq '^otelcol_exporter_sent_spans(_total)?\{[^}]*exporter="awsxray"[^}]*\} [1-9]' "$WORK/self.txt"

check "collector still running after the exports" kill -0 $CPID
check "collector log has no deprecation warning" bash -c "! grep -qi deprecat '$LOG'"
check "collector log has no error-level line" bash -c "! grep -P '\terror\t' '$LOG'"

# Graceful stop: SIGTERM -> exit 0 within 20 s.
kill -TERM $CPID
rc=124
for _ in $(seq 1 200); do
  if ! kill -0 $CPID 2>/dev/null; then wait $CPID; rc=$?; break; fi
  sleep 0.1
done
check "collector stops cleanly on SIGTERM (rc=$rc)" test $rc -eq 0

finish
