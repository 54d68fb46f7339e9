"""`otelcol-ecs validate` on the shipped config: accepted as the task runs it, rejected without the required
AMP_REMOTE_WRITE_URL, accepted without the optional XRAY_ENDPOINT; and the config the collector resolves
(`print-config`) with the environment of the real-AWS compose override and of the ECS task: every X-Ray endpoint
absolute and regional, never the "/v1/traces" an empty XRAY_ENDPOINT gives."""

import re
import subprocess
import tempfile

import pytest
import yaml

from conftest import CONFIG, REPO, collector_env


def validate(collector_bin, **env_changes) -> tuple[int, str]:
    """(exit code, output) of `validate` with collector_env(**env_changes). file_storage's directory (on ECS the
    task volume, from adot-launch.sh in the other tests) must exist: an existing one unless the test says otherwise."""
    env_changes.setdefault("COLLECTOR_STORAGE_DIR", tempfile.gettempdir())
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


def test_validate_rejects_the_config_when_the_queue_volume_is_not_mounted(collector_bin):
    """A task definition without the collector-storage mount must fail at start, not run without its queue."""
    rc, out = validate(collector_bin, COLLECTOR_STORAGE_DIR="/nonexistent/aws-otel-collector")
    assert rc != 0 and re.search(r"file_storage.*directory must exist", out), f"rc={rc}\n{out}"


def test_validate_rejects_the_config_without_AMP_REMOTE_WRITE_URL_as_an_invalid_endpoint(collector_bin):
    rc, out = validate(collector_bin, AMP_REMOTE_WRITE_URL=None)
    assert rc != 0 and re.search(r"prometheus_remote_write.*invalid endpoint", out), f"rc={rc}\n{out}"


@pytest.mark.parametrize("xray_endpoint", [None, ""], ids=["unset", "empty"])
def test_validate_accepts_the_config_without_XRAY_ENDPOINT(collector_bin, xray_endpoint):
    rc, out = validate(collector_bin, XRAY_ENDPOINT=xray_endpoint)
    assert rc == 0, out


# --- the resolved config -----------------------------------------------------------------------------------------

COMPOSE_SHELL = {"AWS_REGION": "eu-west-1", "HOME": "/home/user",
                 "AMP_REMOTE_WRITE_URL": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-x/api/v1/remote_write"}


def compose_interpolate(value: str, shell: dict[str, str]) -> str:
    """Compose's variable interpolation of the forms the compose files use: ${VAR}, ${VAR:-default},
    ${VAR-default}, ${VAR:?error} (an error here) and $$ (a literal $)."""
    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        val = shell.get(name)
        if op == ":-":
            return val if val else arg
        if op == "-":
            return val if val is not None else arg
        if op == ":?":
            assert val, f"compose would stop: {arg}"
        return val or ""
    pattern = r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?)([^}]*))?\}"
    return re.sub(pattern, one, value.replace("$$", "\0")).replace("\0", "$")


def compose_collector_env(*files: str, shell: dict[str, str]) -> dict[str, str]:
    """The aws-otel-collector service's environment after compose merges `files` (later files override keys)."""
    env: dict[str, str] = {}
    for name in files:
        service = yaml.safe_load((REPO / name).read_text())["services"]["aws-otel-collector"]
        env.update({k: compose_interpolate(str(v), shell) for k, v in (service.get("environment") or {}).items()})
    return env


def resolved(collector_bin, env: dict[str, str]) -> dict:
    """The config the collector resolves from the shipped file with `env` (print-config, unredacted; it validates,
    so file_storage's directory must exist: an existing one stands in for the task volume)."""
    env = {"COLLECTOR_STORAGE_DIR": tempfile.gettempdir(), **env}
    result = subprocess.run([str(collector_bin), "print-config",
                             "--mode=unredacted", f"--config={CONFIG}"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(result.stdout)


def xray_endpoints(config: dict) -> dict[str, str]:
    return {"awsxray": config["exporters"]["awsxray"].get("endpoint") or "",
            "awsproxy": config["extensions"]["awsproxy"].get("aws_endpoint") or "",
            "otlp_http/xray": config["exporters"]["otlp_http/xray"]["traces_endpoint"]}


def test_real_aws_compose_override_resolves_every_xray_endpoint_to_the_regional_one(collector_bin):
    env = compose_collector_env("docker-compose.yml", "docker-compose.aws.yml", shell=COMPOSE_SHELL)
    # Credentials come from the user's ~/.aws there; here the test's example keys (print-config validates them).
    env = {k: v for k, v in env.items() if not k.startswith("AWS_") or k == "AWS_REGION"}
    endpoints = xray_endpoints(resolved(collector_bin, collector_env(**env)))
    regional = "https://xray.eu-west-1.amazonaws.com"
    assert endpoints == {"awsxray": regional, "awsproxy": regional, "otlp_http/xray": regional + "/v1/traces"}, \
        (env.get("XRAY_ENDPOINT"), endpoints)


def test_ecs_task_without_XRAY_ENDPOINT_resolves_otlp_http_to_the_regional_xray_endpoint(collector_bin):
    endpoints = xray_endpoints(resolved(collector_bin, collector_env(XRAY_ENDPOINT=None)))
    assert endpoints == {"awsxray": "", "awsproxy": "", "otlp_http/xray": "https://xray.us-west-2.amazonaws.com/v1/traces"}


def test_empty_XRAY_ENDPOINT_is_not_unset_otlp_http_would_post_to_a_relative_path(collector_bin):
    # Why no file may set XRAY_ENDPOINT to "": the env provider applies ":-default" only to an unset variable.
    endpoints = xray_endpoints(resolved(collector_bin, collector_env(XRAY_ENDPOINT="")))
    assert endpoints["otlp_http/xray"] == "/v1/traces", endpoints


def test_resource_detection_runs_once_as_the_config_and_docs_say():
    # "runs ONCE, at the collector's start" (config comment, docs/collector.md) holds because refresh_interval is
    # unset: resourcedetectionprocessor's default 0 means no periodic re-detection (contrib v0.156.0 config.go).
    detection = yaml.safe_load(CONFIG.read_text())["processors"]["resource_detection"]
    assert detection.get("refresh_interval", "0s") in ("0", "0s", 0), detection
