"""The compose files as every supported compose accepts them, and what they say: no Docker daemon needed."""

import re
import subprocess

import pytest

from dockertask import BUILD_ENV, REPO, compose_env

AWS = {"AWS_REGION": "eu-west-1",
       "AMP_REMOTE_WRITE_URL": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-x/api/v1/remote_write"}


def config(words: list[str], files: list[str], env: dict[str, str], quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([*words, *files, "config", *(["-q"] if quiet else [])], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("compose", ["docker compose", "docker-compose"])
def test_compose_accepts_docker_compose_yml_alone_with_the_aws_override_and_the_test_overlay(
        compose, collector_launch):
    words = compose.split()
    if subprocess.run([*words, "version"], env=BUILD_ENV, capture_output=True).returncode != 0:
        pytest.skip(f"{compose} not installed: not checked")
    runs = {
        "docker-compose.yml": config(words, ["-f", "docker-compose.yml"], compose_env()),
        "+ compose/docker-compose.test.yml": config(
            words, ["-f", "docker-compose.yml", "-f", "compose/docker-compose.test.yml"],
            compose_env(**collector_launch)),
        "+ docker-compose.aws.yml": config(words, ["-f", "docker-compose.yml", "-f", "docker-compose.aws.yml"],
                                           compose_env(**AWS)),
    }
    rejected = {name: run.stderr[-1500:] for name, run in runs.items() if run.returncode != 0}
    assert not rejected, f"{compose} rejects: {rejected}"


def test_aws_override_points_collector_and_apps_at_real_aws_with_no_example_keys_left(compose_words):
    # No AWS credentials in the environment (compose_env is clean): what a user gets from the files alone.
    run = config(compose_words, ["-f", "docker-compose.yml", "-f", "docker-compose.aws.yml"], compose_env(**AWS),
                 quiet=False)
    lines = run.stdout.splitlines() if run.returncode == 0 else []
    amp = [ln for ln in lines if "aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-x" in ln]
    s3 = [ln for ln in lines if "AWS_ENDPOINT_URL_S3: https://s3.eu-west-1.amazonaws.com" in ln]
    xray_default = [ln for ln in lines if "XRAY_ENDPOINT: https://xray.eu-west-1.amazonaws.com" in ln]
    local = [ln for ln in lines if re.search(r"^ {6,}AWS_ACCESS_KEY_ID: AKIDEXAMPLE|http://127\.0\.0\.1:451[012]", ln)]
    assert (len(amp), len(s3), len(xray_default), local) == (1, 2, 1, []), (
        f"want the AMP URL once, the S3 endpoint for both apps, the regional XRAY_ENDPOINT for the collector and no "
        f"example key or stand-in URL; got {amp}, {s3}, {xray_default}, {local}\n{run.stderr[-1000:]}")


def test_dockerfile_and_docker_compose_yml_agree_on_the_default_base_images():
    dockerfile = (REPO / "Dockerfile").read_text()
    compose = (REPO / "docker-compose.yml").read_text()
    standins = (REPO / "compose" / "standins.Dockerfile").read_text()

    def arg(text: str, name: str) -> str:
        found = re.findall(rf"^ARG {name}=(.*)$", text, re.M)
        return found[0] if len(found) == 1 else ""

    maven, runtime = arg(dockerfile, "MAVEN_IMAGE"), arg(dockerfile, "RUNTIME_BASE")
    assert maven and runtime, "the Dockerfile has no default MAVEN_IMAGE / RUNTIME_BASE"
    lines = compose.splitlines()
    assert len([ln for ln in lines if f"${{MAVEN_IMAGE:-{maven}}}" in ln]) >= 2, "app and stand-ins builds"
    assert len([ln for ln in lines if f"${{RUNTIME_BASE:-{runtime}}}" in ln]) >= 3, "task, app and stand-ins builds"
    assert arg(standins, "MAVEN_IMAGE") == maven, "compose/standins.Dockerfile's MAVEN_IMAGE"
