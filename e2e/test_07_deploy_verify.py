"""deploy/verify --url, the command deploy.sh prints, against the running stack: the app stands where the task
or the load balancer would be (verify only needs a base URL), the stand-ins where X-Ray and AMP would be."""

import subprocess
import sys

import awsutil
from conftest import AMP, APP_A, REPO, SERVICE_A, XRAY, wait_for_series
from stack import base_env

VERIFY = REPO / "deploy" / "verify"


def verify(*args: str) -> subprocess.CompletedProcess:
    env = {**base_env(), "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run([sys.executable, str(VERIFY), "--region", awsutil.REGION, "--workspace-id", "ws-local",
                           "--xray-endpoint", XRAY, "--amp-endpoint", AMP, *args],
                          capture_output=True, text=True, env=env, timeout=240)


def test_verify_sends_requests_and_finds_their_traces(stack, traffic):
    # The app exports metrics every few seconds here (60 s on ECS): wait for them, as a user waits a minute.
    wait_for_series(f'{{job="{SERVICE_A}"}}', "the app's metrics in Prometheus")
    r = verify("--url", APP_A, "--requests", "3", "--wait", "60")
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert f"App    PASS  3 requests to {APP_A}/orders/N answered 200" in out, out
    # The e2e rules sample everything, so each of the three requests' traces is in the X-Ray stand-in.
    assert "X-Ray  PASS  3 of 3 requests' traces found in X-Ray" in out, out
    assert "AMP    PASS" in out and out.rstrip().endswith("RESULT: PASS - telemetry arrived in X-Ray and AMP"), out


def test_verify_fails_clearly_when_the_url_answers_nothing(stack):
    r = verify("--url", "http://127.0.0.1:9", "--requests", "1", "--wait", "0")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "App    FAIL  GET http://127.0.0.1:9/orders/1 failed" in r.stdout, r.stdout
    assert "--allowed-cidr" in r.stdout
    assert "RESULT: FAIL (App, X-Ray)" in r.stdout, r.stdout
