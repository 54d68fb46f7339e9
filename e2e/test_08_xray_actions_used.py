"""Least privilege, measured: on the default trace path the collector calls exactly the X-Ray actions the task
role grants (deploy/iam/task-role-policy.json): PutTraceSegments and the two sampling calls awsproxy forwards.
Nothing else (no PutTelemetryRecords, no GetSamplingStatisticSummaries), and nothing granted goes unused."""

from conftest import APP_A
from harness import get, wait_until
from xray_actions import accepted, granted, used_between


def test_default_path_uses_exactly_the_granted_xray_actions(stack):
    expected = granted("task-role-policy.json")
    assert expected == {"xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
    before = accepted()

    # Requests until every granted action has been used at least once (bounded: 1 request/s for 45 s).
    def all_used():
        reply = get(f"{APP_A}/orders/8")
        assert reply.status == 200, reply.text()
        return used_between(before, accepted()) >= expected

    wait_until(all_used, 45, "the collector's X-Ray calls", interval=1.0)
    assert used_between(before, accepted()) == expected
