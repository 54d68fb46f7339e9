"""deploy/deploy.sh: strict bash, clear errors, an offline --dry-run, and the real flow against a fake `aws`."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DEPLOY, REPO
from shape_validator import input_shape, validate

SCRIPT = DEPLOY / "deploy.sh"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/ecs-otel-sample:1.0.0"
GOOD_ARGS = ["--region", "us-west-2", "--image", IMAGE, "--vpc-id", "vpc-0abc123", "--subnets",
             "subnet-0aa,subnet-0bb", "--allowed-cidr", "203.0.113.7/32"]

# A stand-in `aws` CLI: logs each call (one JSON array per line) and answers the few queries deploy.sh
# reads; with FAKE_AWS_FAIL=1 it fails every call (proves --dry-run calls nothing).
FAKE_AWS = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as f:
    f.write(json.dumps(args) + "\n")
if os.environ.get("FAKE_AWS_FAIL"):
    sys.exit(99)
cmd = " ".join(a for a in args[:2])
if cmd == "sts get-caller-identity":
    print("123456789012")
elif cmd == "cloudformation describe-stacks":
    rows = {"ClusterName": "ecs-otel-sample", "ServiceName": "ecs-otel-sample", "AmpWorkspaceId": "ws-0123",
            "TaskRoleArn": "arn:aws:iam::123456789012:role/t", "ExecutionRoleArn": "arn:aws:iam::123456789012:role/e"}
    if os.environ.get("FAKE_AWS_SERVICE_URL"):   # the stack's ServiceUrl output (load balancer deployments)
        rows["ServiceUrl"] = os.environ["FAKE_AWS_SERVICE_URL"]
    print("\n".join(f"{k}\t{v}" for k, v in rows.items()))
elif cmd == "ecs list-tasks":
    print("arn:aws:ecs:us-west-2:123456789012:task/ecs-otel-sample/abc")
elif cmd == "ecs describe-tasks":
    print("eni-0123")
elif cmd == "ec2 describe-network-interfaces":
    print("198.51.100.20")
'''


@pytest.fixture
def fake_aws(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "aws"
    exe.write_text(FAKE_AWS)
    exe.chmod(0o755)
    log = tmp_path / "aws-calls.jsonl"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_AWS_LOG": str(log),
           "AWS_EC2_METADATA_DISABLED": "true"}
    for var in ("APP_IMAGE", "VPC_ID", "SUBNET_IDS", "ALLOWED_CIDR", "AWS_REGION", "AWS_DEFAULT_REGION", "STACK_NAME"):
        env.pop(var, None)

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return env, calls


def run(args, env, **kw):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60, **kw)


def test_strict_mode_and_syntax():
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="shellcheck not installed (run.sh installs it)")
def test_shellcheck_clean():
    r = subprocess.run(["shellcheck", "-S", "warning", str(SCRIPT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_dry_run_is_offline_and_prints_the_plan(fake_aws, tmp_path):
    env, calls = fake_aws
    env["FAKE_AWS_FAIL"] = "1"
    r = run(["--dry-run", *GOOD_ARGS, "--out-dir", str(tmp_path / "out")], env)
    assert r.returncode == 0, r.stderr
    assert calls() == [], "--dry-run must not call aws"
    assert not (tmp_path / "out").exists(), "--dry-run must not write files"
    plan = r.stderr
    for expected in ("+ aws sts get-caller-identity", "+ aws cloudformation deploy --region us-west-2",
                     "--stack-name ecs-otel-sample", f"--template-file {DEPLOY / 'cloudformation.yaml'}",
                     "--capabilities CAPABILITY_IAM", "--no-fail-on-empty-changeset",
                     f"AppImage={IMAGE}",
                     "AppImageRepositoryArn=arn:aws:ecr:us-west-2:123456789012:repository/ecs-otel-sample",
                     "AllowedIngressCidr=203.0.113.7/32", "CollectorConfig=",
                     "+ aws ecs wait services-stable", "deploy/verify --region us-west-2"):
        assert expected in plan, f"{expected!r} missing from the dry-run plan:\n{plan}"
    # The rendered task definition (stdout) is complete JSON with no placeholder left.
    rendered = json.loads(r.stdout)
    assert "${" not in r.stdout
    assert rendered["containerDefinitions"][1]["image"] == IMAGE


@pytest.mark.parametrize("drop, variable", [
    ("--image", "APP_IMAGE (--image)"),
    ("--vpc-id", "VPC_ID (--vpc-id)"),
    ("--subnets", "SUBNET_IDS (--subnets)"),
    ("--allowed-cidr", "ALLOWED_CIDR (--allowed-cidr)"),
    ("--region", "AWS_REGION (--region)"),
])
def test_missing_input_names_the_variable(fake_aws, drop, variable):
    env, calls = fake_aws
    args = list(GOOD_ARGS)
    i = args.index(drop)
    del args[i:i + 2]
    r = run(["--dry-run", *args], env)
    assert r.returncode == 2
    assert variable in r.stderr, r.stderr
    assert calls() == []


@pytest.mark.parametrize("flag, value, variable", [
    ("--allowed-cidr", "203.0.113.7", "ALLOWED_CIDR"),
    ("--image", "nginx:1.27", "APP_IMAGE"),
    ("--image", "123456789012.dkr.ecr.us-west-2.amazonaws.com/ecs-otel-sample:latest", "APP_IMAGE"),
    ("--subnets", "subnet-0aa;subnet-0bb", "SUBNET_IDS"),
    ("--region", "oregon", "AWS_REGION"),
])
def test_bad_input_names_the_variable(fake_aws, flag, value, variable):
    env, _ = fake_aws
    args = list(GOOD_ARGS)
    args[args.index(flag) + 1] = value
    r = run(["--dry-run", *args], env)
    assert r.returncode == 2 and variable in r.stderr, r.stderr


@pytest.mark.parametrize("extra, variable", [
    (["--load-balancer", "internal"], "LOAD_BALANCER (--load-balancer)"),
    (["--scaling", "requests"], "SCALING_METRIC (--scaling) requests counts load balancer requests"),
    (["--scaling", "memory"], "SCALING_METRIC (--scaling)"),
    (["--certificate-arn", "arn:aws:acm:us-west-2:123456789012:certificate/0f0f-11"], "needs --load-balancer"),
    (["--load-balancer", "internet-facing", "--certificate-arn", "my-cert"], "CERTIFICATE_ARN (--certificate-arn)"),
    (["--load-balancer", "internet-facing", "--alb-subnets", "subnet-0aa"], "ALB_SUBNET_IDS (--alb-subnets)"),
    (["--scaling", "cpu", "--min-tasks", "5", "--max-tasks", "2"], "MIN_TASKS (--min-tasks) 5 is above MAX_TASKS"),
    (["--scaling", "cpu", "--max-tasks", "11"], "MAX_TASKS (--max-tasks)"),
    (["--traces", "jaeger"], "TRACES_PATH (--traces)"),
    (["--alert-email", "oncall"], "ALERT_EMAIL (--alert-email)"),
    (["--collector-image-cache", "ECR_Public"], "COLLECTOR_IMAGE_CACHE_PREFIX (--collector-image-cache)"),
    (["--collector-image-cache", "e"], "COLLECTOR_IMAGE_CACHE_PREFIX (--collector-image-cache)"),   # ECR: 2-30
    (["--collector-image-cache", "ab", "--collector-image-cache-rule", "shared"], "COLLECTOR_IMAGE_CACHE_RULE"),
    (["--collector-image-cache-rule", "existing"], "COLLECTOR_IMAGE_CACHE_RULE (--collector-image-cache-rule)"),
])
def test_bad_option_combination_names_the_variable(fake_aws, extra, variable):
    env, calls = fake_aws
    r = run(["--dry-run", *GOOD_ARGS, *extra], env)
    assert r.returncode == 2 and variable in r.stderr, r.stderr
    assert calls() == []


def test_load_balancer_scaling_and_otlp_flow(fake_aws, tmp_path):
    env, calls = fake_aws
    env["FAKE_AWS_SERVICE_URL"] = "https://ecs-otel-sample-1.us-west-2.elb.amazonaws.com"
    cert = "arn:aws:acm:us-west-2:123456789012:certificate/0f0f0f0f-1111-2222-3333-444444444444"
    r = run([*GOOD_ARGS, "--out-dir", str(tmp_path / "out"), "--load-balancer", "internet-facing",
             "--alb-subnets", "subnet-0cc,subnet-0dd", "--certificate-arn", cert, "--scaling", "requests",
             "--min-tasks", "2", "--max-tasks", "6", "--traces", "otlp", "--enable-transaction-search"], env)
    assert r.returncode == 0, r.stderr
    # No task IP lookup: the load balancer's URL is the one to curl and to verify with.
    assert [" ".join(c[:2]) for c in calls()] == ["sts get-caller-identity", "cloudformation deploy",
                                                   "cloudformation describe-stacks", "ecs wait"]
    deploy = calls()[1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    assert {k: params[k] for k in ("LoadBalancer", "LoadBalancerSubnetIds", "CertificateArn", "ScalingMetric",
                                   "MinTasks", "MaxTasks", "TracesPath", "EnableTransactionSearch")} == {
        "LoadBalancer": "internet-facing", "LoadBalancerSubnetIds": "subnet-0cc,subnet-0dd", "CertificateArn": cert,
        "ScalingMetric": "requests", "MinTasks": "2", "MaxTasks": "6", "TracesPath": "otlp",
        "EnableTransactionSearch": "true"}
    rendered = json.loads((tmp_path / "out" / "task-definition.json").read_text())
    env_vars = {e["name"]: e["value"] for e in rendered["containerDefinitions"][0]["environment"]}
    assert env_vars["TRACES_EXPORTER"] == "otlp_http/xray"
    assert "curl -i https://ecs-otel-sample-1.us-west-2.elb.amazonaws.com/orders/42" in r.stderr
    assert "--url https://ecs-otel-sample-1.us-west-2.elb.amazonaws.com" in r.stderr


def test_default_deploy_passes_the_cheapest_options(fake_aws, tmp_path):
    env, calls = fake_aws
    r = run([*GOOD_ARGS, "--out-dir", str(tmp_path / "out")], env)
    assert r.returncode == 0, r.stderr
    deploy = calls()[1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    assert (params["LoadBalancer"], params["ScalingMetric"], params["TracesPath"], params["EnableTransactionSearch"]) \
        == ("none", "none", "xray-segments", "false")
    # Every value deploy.sh passes is a parameter of the template, and no required one is left out.
    from cfn import load_template
    from conftest import TEMPLATE
    declared = load_template(TEMPLATE)["Parameters"]
    assert set(params) <= set(declared)
    assert {name for name, spec in declared.items() if "Default" not in spec} <= set(params)
    rendered = json.loads((tmp_path / "out" / "task-definition.json").read_text())
    assert {e["name"]: e["value"] for e in rendered["containerDefinitions"][0]["environment"]}["TRACES_EXPORTER"] \
        == "awsxray"
    assert "--url http://198.51.100.20:8080" in r.stderr


def test_oversized_collector_config_is_rejected(fake_aws, tmp_path):
    env, calls = fake_aws
    big = tmp_path / "big.yaml"
    big.write_text("receivers:\n" + "".join(f"  r{i}: {{endpoint: 127.0.0.1:{i}}}\n" for i in range(300)))
    assert len(big.read_bytes()) > 8192
    r = run(["--dry-run", *GOOD_ARGS, "--collector-config", str(big)], env)
    assert r.returncode == 2 and "COLLECTOR_CONFIG_FILE" in r.stderr and "8192" in r.stderr, r.stderr


def test_config_with_a_line_longer_than_a_cloudformation_parameter_is_rejected(fake_aws, tmp_path):
    env, calls = fake_aws
    long_line = tmp_path / "long.yaml"
    long_line.write_text("receivers: {otlp: {protocols: {http: {endpoint: '" + "x" * 5000 + "'}}}}\n")
    r = run(["--dry-run", *GOOD_ARGS, "--collector-config", str(long_line)], env)
    assert r.returncode == 2 and "two CloudFormation parameters" in r.stderr, r.stderr


@pytest.mark.parametrize("lines", [3, 150, 205])   # fits one parameter; needs both; close to 8 KB
def test_config_travels_in_two_parameters_that_join_to_the_stored_text(fake_aws, tmp_path, lines):
    env, calls = fake_aws
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("# comment\nreceivers:\n" + "".join(f"  r{i}: {{endpoint: 127.0.0.1:{i}}}  # é\n"
                                                         for i in range(lines)))
    r = run([*GOOD_ARGS, "--out-dir", str(tmp_path / "out"), "--collector-config", str(cfg)], env)
    assert r.returncode == 0, r.stderr
    deploy = calls()[1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    stored = subprocess.run([str(SCRIPT), "--print-collector-config"], capture_output=True, text=True, check=True,
                            env={**env, "COLLECTOR_CONFIG_FILE": str(cfg)}).stdout.rstrip("\n")
    first, rest = params["CollectorConfig"], params["CollectorConfigContinued"]
    assert len(first.encode()) <= 4096 and len(rest.encode()) <= 4096
    # What the stack stores (CollectorConfigParameter: !If/!Join with "\n") is exactly the stored text.
    assert (first + "\n" + rest if rest else first) == stored
    assert not first.endswith("\n") and not rest.startswith("\n")


def deployed_parameters(fake_aws, tmp_path, config_text: str) -> dict:
    """The stack parameters deploy.sh passes for a collector config file holding `config_text`."""
    env, calls = fake_aws
    cfg = tmp_path / f"cfg-{len(calls())}.yaml"
    cfg.write_text(config_text)
    r = run([*GOOD_ARGS, "--out-dir", str(tmp_path / "out"), "--collector-config", str(cfg)], env)
    assert r.returncode == 0, r.stderr
    deploy = [c for c in calls() if c[:2] == ["cloudformation", "deploy"]][-1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    return {**params, "SubnetIds": params["SubnetIds"].split(",")}


def test_a_collector_config_change_is_a_new_task_definition_revision(fake_aws, tmp_path):
    # ECS starts a deployment only when the service's task definition changes; the config lives in SSM, so the
    # stack must carry something of the config into the task definition itself.
    from test_template_agreement import template_task_def
    from cfn import load_template
    from conftest import TEMPLATE
    template = load_template(TEMPLATE)
    one = deployed_parameters(fake_aws, tmp_path, "receivers:\n  otlp: {}\n")
    two = deployed_parameters(fake_aws, tmp_path, "receivers:\n  otlp: {protocols: {grpc: {}}}\n")
    again = deployed_parameters(fake_aws, tmp_path, "# only a comment differs\nreceivers:\n  otlp: {}\n")
    assert template_task_def(template, one) != template_task_def(template, two)
    # The same stored text (comments are stripped) is the same revision: no deployment for nothing.
    assert template_task_def(template, one) == template_task_def(template, again)
    # What the collector container carries is the SHA-256 of the text stored in SSM.
    collector = template_task_def(template, two)["containerDefinitions"][0]
    env_ = {e["name"]: e["value"] for e in collector["environment"]}
    stored = two["CollectorConfig"] + ("\n" + two["CollectorConfigContinued"] if two["CollectorConfigContinued"] else "")
    assert env_["COLLECTOR_CONFIG_SHA256"] == hashlib.sha256(stored.encode()).hexdigest()
    # The rendered task-definition.json (register-task-definition by hand) carries the value of the last run.
    rendered = json.loads((tmp_path / "out" / "task-definition.json").read_text())
    assert {e["name"]: e["value"] for e in rendered["containerDefinitions"][0]["environment"]}[
        "COLLECTOR_CONFIG_SHA256"] == again["CollectorConfigSha256"]


def test_private_subnets_without_nat_pull_the_collector_through_the_cache(fake_aws, tmp_path):
    env, calls = fake_aws
    r = run([*GOOD_ARGS, "--assign-public-ip", "DISABLED", "--collector-image-cache", "ecr-public",
             "--out-dir", str(tmp_path / "out")], env)
    assert r.returncode == 0, r.stderr
    deploy = [c for c in calls() if c[:2] == ["cloudformation", "deploy"]][-1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    assert (params["CollectorImageCachePrefix"], params["AssignPublicIp"]) == ("ecr-public", "DISABLED")
    assert params["CollectorImageCacheRuleExists"] == "false"
    rendered = json.loads((tmp_path / "out" / "task-definition.json").read_text())
    assert rendered["containerDefinitions"][0]["image"] == \
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/ecr-public/aws-observability/aws-otel-collector:v0.49.0"


def test_an_existing_cache_rule_is_passed_to_the_stack(fake_aws, tmp_path):
    env, calls = fake_aws
    r = run([*GOOD_ARGS, "--assign-public-ip", "DISABLED", "--collector-image-cache", "ecr-public",
             "--collector-image-cache-rule", "existing", "--out-dir", str(tmp_path / "out")], env)
    assert r.returncode == 0, r.stderr
    deploy = [c for c in calls() if c[:2] == ["cloudformation", "deploy"]][-1]
    params = dict(o.split("=", 1) for o in deploy[deploy.index("--parameter-overrides") + 1:])
    assert params["CollectorImageCacheRuleExists"] == "true"


def test_a_deployment_whose_tasks_do_not_start_is_rolled_back():
    from cfn import load_template
    from conftest import TEMPLATE
    deployment = load_template(TEMPLATE)["Resources"]["Service"]["Properties"]["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    # Old tasks keep serving until the new revision's tasks are healthy.
    assert deployment["MinimumHealthyPercent"] == 100


def test_real_flow_against_fake_aws(fake_aws, tmp_path):
    env, calls = fake_aws
    out = tmp_path / "out"
    r = run([*GOOD_ARGS, "--out-dir", str(out)], env)
    assert r.returncode == 0, r.stderr
    seq = [" ".join(c[:2]) for c in calls()]
    assert seq == ["sts get-caller-identity", "cloudformation deploy", "cloudformation describe-stacks",
                   "ecs wait", "ecs list-tasks", "ecs describe-tasks", "ec2 describe-network-interfaces"]
    deploy = calls()[1]
    overrides = deploy[deploy.index("--parameter-overrides") + 1:]
    params = dict(o.split("=", 1) for o in overrides)
    stored = subprocess.run([str(SCRIPT), "--print-collector-config"], capture_output=True, text=True,
                            check=True).stdout
    joined = params["CollectorConfig"] + ("\n" + params["CollectorConfigContinued"]
                                          if params["CollectorConfigContinued"] else "")
    assert joined == stored.rstrip("\n")
    assert params["SubnetIds"] == "subnet-0aa,subnet-0bb"
    rendered = json.loads((out / "task-definition.json").read_text())
    assert validate(rendered, input_shape("ecs", "RegisterTaskDefinition")) == []
    collector = rendered["containerDefinitions"][0]
    assert collector["secrets"][0]["valueFrom"] == \
        "arn:aws:ssm:us-west-2:123456789012:parameter/ecs-otel-sample/otel-collector-config"
    assert "ws-0123" in json.dumps(collector["environment"])
    assert rendered["taskRoleArn"] == "arn:aws:iam::123456789012:role/t"
    assert "curl -i http://198.51.100.20:8080/health" in r.stderr
    # Idempotent: a second run issues the same calls (CloudFormation no-ops an unchanged stack).
    r2 = run([*GOOD_ARGS, "--out-dir", str(out)], env)
    assert r2.returncode == 0
    assert calls()[7:] == calls()[:7]


def test_delete(fake_aws):
    env, calls = fake_aws
    r = run(["--delete", "--region", "us-west-2"], env)
    assert r.returncode == 0, r.stderr
    assert [c[:2] for c in calls()] == [["cloudformation", "delete-stack"], ["cloudformation", "wait"]]


def test_aws_failure_stops_the_script(fake_aws):
    env, calls = fake_aws
    env["FAKE_AWS_FAIL"] = "1"
    r = run(GOOD_ARGS, env)
    assert r.returncode != 0
    assert len(calls()) == 1, "set -e must stop at the first failing aws call"


def test_script_lives_in_repo():
    assert SCRIPT.resolve().is_relative_to(REPO)
    assert "out/" in (REPO / "deploy" / ".gitignore").read_text().split()


def test_the_cached_collector_image_uses_the_partitions_domain(fake_aws, tmp_path):
    # The template builds the image from ${AWS::URLSuffix}; the rendered task definition must name the same host.
    env, calls = fake_aws
    args = ["--region", "cn-north-1", "--image", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ecs-otel-sample:1.0.0",
            *GOOD_ARGS[4:], "--assign-public-ip", "DISABLED", "--collector-image-cache", "ecs-otel-sample",
            "--out-dir", str(tmp_path / "out")]
    r = run(args, env)
    assert r.returncode == 0, r.stderr
    rendered = json.loads((tmp_path / "out" / "task-definition.json").read_text())
    assert rendered["containerDefinitions"][0]["image"] == ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/"
                                                            "ecs-otel-sample/aws-observability/aws-otel-collector:v0.49.0")


def test_the_documented_hash_command_gives_the_hash_deploy_sh_passes(fake_aws, tmp_path):
    # docs/deploy.md: deploying the template without deploy.sh needs CollectorConfigSha256 computed by hand; the
    # command it gives must yield deploy.sh's value, or such a deployment never rolls.
    import re
    from conftest import REPO
    doc = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    command = re.search(r"`(printf '%s' \"\$\(deploy/deploy\.sh --print-collector-config\)\" \| sha256sum)`",
                        doc).group(1)
    env, _ = fake_aws
    params = deployed_parameters(fake_aws, tmp_path, (REPO / "otel-collector-config.yaml").read_text())
    cfg = sorted(tmp_path.glob("cfg-*.yaml"))[-1]
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True, cwd=REPO,
                         env={**env, "COLLECTOR_CONFIG_FILE": str(cfg)}).stdout
    assert out.split()[0] == params["CollectorConfigSha256"]
