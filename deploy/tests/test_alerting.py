"""Alerting in the stack: AMP's ruler gets exactly monitoring/alert-rules.yml (which monitoring/test.sh unit-tests),
AMP's alert manager routes every alert to the stack's SNS topic, and only this workspace may publish there."""
from __future__ import annotations

import yaml

from conftest import ACCOUNT, REGION, REPO, TEMPLATE, WORKSPACE_ARN
from test_template_agreement import resolver

RULES = REPO / "monitoring" / "alert-rules.yml"
TOPIC = "<AlertTopic>"   # the resolver's marker for Ref AlertTopic


def load():
    from cfn import load_template
    return load_template(TEMPLATE)


def test_ruler_gets_exactly_the_unit_tested_rules():
    data = load()["Resources"]["AlertRules"]["Properties"]
    assert data["Workspace"] == {"Fn::GetAtt": ["AmpWorkspace", "Arn"]}
    assert yaml.safe_load(data["Data"]) == yaml.safe_load(RULES.read_text()), \
        "run monitoring/sync-cloudformation.py: AlertRules.Data differs from monitoring/alert-rules.yml"


def test_alert_manager_routes_every_alert_to_the_stack_topic():
    template = load()
    definition = resolver(template).resolve(template["Resources"]["AmpWorkspace"]["Properties"]["AlertManagerDefinition"])
    config = yaml.safe_load(yaml.safe_load(definition)["alertmanager_config"])
    assert config["route"]["receiver"] == "sns" and "routes" not in config["route"]
    (receiver,) = config["receivers"]
    assert receiver["sns_configs"] == [{"topic_arn": TOPIC, "sigv4": {"region": REGION}}]


def test_only_this_workspace_may_publish_to_the_topic():
    template = load()
    policy = resolver(template).resolve(template["Resources"]["AlertTopicPolicy"]["Properties"])
    assert policy["Topics"] == [TOPIC]
    (st,) = policy["PolicyDocument"]["Statement"]
    assert st["Principal"] == {"Service": "aps.amazonaws.com"}
    assert sorted(st["Action"]) == ["sns:GetTopicAttributes", "sns:Publish"] and st["Resource"] == TOPIC
    assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": WORKSPACE_ARN},
                               "StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_alert_email_subscription_only_when_asked():
    template = load()
    assert not resolver(template).active("AlertEmailSubscription")
    r = resolver(template, {"AlertEmail": "oncall@example.com"})
    assert r.active("AlertEmailSubscription")
    sub = r.resolve(template["Resources"]["AlertEmailSubscription"]["Properties"])
    assert sub == {"TopicArn": TOPIC, "Protocol": "email", "Endpoint": "oncall@example.com"}


def test_template_fits_cloudformation_deploy_without_an_s3_bucket():
    # `aws cloudformation deploy` uploads templates over 51,200 bytes only through --s3-bucket.
    assert len(TEMPLATE.read_bytes()) <= 51_200
