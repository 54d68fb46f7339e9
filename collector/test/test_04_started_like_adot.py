"""The collector on "ECS" (the fake task metadata), started as ADOT starts on ECS (collector/adot-launch.sh): it
is healthy, listens on loopback only, and runs as the task definition says: uid 10001, no capabilities, read-only
root, the container's memory limit, GOGC/GOMEMLIMIT, its config from AOT_CONFIG_CONTENT only."""

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import COLLECTOR_PORTS, CONFIG, HEALTH, REPO, get
from harness import listening_sockets


def proc_file(collector, name: str) -> str:
    return Path(f"/proc/{collector.popen.pid}/{name}").read_text()


def task_definition_collector() -> dict:
    """The aws-otel-collector container of task-definition.json."""
    task = json.loads((REPO / "task-definition.json").read_text())
    return next(c for c in task["containerDefinitions"] if c["name"] == "aws-otel-collector")


def test_recording_fakes_start(fakes):
    assert fakes.proc.alive() and "ready" in fakes.proc.log.read_text()


def test_health_check_on_127_0_0_1_13133_answers_200(collector):
    assert get(HEALTH, timeout=2).status == 200


def test_collector_listens_on_loopback_only(collector):
    socks = listening_sockets(collector.popen.pid)
    assert socks and all(addr in ("127.0.0.1", "[::1]") for addr, _ in socks), socks


@pytest.mark.parametrize("port", COLLECTOR_PORTS)
def test_collector_listens_on_127_0_0_1(collector, port):
    socks = listening_sockets(collector.popen.pid)
    assert ("127.0.0.1", port) in socks, socks


def test_collector_runs_as_uid_and_gid_10001_the_task_definition_user(collector):
    status = proc_file(collector, "status")
    assert re.search(r"(?m)^Uid:\s+10001\s", status) and re.search(r"(?m)^Gid:\s+10001\s", status), status


def test_collector_has_no_capabilities_effective_permitted_or_bounding(collector):
    status = proc_file(collector, "status")
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert re.search(rf"(?m)^{field}:\s+0+$", status), status


def test_collector_root_file_system_is_read_only(collector):
    root_options = [line.split()[5] for line in proc_file(collector, "mountinfo").splitlines() if line.split()[4] == "/"]
    assert any(re.match(r"^ro(,|$)", o) for o in root_options), root_options


def test_collector_has_the_task_memory_limit_and_memory_limiter_sizes_itself_from_it(collector):
    # The task definition's memory for the container; memory_limiter takes its limit_percentage of it.
    mib = task_definition_collector()["memory"]
    percent = yaml.safe_load(CONFIG.read_text())["processors"]["memory_limiter"]["limit_percentage"]
    log = collector.log.read_text()
    assert f'"total_memory_mib": {mib},' in log and f'"limit_mib": {mib * percent // 100},' in log, \
        (mib, percent, [line for line in log.splitlines() if "memory" in line.lower()])


def test_collector_has_the_task_definition_GOGC_and_GOMEMLIMIT(collector):
    wanted = {f"{e['name']}={e['value']}" for e in task_definition_collector()["environment"]
              if e["name"] in ("GOGC", "GOMEMLIMIT")}
    environ = proc_file(collector, "environ").split("\0")
    assert len(wanted) == 2 and wanted <= set(environ), (wanted, [e for e in environ if e.startswith("GO")])


def test_collector_gets_its_config_through_AOT_CONFIG_CONTENT_only(collector):
    args = proc_file(collector, "cmdline").split("\0")
    assert [a for a in args if "--config" in a] == ["--config=env:AOT_CONFIG_CONTENT"], args


# Warnings the collector may log at start, each with why it is acceptable. Anything else at WARN or above
# fails the test below: a setting the collector ignores or deprecates must be fixed, or listed here with
# a reason (the list is for what the config cannot avoid).
START_WARNINGS_ALLOWED: dict[str, str] = {}

SEVERE = re.compile(r"\t(warn|error|dpanic|panic|fatal)\t|\"level\":\"(warn|error|dpanic|panic|fatal)\"", re.I)
READY = "Everything is ready. Begin running and processing data."


def test_collector_start_log_has_no_warning_or_error_that_is_not_listed_with_a_reason(collector):
    log = collector.log.read_text()
    assert READY in log, log[-3000:]
    start = log[:log.index(READY)].splitlines()
    severe = [line for line in start if SEVERE.search(line)]
    unexplained = [line for line in severe if not any(re.search(p, line) for p in START_WARNINGS_ALLOWED)]
    assert unexplained == [], "\n".join(unexplained)
