"""The stack's optional parts, resolved for the parameter values that turn them on: the load balancer (HTTP or
HTTPS), Application Auto Scaling, the OTLP traces path and Transaction Search. Each is absent by default."""
from __future__ import annotations

import json
import re

import pytest

from conftest import ACCOUNT, APP_SRC, REGION, container, env_of
from test_template_agreement import ALB_PARAMS, OTLP_PARAMS, resolver

OPTIONAL = {"ServiceIngressFromLoadBalancer", "LoadBalancerSecurityGroup", "LoadBalancerHttpsIngress", "Alb",
            "TargetGroup", "HttpListener", "HttpsListener", "ScalableTarget", "ScalingPolicy",
            "TransactionSearchLogsPolicy", "TransactionSearch", "CollectorImageCacheRule", "CollectorImageCacheRepository"}
HTTP_ALB = {"LoadBalancer": "internet-facing"}


@pytest.fixture(scope="module")
def template():
    from cfn import load_template
    from conftest import TEMPLATE
    return load_template(TEMPLATE)


def resources(template, params: dict) -> dict:
    """Logical id -> resolved Properties of every resource these parameters create."""
    r = resolver(template, params)
    return {name: r.resolve(body.get("Properties", {})) for name, body in template["Resources"].items()
            if r.active(name)}


def test_the_default_stack_has_no_optional_part(template):
    assert not OPTIONAL & set(resources(template, {}))


def test_tasks_accept_only_the_load_balancer(template):
    res = resources(template, ALB_PARAMS)
    assert "SecurityGroupIngress" not in res["ServiceSecurityGroup"], "no direct path from the internet to a task"
    ingress = [p for p in res.values() if p.get("GroupId") == "sg-tasks"]
    assert ingress == [res["ServiceIngressFromLoadBalancer"]]
    rule = ingress[0]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["SourceSecurityGroupId"]) == \
        ("tcp", 8080, 8080, "sg-alb")
    assert "CidrIp" not in rule


def test_load_balancer_listens_only_to_the_allowed_source(template):
    for params, ports in ((HTTP_ALB, [80]), (ALB_PARAMS, [80, 443])):
        res = resources(template, params)
        sg = res["LoadBalancerSecurityGroup"]
        rules = sg["SecurityGroupIngress"] + [p for p in res.values() if p.get("GroupId") == "sg-alb"]
        assert sorted(r["FromPort"] for r in rules) == ports
        assert {r["CidrIp"] for r in rules} == {"203.0.113.7/32"}
        # Out only to the tasks' app port.
        assert sg["SecurityGroupEgress"] == [{"Description": sg["SecurityGroupEgress"][0]["Description"],
                                              "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                                              "DestinationSecurityGroupId": "sg-tasks"}]


def test_http_forwards_without_a_certificate_and_redirects_with_one(template):
    http_only = resources(template, HTTP_ALB)
    assert "HttpsListener" not in http_only
    assert http_only["HttpListener"]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": "arn:tg"}]
    https = resources(template, ALB_PARAMS)
    assert https["HttpListener"]["DefaultActions"][0]["Type"] == "redirect"
    assert https["HttpListener"]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    listener = https["HttpsListener"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTPS", 443)
    assert listener["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
    assert listener["Certificates"] == [{"CertificateArn": ALB_PARAMS["CertificateArn"]}]


def test_target_group_checks_the_apps_untraced_health_route(template, task_def):
    tg = resources(template, HTTP_ALB)["TargetGroup"]
    app = container(task_def, "sample-app")
    assert (tg["TargetType"], tg["Protocol"], tg["Port"]) == ("ip", "HTTP", app["portMappings"][0]["containerPort"])
    assert tg["HealthCheckPath"] == "/health" and tg["Matcher"] == {"HttpCode": "200"}
    # The app registers /health with traced=false: load balancer probes make no spans, metrics or logs.
    routes = (APP_SRC / "SampleApp.java").read_text()
    assert re.search(r'new Router\.Route\("GET", "/health", [^;]*, false\)\)', routes), "health route is traced?"


def test_deregistration_delay_fits_the_apps_drain(template, task_def):
    attrs = {a["Key"]: a["Value"] for a in resources(template, HTTP_ALB)["TargetGroup"]["TargetGroupAttributes"]}
    delay = int(attrs["deregistration_delay.timeout_seconds"])
    app = container(task_def, "sample-app")
    grace = int(env_of(app)["SHUTDOWN_GRACE_SECONDS"])
    config = (APP_SRC / "config" / "AppConfig.java").read_text()
    outgoing_timeout_s = int(re.search(r'"OUTGOING_HTTP_TIMEOUT_MS", (\d[\d_]*)', config).group(1).replace("_", "")) / 1000
    # Longer than the slowest request (the outgoing call's timeout) and the app's own drain, so no in-flight
    # request is cut; far below the 300 s default that would slow every deployment.
    assert delay > outgoing_timeout_s and delay >= grace and delay <= 60, (delay, grace, outgoing_timeout_s)


def test_service_registers_the_app_container_behind_the_load_balancer(template, task_def):
    svc = resources(template, HTTP_ALB)["Service"]
    app = container(task_def, "sample-app")
    assert svc["LoadBalancers"] == [{"ContainerName": "sample-app", "ContainerPort": app["portMappings"][0]["containerPort"],
                                     "TargetGroupArn": "arn:tg"}]
    assert svc["HealthCheckGracePeriodSeconds"] >= app["healthCheck"]["startPeriod"]
    assert template["Resources"]["Service"]["DependsOn"] == "LoadBalancerReady"
    assert "LoadBalancers" not in resources(template, {})["Service"]


def test_scaling_tracks_cpu_or_requests_per_target(template):
    cpu = resources(template, {"ScalingMetric": "cpu", "MinTasks": 2, "MaxTasks": 6})
    target = cpu["ScalableTarget"]
    assert (target["MinCapacity"], target["MaxCapacity"], target["ScalableDimension"]) == (2, 6, "ecs:service:DesiredCount")
    assert target["ResourceId"] == "service/ecs-otel-sample/ecs-otel-sample"
    policy = cpu["ScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert policy["TargetValue"] == 60
    requests = resources(template, ALB_PARAMS)["ScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]
    assert requests["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": "app/ecs-otel-sample/50dc6c495c0c9188/targetgroup/ecs-otel-sample/73e2d6bc24d8a067"}
    assert requests["TargetValue"] == 3000


def test_request_scaling_and_https_need_the_load_balancer(template):
    rules = template["Rules"]
    assert rules["RequestScalingNeedsTheLoadBalancer"]["RuleCondition"] == {"Fn::Equals": [{"Ref": "ScalingMetric"}, "requests"]}
    assert rules["HttpsNeedsTheLoadBalancer"]["Assertions"][0]["Assert"] == \
        {"Fn::Equals": [{"Ref": "LoadBalancer"}, "internet-facing"]}


def test_otlp_path_sets_the_collector_exporter(template):
    for params, exporter in (({}, "awsxray"), (OTLP_PARAMS, "otlp_http/xray")):
        td = resources(template, params)["TaskDefinition"]
        collector = next(c for c in td["ContainerDefinitions"] if c["Name"] == "aws-otel-collector")
        assert {e["Name"]: e["Value"] for e in collector["Environment"]}["TRACES_EXPORTER"] == exporter


def test_transaction_search_lets_only_xray_write_the_span_log_groups(template):
    assert "TransactionSearch" not in resources(template, OTLP_PARAMS), "account-wide: only on request"
    res = resources(template, {**OTLP_PARAMS, "EnableTransactionSearch": "true", "TransactionSearchIndexingPercentage": 1})
    assert res["TransactionSearch"] == {"IndexingPercentage": 1}
    assert template["Resources"]["TransactionSearch"]["DependsOn"] == "TransactionSearchLogsPolicy"
    doc = json.loads(res["TransactionSearchLogsPolicy"]["PolicyDocument"])
    (st,) = doc["Statement"]
    assert st["Principal"] == {"Service": "xray.amazonaws.com"} and st["Action"] == "logs:PutLogEvents"
    assert st["Resource"] == [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws/spans:*",
                              f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/application-signals/data:*"]
    assert st["Condition"] == {"ArnLike": {"aws:SourceArn": f"arn:aws:xray:{REGION}:{ACCOUNT}:*"},
                               "StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_service_url_output_only_with_the_load_balancer(template):
    outputs = template["Outputs"]
    assert outputs["ServiceUrl"]["Condition"] == "HasLoadBalancer"
    r = resolver(template, ALB_PARAMS)
    assert r.resolve(outputs["ServiceUrl"]["Value"]) == "https://ecs-otel-sample-123.us-west-2.elb.amazonaws.com"
    r = resolver(template, HTTP_ALB)
    assert r.resolve(outputs["ServiceUrl"]["Value"]) == "http://ecs-otel-sample-123.us-west-2.elb.amazonaws.com"


PRIVATE_NO_NAT = {"AssignPublicIp": "DISABLED", "CollectorImageCachePrefix": "ecr-public"}
COLLECTOR_REPOSITORY = "ecr-public/aws-observability/aws-otel-collector"


def test_private_subnets_without_nat_pull_the_collector_from_ecr_public_through_a_cache_rule(template):
    # VPC interface endpoints serve the account's private ECR, never public.ecr.aws: the rule makes ECR Public's
    # image available at <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/..., and the task pulls it there.
    res = resources(template, PRIVATE_NO_NAT)
    assert res["CollectorImageCacheRule"] == {"EcrRepositoryPrefix": "ecr-public", "UpstreamRegistry": "ecr-public",
                                              "UpstreamRegistryUrl": "public.ecr.aws"}
    collector = res["TaskDefinition"]["ContainerDefinitions"][0]
    assert collector["Image"] == f"123456789012.dkr.ecr.us-west-2.amazonaws.com/{COLLECTOR_REPOSITORY}:v0.49.0"
    # The stack creates the repository (deleted with the stack, images and all), so the execution role may pull
    # (and import from upstream) exactly that repository and needs no ecr:CreateRepository.
    assert res["CollectorImageCacheRepository"] == {"RepositoryName": COLLECTOR_REPOSITORY, "EmptyOnDelete": True,
                                                    "ImageScanningConfiguration": {"ScanOnPush": True}}
    assert template["Resources"]["CollectorImageCacheRepository"].get("DeletionPolicy", "Delete") == "Delete"
    statements = res["ExecutionRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    cache = [s for s in statements if s["Sid"] == "EcrPullCollectorThroughCache"]
    assert cache == [{"Sid": "EcrPullCollectorThroughCache", "Effect": "Allow",
                      "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                 "ecr:BatchImportUpstreamImage"],
                      "Resource": f"arn:aws:ecr:us-west-2:123456789012:repository/{COLLECTOR_REPOSITORY}"}]
    # The service starts no task before the rule and the repository exist.
    ready = resolver(template, PRIVATE_NO_NAT).resolve(template["Resources"]["LoadBalancerReady"]["Metadata"])
    assert ready["CollectorImageCacheRule"] == "<CollectorImageCacheRule>"
    assert ready["CollectorImageCacheRepository"] == "<CollectorImageCacheRepository>"
    assert template["Resources"]["Service"]["DependsOn"] == "LoadBalancerReady"


def test_an_existing_cache_rule_is_used_not_created_nor_deleted_with_the_stack(template):
    # An account's ECR Public rule (often prefix ecr-public) is shared: creating it again fails "already exists",
    # and deleting the stack must not remove it. Then the first pull creates the repository (CreateRepository).
    res = resources(template, {**PRIVATE_NO_NAT, "CollectorImageCacheRuleExists": "true"})
    assert "CollectorImageCacheRule" not in res and "CollectorImageCacheRepository" not in res
    collector = res["TaskDefinition"]["ContainerDefinitions"][0]
    assert collector["Image"] == f"123456789012.dkr.ecr.us-west-2.amazonaws.com/{COLLECTOR_REPOSITORY}:v0.49.0"
    statements = res["ExecutionRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    cache = [s for s in statements if s["Sid"] == "EcrPullCollectorThroughCache"]
    assert cache[0]["Action"][-1] == "ecr:CreateRepository"
    assert cache[0]["Resource"] == f"arn:aws:ecr:us-west-2:123456789012:repository/{COLLECTOR_REPOSITORY}"


@pytest.mark.parametrize("prefix, accepted", [("", True), ("ab", True), ("a" * 30, True), ("ecs-otel-sample", True),
                                              ("a", False), ("a" * 31, False), ("ECR", False), ("-ab", False)])
def test_the_cache_prefix_parameter_accepts_what_ecr_accepts(template, prefix, accepted):
    # ECR CreatePullThroughCacheRule: ecrRepositoryPrefix is 2-30 characters (empty: no cache).
    param = template["Parameters"]["CollectorImageCachePrefix"]
    ok = len(prefix) <= param.get("MaxLength", 10**6) and re.fullmatch(param["AllowedPattern"], prefix) is not None
    assert ok == accepted


def test_the_default_stack_pulls_the_collector_from_ecr_public_with_no_cache_permission(template):
    res = resources(template, {})
    assert res["TaskDefinition"]["ContainerDefinitions"][0]["Image"] == \
        "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
    sids = [s["Sid"] for s in res["ExecutionRole"]["Policies"][0]["PolicyDocument"]["Statement"]]
    assert "EcrPullCollectorThroughCache" not in sids


def test_cache_permissions_are_iam_actions():
    from test_policies import iam_reference
    reference = iam_reference()
    for action in ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:BatchGetImage"):
        prefix, name = action.split(":")
        assert name in reference[prefix]["privileges"], action


def test_the_template_names_every_endpoint_a_private_subnet_without_nat_needs(template):
    # Fargate pulls layers from S3 (gateway endpoint), the secret from SSM, logs to CloudWatch Logs; the collector
    # talks to X-Ray and AMP; the app's own AWS calls need their services' endpoints too.
    described = " ".join(template["Parameters"]["SubnetIds"]["Description"].split())
    for endpoint in ("ecr.api", "ecr.dkr", "logs", "ssm", "xray", "aps-workspaces", "S3 gateway"):
        assert endpoint in described, endpoint
    # docs/deploy.md, where a user builds the VPC from, names the same services as endpoint service names.
    from conftest import REPO
    doc = " ".join((REPO / "docs" / "deploy.md").read_text(encoding="utf-8").split())
    named = set(re.findall(r"`(?:com\.amazonaws\.<region>)?\.([a-z0-9.-]+)`", doc))
    assert {"ecr.api", "ecr.dkr", "s3", "logs", "ssm", "xray", "aps-workspaces"} <= named, named
    assert "S3 gateway endpoint" in doc.replace("**", "") and "route tables" in doc
