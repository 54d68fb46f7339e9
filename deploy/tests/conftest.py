"""Shared paths, placeholder values and helpers for the deploy tests."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

REPO = HERE.parent.parent
DEPLOY = REPO / "deploy"
TASK_DEF = REPO / "task-definition.json"
TEMPLATE = DEPLOY / "cloudformation.yaml"
IAM = DEPLOY / "iam"
COLLECTOR_CONFIG = REPO / "otel-collector-config.yaml"
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
APP_SRC = REPO / "src" / "main" / "java" / "com" / "example" / "ecsotel"

# Values a deployment would supply, shared by every test that renders placeholders.
ACCOUNT = "123456789012"
REGION = "us-west-2"
STACK = "ecs-otel-sample"
WORKSPACE = "ws-local"
VALUES = {
    "AWS_ACCOUNT_ID": ACCOUNT,
    "AWS_REGION": REGION,
    "STACK_NAME": STACK,
    "AMP_WORKSPACE_ID": WORKSPACE,
    "APP_IMAGE": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ecs-otel-sample:1.0.0",
    "APP_ECR_REPOSITORY_ARN": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/ecs-otel-sample",
    "TASK_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{STACK}-TaskRole-TESTTEST",
    "EXECUTION_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{STACK}-ExecutionRole-TESTTEST",
    "TRACES_EXPORTER": "awsxray",   # deploy.sh --traces xray-segments (the default)
    "COLLECTOR_CONFIG_SHA256": "0" * 64,
    "COLLECTOR_IMAGE_CACHE_PREFIX": "ecs-otel-sample",   # deploy.sh --collector-image-cache (iam/*-collector-cache.json)   # deploy.sh: sha256 of the stored collector config
}
# The same deployment with --traces otlp.
OTLP_VALUES = {**VALUES, "TRACES_EXPORTER": "otlp_http/xray"}
WORKSPACE_ARN = f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/{WORKSPACE}"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def render(text: str, values: dict = VALUES) -> str:
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise AssertionError(f"placeholders without a value: {missing}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def load_rendered_json(path: Path) -> dict:
    return json.loads(render(path.read_text(encoding="utf-8")))


def require_file(path: Path, owner: str) -> Path:
    """Fails loudly (never skips) when a file another part of the project owns is missing."""
    if not path.is_file():
        pytest.fail(f"MISSING FILE {path.relative_to(REPO)} (owned by {owner}): this consistency check "
                    f"cannot run until it exists", pytrace=False)
    return path


def container(task_def: dict, name: str) -> dict:
    for c in task_def["containerDefinitions"]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no container named {name!r} in the task definition")


def env_of(c: dict) -> dict:
    return {e["name"]: e["value"] for e in c.get("environment", [])}


@pytest.fixture(scope="session")
def task_def() -> dict:
    return load_rendered_json(TASK_DEF)


@pytest.fixture(scope="session")
def raw_task_def() -> dict:
    return json.loads(TASK_DEF.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True, scope="session")
def _no_real_aws():
    # Belt and braces: nothing in this suite may reach AWS or instance metadata.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    yield
