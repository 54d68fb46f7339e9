"""The CloudFormation template renders to exactly task-definition.json and deploy/iam/*.json.

The template is resolved offline with the same values the JSON placeholders get (account, region,
stack name, workspace id, image, role ARNs), its PascalCase properties are converted to the API's
camelCase, and the result must equal the rendered JSON documents key for key.
"""
from __future__ import annotations

import copy
import json

import pytest

from cfn import Resolver, load_template, to_api_json
from conftest import (ACCOUNT, DEPLOY, IAM, OTLP_VALUES, REGION, STACK, TEMPLATE, VALUES, WORKSPACE,
                      WORKSPACE_ARN, load_rendered_json, render)
from shape_validator import input_shape, validate


TASK_DEF_TEXT = (DEPLOY.parent / "task-definition.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def template():
    return load_template(TEMPLATE)


# Stack parameters of the optional paths (deploy.sh --traces otlp; --load-balancer/--certificate-arn/--scaling).
OTLP_PARAMS = {"TracesPath": "otlp"}
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f0f0f0f-1111-2222-3333-444444444444"
CACHE_PARAMS = {"AssignPublicIp": "DISABLED", "CollectorImageCachePrefix": VALUES["COLLECTOR_IMAGE_CACHE_PREFIX"]}
ALB_PARAMS = {"LoadBalancer": "internet-facing", "CertificateArn": CERTIFICATE, "ScalingMetric": "requests"}


def resolver(template, params: dict | None = None) -> Resolver:
    pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::StackName": STACK,
              "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
    base = Resolver(template, params={}, pseudo=pseudo, refs={}, attrs={})
    res = template["Resources"]

    def prop(logical, name):
        return base.resolve(res[logical]["Properties"][name])

    refs = {
        "AppLogGroup": prop("AppLogGroup", "LogGroupName"),
        "CollectorLogGroup": prop("CollectorLogGroup", "LogGroupName"),
        "CollectorConfigParameter": prop("CollectorConfigParameter", "Name"),
        "Cluster": prop("Cluster", "ClusterName"),
        "AmpWorkspace": WORKSPACE_ARN,
    }
    attrs = {
        "AmpWorkspace.WorkspaceId": WORKSPACE,
        "AmpWorkspace.Arn": WORKSPACE_ARN,
        "TaskRole.Arn": VALUES["TASK_ROLE_ARN"],
        "ExecutionRole.Arn": VALUES["EXECUTION_ROLE_ARN"],
        "AppLogGroup.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{refs['AppLogGroup']}:*",
        "CollectorLogGroup.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{refs['CollectorLogGroup']}:*",
        "Alb.DNSName": "ecs-otel-sample-123.us-west-2.elb.amazonaws.com",
        "Alb.LoadBalancerFullName": "app/ecs-otel-sample/50dc6c495c0c9188",
        "TargetGroup.TargetGroupFullName": "targetgroup/ecs-otel-sample/73e2d6bc24d8a067",
        "Service.Name": STACK,
    }
    refs.update({"ServiceSecurityGroup": "sg-tasks", "LoadBalancerSecurityGroup": "sg-alb", "TargetGroup": "arn:tg",
                 "Alb": "arn:alb", "HttpListener": "arn:listener", "ScalableTarget": "service/target"})
    refs.update({name: f"<{name}>" for name in res if name not in refs})   # any other resource: a marker
    params = {"AppImage": VALUES["APP_IMAGE"], "AppImageRepositoryArn": VALUES["APP_ECR_REPOSITORY_ARN"],
              "VpcId": "vpc-0abc123", "SubnetIds": ["subnet-0aa", "subnet-0bb"], "AllowedIngressCidr": "203.0.113.7/32",
              "CollectorConfig": "receivers: {}", "CollectorConfigSha256": VALUES["COLLECTOR_CONFIG_SHA256"],
              **(params or {})}
    return Resolver(template, params=params, pseudo=pseudo, refs=refs, attrs=attrs)


def template_task_def(template, params: dict | None = None) -> dict:
    props = template["Resources"]["TaskDefinition"]["Properties"]
    return to_api_json(resolver(template, params).resolve(props))


@pytest.mark.parametrize("params, values", [({}, VALUES), (OTLP_PARAMS, OTLP_VALUES)], ids=["default", "otlp"])
def test_template_task_definition_equals_task_definition_json(template, params, values):
    assert template_task_def(template, params) == json.loads(render(TASK_DEF_TEXT, values))


def test_template_task_definition_is_a_valid_api_request(template):
    # Catches a CloudFormation property that has no API counterpart after the case conversion.
    assert validate(template_task_def(template), input_shape("ecs", "RegisterTaskDefinition")) == []


def test_agreement_check_detects_drift(template, task_def):
    drifted = copy.deepcopy(template)
    app = drifted["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][1]
    app["StopTimeout"] = 30
    assert template_task_def(drifted) != task_def
    # The traces path is a drift too: the OTLP task definition is not the default one.
    assert template_task_def(template, OTLP_PARAMS) != task_def


@pytest.mark.parametrize("role, params, document", [
    ("TaskRole", {}, "task-role-policy.json"),
    ("TaskRole", OTLP_PARAMS, "task-role-policy-otlp.json"),
    ("ExecutionRole", {}, "execution-role-policy.json"),
    ("ExecutionRole", OTLP_PARAMS, "execution-role-policy.json"),
    ("ExecutionRole", ALB_PARAMS, "execution-role-policy.json"),
    ("ExecutionRole", CACHE_PARAMS, "execution-role-policy-collector-cache.json"),
], ids=["task-default", "task-otlp", "execution-default", "execution-otlp", "execution-alb", "execution-cache"])
def test_role_policy_equals_json_document(template, role, params, document):
    policies = template["Resources"][role]["Properties"]["Policies"]
    assert len(policies) == 1, f"{role} must carry exactly one inline policy"
    assert not template["Resources"][role]["Properties"].get("ManagedPolicyArns"), f"{role}: no managed policies"
    assert resolver(template, params).resolve(policies[0]["PolicyDocument"]) == load_rendered_json(IAM / document)


@pytest.mark.parametrize("role, document", [
    ("TaskRole", "task-role-trust-policy.json"),
    ("ExecutionRole", "execution-role-trust-policy.json"),
])
def test_trust_policy_equals_json_document(template, role, document):
    doc = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]
    assert resolver(template).resolve(doc) == load_rendered_json(IAM / document)


def test_parameters_and_outputs_are_documented(template):
    for kind in ("Parameters", "Outputs"):
        for name, spec in template[kind].items():
            assert spec.get("Description", "").strip(), f"{kind}.{name} has no Description"


def test_stack_contains_everything(template):
    res = resolver(template)
    types = sorted(r["Type"] for name, r in template["Resources"].items() if res.active(name))
    assert types == sorted([
        "AWS::APS::Workspace", "AWS::Logs::LogGroup", "AWS::Logs::LogGroup", "AWS::SSM::Parameter", "AWS::XRay::SamplingRule",
        "AWS::IAM::Role", "AWS::IAM::Role", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition",
        "AWS::EC2::SecurityGroup", "AWS::ECS::Service", "AWS::CloudFormation::WaitConditionHandle",
        "AWS::APS::RuleGroupsNamespace", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy"])
    for lg in ("AppLogGroup", "CollectorLogGroup"):
        assert "RetentionInDays" in template["Resources"][lg]["Properties"]


def test_security_group_exposes_only_the_app_port(template, task_def):
    sg = resolver(template).resolve(template["Resources"]["ServiceSecurityGroup"]["Properties"])
    ingress = sg["SecurityGroupIngress"]
    app_ports = [p["containerPort"] for c in task_def["containerDefinitions"] for p in c.get("portMappings", [])]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in ingress] == [("tcp", p, p) for p in app_ports]
    assert ingress[0]["CidrIp"] == "203.0.113.7/32"
    assert "Default" not in template["Parameters"]["AllowedIngressCidr"], "the user must choose the source"
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in sg["SecurityGroupEgress"]] == [("tcp", 443, 443)]


def test_ssm_parameter_tier_and_limits(template):
    p = template["Resources"]["CollectorConfigParameter"]["Properties"]
    assert p["Tier"] == "Advanced" and p["Type"] == "String"   # 8 KB
    assert template["Parameters"]["CollectorConfig"]["MaxLength"] == 4096           # one CFN parameter
    assert template["Parameters"]["CollectorConfigContinued"]["MaxLength"] == 4096
    assert template["Parameters"]["CollectorConfigContinued"]["Default"] == ""
    # Joined with the newline deploy.sh cut, or CollectorConfig alone when nothing was cut.
    assert p["Value"] == {"Fn::If": ["HasCollectorConfigContinued",
                                     {"Fn::Join": ["\n", [{"Ref": "CollectorConfig"}, {"Ref": "CollectorConfigContinued"}]]},
                                     {"Ref": "CollectorConfig"}]}
    assert template["Conditions"]["HasCollectorConfigContinued"] == \
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "CollectorConfigContinued"}, ""]}]}


def test_sampling_rules_are_the_rules_file_the_standin_serves(template):
    rules = json.loads((DEPLOY / "xray-sampling-rules.json").read_text())["SamplingRules"]
    deployed = {r["Properties"]["SamplingRule"]["RuleName"]: r["Properties"]["SamplingRule"]
                for r in template["Resources"].values() if r["Type"] == "AWS::XRay::SamplingRule"}
    # Every rule but X-Ray's built-in Default, field for field (an empty Attributes map is simply omitted).
    expected = {r["RuleName"]: {k: v for k, v in r.items() if not (k == "Attributes" and not v)}
                for r in rules if r["RuleName"] != "Default"}
    assert deployed == expected
    default = next(r for r in rules if r["RuleName"] == "Default")
    assert (default["ReservoirSize"], default["FixedRate"], default["Priority"]) == (1, 0.05, 10000)
    # Scoped to this service: the rules never change how another service in the account is sampled.
    assert {r["ServiceName"] for r in deployed.values()} == {"sample-app"}
