#!/usr/bin/env bash
# The monitoring suite: the alert rules AMP's ruler and the local Prometheus load (alert-rules.yml) are valid
# (promtool check rules), every alert fires and stays quiet where its unit tests say (promtool test rules),
# no alert goes without both kinds of case, and the Grafana dashboard JSON is exactly what its generator
# builds from Grafana's schema. (Its queries run against live data in e2e/test_11_dashboards.py.)
# promtool comes with Debian's prometheus package; the Python tools live in a cached venv.
#
#   monitoring/test.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
log() { printf '[monitoring] %s\n' "$*" >&2; }
. "$REPO/e2e/lib.sh"   # ensure_venv
ensure_venv monitoring "$HERE/requirements.txt"

if ! command -v promtool >/dev/null; then
  log "apt-get install prometheus (for promtool)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null; }
fi

cd "$HERE"
log "promtool check rules alert-rules.yml"
promtool check rules alert-rules.yml
log "promtool test rules tests/alert-rules.test.yml"
promtool test rules tests/alert-rules.test.yml

log "every alert has a firing and a not-firing case"
"$VENV/bin/python" - <<'PY'
import sys
import yaml
rules = yaml.safe_load(open("alert-rules.yml"))
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
cases = [c for t in yaml.safe_load(open("tests/alert-rules.test.yml"))["tests"] for c in t.get("alert_rule_test", [])]
fires = {c["alertname"] for c in cases if c.get("exp_alerts")}
quiet = {c["alertname"] for c in cases if not c.get("exp_alerts")}
missing = sorted(f"{a}: no {kind} case" for a in alerts for kind, seen in (("firing", fires), ("not-firing", quiet))
                 if a not in seen)
print("\n".join(missing) or f"{len(alerts)} alerts, each with firing and not-firing cases")
sys.exit(1 if missing else 0)
PY

log "dashboards/ecs-otel-sample.json is what dashboards/generate.py builds"
"$VENV/bin/python" dashboards/generate.py --check
