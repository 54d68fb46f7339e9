"""The compose files as every supported compose accepts them, and what they say: no Docker daemon needed."""

import re
import shutil
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


def java_major(java: str) -> str:
    out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True, timeout=60)
    found = re.findall(r"^\s*java\.specification\.version = (\d+)", out.stderr, re.M)
    return found[0] if found else ""


def image_jdk_major() -> str:
    found = re.findall(r"^ARG MAVEN_IMAGE=\S*-temurin-(\d+)\b", (REPO / "Dockerfile").read_text(), re.M)
    assert len(found) == 1, "the Dockerfile's default MAVEN_IMAGE names no eclipse-temurin-NN JDK"
    return found[0]


def test_one_jdk_major_in_the_image_the_pom_the_compose_stand_in_the_suites_and_the_benchmark():
    """What is tested is what ships: the real MAVEN_IMAGE's JDK major (the image's jlinked JRE) is the bytecode level
    and toolchain of the pom, the JDK compose/base-images.sh copies into the stand-in, the one e2e/reliability pick
    (e2e/lib.sh find_java) and the one the benchmark runs (bench/run.sh via find_java; bench/settings.py's default)."""
    major = image_jdk_major()
    pom = (REPO / "pom.xml").read_text()
    release = re.findall(r"<maven\.compiler\.release>(\d+)</maven\.compiler\.release>", pom)
    toolchain = re.findall(r"<toolchain\.jdk\.version>(.*?)</toolchain\.jdk\.version>", pom)
    stand_in = subprocess.run([str(REPO / "compose" / "base-images.sh"), "--print-jdk"], capture_output=True,
                              text=True, timeout=60).stdout.strip()
    suites = subprocess.run(["bash", "-c", 'log() { echo "$*" >&2; }; . e2e/lib.sh; find_java; echo "$JAVA"'],
                            cwd=REPO, capture_output=True, text=True, timeout=120).stdout.strip()
    bench_default = re.findall(r'"BENCH_JAVA_HOME", "([^"]+)"', (REPO / "bench" / "settings.py").read_text())
    bench_run = (REPO / "bench" / "run.sh").read_text()
    found = {
        "pom maven.compiler.release": release[0] if release else "",
        "pom toolchain.jdk.version": toolchain[0] if toolchain else "",
        "compose/base-images.sh stand-in JDK": java_major(f"{stand_in}/bin/java") if stand_in else "",
        "e2e/lib.sh find_java": java_major(suites) if suites else "",
        "bench/settings.py default": java_major(f"{bench_default[0]}/bin/java") if bench_default else "",
    }
    want = {**{k: major for k in found}, "pom toolchain.jdk.version": f"[{major},{int(major) + 1})"}
    assert found == want, f"the image runs JDK {major}; differing: " + str(
        {k: v for k, v in found.items() if v != want[k]})
    assert "find_java; JAVA_HOME_BENCH=$JDK_HOME" in bench_run, "bench/run.sh must pick its JDK with find_java"


def test_dockerfile_and_docker_compose_yml_agree_on_the_go_image_of_the_health_probe():
    dockerfile = (REPO / "Dockerfile").read_text()
    found = re.findall(r"^ARG GO_IMAGE=(.*)$", dockerfile, re.M)
    assert len(found) == 1 and found[0].startswith("golang:"), found
    assert f"GO_IMAGE: ${{GO_IMAGE:-{found[0]}}}" in (REPO / "docker-compose.yml").read_text()


def test_health_probe_passes_on_200_only_and_within_its_timeout():
    """healthcheck/'s Go tests (200 passes; 503/500/404/204, refused, non-HTTP, slow answers and a bad PORT fail)."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    run = subprocess.run([go, "test", "-count=1", "./..."], cwd=REPO / "healthcheck", capture_output=True, text=True,
                         timeout=300, env={**BUILD_ENV, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
