"""The collector's own `validate` command accepts the shipped config (and would reject a broken one)."""

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import CONFIG, _artifact, _base_env

ENV = {
    "AMP_REMOTE_WRITE_URL": "http://127.0.0.1:4511/workspaces/ws-local/api/v1/remote_write",
    "XRAY_ENDPOINT": "http://127.0.0.1:4510",
    # awsecscontainermetrics refuses to be created (even by validate) without this variable.
    "ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:4513/v4/aws-otel-collector",
    # file_storage's directory must exist (on ECS the task volume; the running stack gets one from adot-launch.sh).
    "COLLECTOR_STORAGE_DIR": tempfile.gettempdir(),
}


def _validate(config: Path) -> subprocess.CompletedProcess:
    collector = _artifact("E2E_COLLECTOR_BIN", Path("/nonexistent/otelcol-ecs"))
    env = _base_env()
    env.update(ENV)
    return subprocess.run([str(collector), "validate", f"--config={config}"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_shipped_config_validates():
    result = _validate(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_catches_a_broken_config(tmp_path):
    # Proves the command above can fail: the same config with a typo in a component type.
    text = CONFIG.read_text()
    assert "\n  awsxray:" in text                  # the exporter's key (batch/awsxray is a processor)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("\n  awsxray:", "\n  awsxary:", 1))
    result = _validate(broken)
    assert result.returncode != 0
    assert "awsxary" in (result.stdout + result.stderr)
