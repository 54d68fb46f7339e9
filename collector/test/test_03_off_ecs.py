"""Off ECS, or with a task metadata endpoint that does not answer, the collector stops at once with a clear
message instead of hanging or running without task identity (resource_detection's ecs detector needs it)."""

import subprocess

import pytest

from conftest import Proc, adot_launch

# case: (ECS_CONTAINER_METADATA_URI_V4, what the collector must say)
CASES = {
    # Unset: the awsecscontainermetrics receiver cannot be created.
    "metadata_uri_unset": (None, "unable to detect task metadata endpoint"),
    # Set, but nothing answers: the ecs detector retries until resource_detection's 5 s timeout.
    "metadata_uri_unreachable": ("http://127.0.0.1:45599/v4/nobody",
                                 'failed to start "resource_detection" processor: unable to fetch task metadata'),
}


def run_until_exit(proc: Proc, timeout: float = 60) -> tuple[int, str]:
    """Starts `proc`, waits until it exits by itself: (exit code, log). 124 (as timeout(1) says) when it hung."""
    proc.start()
    try:
        rc = proc.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        rc = 124
    finally:
        proc.stop()
    return rc, proc.log.read_text(errors="replace")


@pytest.fixture(scope="module", params=list(CASES))
def off_ecs(request, collector_bin, logdir) -> tuple[int, str, str]:
    """(exit code, log, what it must say) of the collector started like ADOT in that case."""
    uri, reason = CASES[request.param]
    rc, log = run_until_exit(adot_launch(collector_bin, logdir, request.param, ECS_CONTAINER_METADATA_URI_V4=uri))
    return rc, log, reason


def test_collector_exits_non_zero_not_hanging(off_ecs):
    rc, log, _ = off_ecs
    assert rc not in (0, 124), f"rc={rc}\n{log[-3000:]}"


def test_collector_says_why(off_ecs):
    rc, log, reason = off_ecs
    assert reason in log, log[-3000:]
