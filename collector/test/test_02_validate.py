"""`otelcol-ecs validate` on the shipped config: accepted as the task runs it, rejected without the required
AMP_REMOTE_WRITE_URL, accepted without the optional XRAY_ENDPOINT (unset or empty = the real AWS endpoints)."""

import re
import subprocess

import pytest

from conftest import CONFIG, collector_env


def validate(collector_bin, **env_changes) -> tuple[int, str]:
    """(exit code, output) of `validate` with collector_env(**env_changes)."""
    result = subprocess.run([str(collector_bin), "validate", f"--config={CONFIG}"], env=collector_env(**env_changes),
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def shipped(collector_bin) -> tuple[int, str]:
    return validate(collector_bin)


def test_validate_accepts_the_shipped_config(shipped):
    rc, out = shipped
    assert rc == 0, out


def test_validate_prints_no_deprecation_warning(shipped):
    rc, out = shipped
    assert "deprecat" not in out.lower(), out


def test_validate_rejects_the_config_without_AMP_REMOTE_WRITE_URL_as_an_invalid_endpoint(collector_bin):
    rc, out = validate(collector_bin, AMP_REMOTE_WRITE_URL=None)
    assert rc != 0 and re.search(r"prometheus_remote_write.*invalid endpoint", out), f"rc={rc}\n{out}"


@pytest.mark.parametrize("xray_endpoint", [None, ""], ids=["unset", "empty"])
def test_validate_accepts_the_config_without_XRAY_ENDPOINT(collector_bin, xray_endpoint):
    rc, out = validate(collector_bin, XRAY_ENDPOINT=xray_endpoint)
    assert rc == 0, out
