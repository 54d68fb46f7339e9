"""Traffic as a user makes it: every endpoint of both instances answers as documented, and compose/traffic.sh (the
quick start's generator) gets every answer it expects."""

from evidence import EXPECTED_STATUS


def test_every_endpoint_answers_with_its_expected_status(endpoint_statuses):
    wrong = {url: f"{status} (want {EXPECTED_STATUS[url]})" for url, status in endpoint_statuses.items()
             if status != EXPECTED_STATUS[url]}
    assert not wrong


def test_traffic_sh_drives_every_endpoint_of_both_instances(traffic):
    """10 req/s for 8 s in the task's namespace; exit code 0 = every answer had its expected status."""
    assert traffic.returncode == 0, traffic.stdout[-2000:] + traffic.stderr[-2000:]
