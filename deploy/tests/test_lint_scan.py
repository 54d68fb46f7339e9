"""cfn-lint is clean; checkov reports no failed checks and every suppression is justified in place."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cfn import CfnLoader, specialize
from conftest import TEMPLATE

# The deployable variants checkov scans (it cannot follow Fn::If, so each is specialised first): the default
# demo, the OTLP traces path with Transaction Search, and the load balancer with HTTPS and request scaling.
CERTIFICATE = "arn:aws:acm:us-west-2:123456789012:certificate/0f0f0f0f-1111-2222-3333-444444444444"
VARIANTS = {
    "default": {},
    "otlp": {"TracesPath": "otlp", "EnableTransactionSearch": "true"},
    "alb-https-scaling": {"LoadBalancer": "internet-facing", "CertificateArn": CERTIFICATE, "ScalingMetric": "requests"},
    "alb-http-cpu": {"LoadBalancer": "internet-facing", "ScalingMetric": "cpu"},
    "private-no-nat": {"AssignPublicIp": "DISABLED", "CollectorImageCachePrefix": "ecs-otel-sample"},
    "private-no-nat-existing-rule": {"AssignPublicIp": "DISABLED", "CollectorImageCachePrefix": "ecr-public",
                                     "CollectorImageCacheRuleExists": "true"},
}

# No network for the scanners: checkov's --skip-download plus BC_SKIP_MAPPING keep it offline; any HTTP
# library that still tried would be sent to a closed loopback port.
OFFLINE_ENV = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_OUTPUT_BRANDING": "1",
               "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
               "AWS_EC2_METADATA_DISABLED": "true"}


def cfn_lint(path: Path, *extra: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(exe), "--format", "parseable", *extra, "--", str(path)], capture_output=True, text=True,
                          env=OFFLINE_ENV, timeout=300)


def test_cfn_lint_clean():
    r = cfn_lint(TEMPLATE)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr


def test_cfn_lint_catches_a_bad_template(tmp_path):
    bad = TEMPLATE.read_text().replace("NetworkMode: awsvpc", "NetworkMode: awsvpcx")
    assert bad != TEMPLATE.read_text()
    (tmp_path / "bad.yaml").write_text(bad)
    r = cfn_lint(tmp_path / "bad.yaml")
    assert r.returncode != 0 and "awsvpcx" in r.stdout, r.stdout


def checkov_bin() -> str:
    exe = os.environ.get("DEPLOY_CHECKOV_BIN") or shutil.which("checkov")
    if not exe:
        pytest.fail("checkov not found: run the suite through deploy/tests/run.sh (it sets DEPLOY_CHECKOV_BIN)",
                    pytrace=False)
    return exe


def run_checkov(path: Path) -> dict:
    r = subprocess.run([checkov_bin(), "-f", str(path), "--framework", "cloudformation", "--skip-download",
                        "--compact", "-o", "json"], capture_output=True, text=True,
                       env=OFFLINE_ENV, timeout=600)
    assert r.stdout.strip(), f"checkov printed nothing (rc {r.returncode}): {r.stderr[-2000:]}"
    return json.loads(r.stdout)


def specialized(text: str, params: dict, tmp_dir: Path, name: str) -> Path:
    template = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    path = tmp_dir / f"{name}.json"
    path.write_text(json.dumps(specialize(template, params), indent=1))
    return path


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def checkov_report(request, tmp_path_factory):
    name = request.param
    path = specialized(TEMPLATE.read_text(), VARIANTS[name], tmp_path_factory.mktemp("checkov"), name)
    return name, run_checkov(path)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_cfn_lint_clean_on_every_variant(name, tmp_path):
    # cfn-lint follows conditions itself; the specialised templates must be valid too (the scans below use them).
    # W2001: a specialised template leaves the other variants' parameters unused, by construction.
    r = cfn_lint(specialized(TEMPLATE.read_text(), VARIANTS[name], tmp_path, name), "--ignore-checks", "W2001")
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr


def test_checkov_no_failed_checks(checkov_report):
    _, checkov_report = checkov_report
    failed = checkov_report["results"]["failed_checks"]
    assert checkov_report["summary"]["failed"] == 0, [
        (f["check_id"], f["resource"], f["check_name"]) for f in failed]
    assert checkov_report["summary"]["parsing_errors"] == 0


def test_checkov_really_checked_ecs_and_iam(checkov_report):
    name, checkov_report = checkov_report
    passed = checkov_report["results"]["passed_checks"]
    ran = {(p["check_id"], p["resource"]) for p in passed}
    for role in ("TaskRole", "ExecutionRole"):
        for check in ("CKV_AWS_60", "CKV_AWS_61", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_107", "CKV_AWS_108",
                      "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"):
            assert (check, f"AWS::IAM::Role.{role}") in ran, (check, role)
    assert ("CKV_AWS_65", "AWS::ECS::Cluster.Cluster") in ran
    assert ("CKV_AWS_97", "AWS::ECS::TaskDefinition.TaskDefinition") in ran
    if VARIANTS[name].get("LoadBalancer") == "internet-facing":
        assert ("CKV_AWS_131", "AWS::ElasticLoadBalancingV2::LoadBalancer.Alb") in ran   # drops invalid headers
        for sg in ("AWS::EC2::SecurityGroup.LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup.ServiceSecurityGroup"):
            assert ("CKV_AWS_23", sg) in ran   # every rule described
    if VARIANTS[name].get("CertificateArn"):
        assert ("CKV_AWS_103", "AWS::ElasticLoadBalancingV2::Listener.HttpsListener") in ran   # TLS >= 1.2
    # checkov 3.3 has few CloudFormation checks for ECS task definitions (no read-only-root or non-root
    # check): test_task_definition.py::test_hardening asserts those properties directly.


def test_every_skipped_check_is_justified(checkov_report):
    _, checkov_report = checkov_report
    skipped = checkov_report["results"]["skipped_checks"]
    template = yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)  # noqa: S506
    for s in skipped:
        logical = s["resource"].split(".")[1]
        skips = template["Resources"][logical]["Metadata"]["checkov"]["skip"]
        entry = next(e for e in skips if e["id"] == s["check_id"])
        assert len(entry.get("comment", "").split()) >= 8, f"{logical}/{s['check_id']}: justify the suppression"
    # CKV_AWS_158: log groups use the AWS-owned key. CKV_AWS_91: no ALB access-log bucket. CKV_AWS_2/103: the
    # port-80 listener (plain HTTP without a certificate, a redirect with one). CKV_AWS_26: the alert topic
    # (AMP's alert manager cannot use the AWS-managed SNS key). CKV_AWS_51/136: the pull-through cache's repository
    # (mirrored upstream tags, a public image).
    assert {s["check_id"] for s in skipped} <= {"CKV_AWS_158", "CKV_AWS_91", "CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_26",
                                                "CKV_AWS_51", "CKV_AWS_136"}, \
        "new suppressions need a review"


def test_checkov_fails_a_broadened_role_and_disabled_insights(tmp_path):
    text = TEMPLATE.read_text()
    insecure = text.replace("Action: aps:RemoteWrite", 'Action: "*"').replace(
        "Value: enabled", "Value: disabled")
    assert insecure.count('Action: "*"') == 1 and "Value: disabled" in insecure
    report = run_checkov(specialized(insecure, {}, tmp_path, "insecure"))
    failed = {(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]}
    assert any(r == "AWS::IAM::Role.TaskRole" for _, r in failed), failed
    assert ("CKV_AWS_65", "AWS::ECS::Cluster.Cluster") in failed, failed
