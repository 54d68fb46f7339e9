"""The images: the collector image keeps ADOT's contract; the app image is non-root, health-checked by a static probe,
holds a jlinked runtime, the jar and its AOT cache (used at start) and nothing to build or change code with, and is
smaller than the stock JRE image alone."""

import json
import os
import re
import subprocess
import tarfile
import zlib
from pathlib import Path

import pytest

from conftest import note
from dockertask import BUILD_ENV, REPO, docker
from harness import run_step, tail

# eclipse-temurin:25-jre-noble, linux/amd64: 104,278,760 bytes compressed (docker-library/repo-info,
# repos/eclipse-temurin/remote/25-jre-noble.md, jdk-25.0.4+7, Sep 2026). Compressed sizes are what Docker Hub and
# registries publish; `docker images` shows uncompressed sizes.
STOCK_JRE_COMPRESSED = 104_278_760


def test_collector_image_keeps_adots_contract(base_images, logdir):
    """collector/test/image.sh: ADOT's entrypoint, AOT_CONFIG_CONTENT over --config, /healthcheck."""
    log = logdir / "builds" / "collector-image-test.log"
    rc = run_step([str(REPO / "collector" / "test" / "image.sh")], "collector/test/image.sh", log,
                  env={**BUILD_ENV, "COLLECTOR_IMAGE_BASE": base_images["RUNTIME_BASE"]})
    assert rc == 0, tail(log, 20)


def test_app_image_runs_as_uid_and_gid_10001(app_image):
    assert docker("image", "inspect", "-f", "{{.Config.User}}", app_image).strip() == "10001:10001"


def test_app_image_health_check_is_the_static_probe_not_a_jvm(app_image):
    test = json.loads(docker("image", "inspect", "-f", "{{json .Config.Healthcheck.Test}}", app_image))
    assert test == ["CMD", "/app/healthcheck"], test


def test_app_image_health_probe_fails_when_nothing_answers_on_port(app_image):
    """The probe in the image itself (no app started, no network): a refused /health is exit 1 with the reason."""
    run = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "/app/healthcheck", app_image],
                         env=BUILD_ENV, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "127.0.0.1:8080" in run.stderr, (run.returncode, run.stderr)


def task_app_entry_point() -> list[str]:
    task = json.loads((REPO / "task-definition.json").read_text())
    (app,) = [c for c in task["containerDefinitions"] if c["name"] == "sample-app"]
    return app["entryPoint"]


def test_app_image_starts_with_its_aot_cache(app_image):
    """-XX:AOTMode=on makes the JVM refuse to start when the image's AOT cache does not match its JRE, jar and JVM
    flags (it would silently start without it otherwise): reaching the app's own config check (exit 2) proves the
    cache loads. Run as on Fargate 0.25 vCPU: the task definition's entryPoint flags, the app container's 704 MiB
    and one CPU (so the JVM picks the same heap size, compressed oops and Serial GC as there, whatever this host's
    RAM and cores; a heap of ~32 GB or more would turn compressed oops off and the cache away)."""
    entry = task_app_entry_point()
    assert "-XX:AOTCache=/app/sample-app.aot" in entry, entry
    run = subprocess.run(["docker", "run", "--rm", "--network", "none", "--memory", "704m", "--cpuset-cpus", "0",
                          "-e", "AWS_REGION=bad", "-e", "JAVA_TOOL_OPTIONS=-XX:AOTMode=on -Xlog:gc",
                          "--entrypoint", entry[0], app_image, *entry[1:]],
                         env=BUILD_ENV, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 2 and "invalid configuration: AWS_REGION" in out, (run.returncode, out[-1500:])
    assert "Using Serial" in out, out[-1500:]
    assert "[aot]" not in out, out[-1500:]   # no AOT warning or error: the cache was taken as it is


def test_app_image_jre_version_against_the_suites_jdk(app_image):
    """The image's jlinked JRE (from MAVEN_IMAGE) and the JDK the other suites run (e2e/lib.sh find_java) share the
    major (test_01); their full versions may differ (the public image may lag or lead this machine's JDK): reported,
    not failed, so a gap is seen."""
    image = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "java", app_image,
                            "-version"], env=BUILD_ENV, capture_output=True, text=True, timeout=120)
    suites = subprocess.run(["bash", "-c", 'log() { echo "$*" >&2; }; . e2e/lib.sh; find_java; "$JAVA" -version'],
                            cwd=REPO, capture_output=True, text=True, timeout=120)

    def version(err: str) -> str:
        found = re.findall(r"Runtime Environment .*\(build ([^)]+)\)", err)
        return found[0] if found else ""

    mine, theirs = version(image.stderr), version(suites.stderr)
    assert mine and theirs, (image.stderr[-500:], suites.stderr[-500:])
    note(f"app image JRE {mine}, suites' JDK {theirs}" + ("" if mine == theirs else
         " -- DIFFERENT full versions: rebuild the image (MAVEN_IMAGE) or update the machine's JDK"))


@pytest.fixture(scope="module")
def app_files(app_image) -> list[str]:
    """Every path in the app image's file system, as `tar -t` lists it (directories end with /)."""
    cid = docker("create", app_image).strip()
    try:
        export = subprocess.Popen(["docker", "export", cid], env=BUILD_ENV, stdout=subprocess.PIPE)
        with tarfile.open(fileobj=export.stdout, mode="r|") as t:
            names = [m.name + ("/" if m.isdir() else "") for m in t]
        assert export.wait() == 0, "docker export failed"
    finally:
        docker("rm", cid)
    return names


def test_app_image_has_no_jdk_tools_maven_or_build_caches(app_files):
    found = [n for n in app_files
             if re.search(r"(^|/)(javac|jar|jlink|jdeps|mvn|mvnw)$|(^|/)\.m2/|^usr/share/maven/|^build/|(^|/)jmods/", n)]
    assert not found, found[:20]


def test_app_image_has_the_jlinked_java_launcher_and_the_jar_and_no_shell_or_package_manager(app_files):
    assert "opt/jre/bin/java" in app_files
    assert {"app/sample-app.jar", "app/sample-app.aot", "app/healthcheck"} <= set(app_files)
    found = [n for n in app_files if re.search(r"(^|/)(s?bin/)(sh|bash|dash|apt|apt-get|dpkg)$", n)]
    assert not found, found


def compressed_sizes(saved: Path) -> tuple[int, int, int]:
    """(all layers, the layer holding the app jar, the one holding the AOT cache), each gzip-compressed (level 6):
    roughly what a registry stores."""
    manifest = json.loads((saved / "manifest.json").read_text())[0]
    total = jar = aot = 0
    for layer in manifest["Layers"]:
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        size = 0
        with open(saved / layer, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                size += len(gz.compress(chunk))
        size += len(gz.flush())
        total += size
        with tarfile.open(saved / layer) as t:
            names = [m.name for m in t.getmembers()]
        jar += size if any(n.endswith("sample-app.jar") for n in names) else 0
        aot += size if any(n.endswith("sample-app.aot") for n in names) else 0
    return total, jar, aot


def test_app_image_compressed_is_smaller_than_the_stock_temurin_25_jre_image_alone(app_image, workdir):
    saved = workdir / "app-image"
    saved.mkdir()
    docker("save", app_image, "-o", str(workdir / "app.tar"), timeout=300)
    with tarfile.open(workdir / "app.tar") as t:
        t.extractall(saved)
    os.remove(workdir / "app.tar")
    total, jar, aot = compressed_sizes(saved)
    size = int(docker("image", "inspect", "-f", "{{.Size}}", app_image))
    runtime = total - jar - aot

    def mb(n: int) -> str:
        return f"{n / 1e6:.1f} MB"
    note(f"app image: {mb(size)} uncompressed, {mb(total)} compressed; app jar layer {mb(jar)}, AOT cache layer "
         f"{mb(aot)}; the rest (base + jlinked JRE + health probe): {mb(runtime)} = "
         f"{runtime * 100 // STOCK_JRE_COMPRESSED}% of the stock eclipse-temurin:25-jre-noble "
         f"({mb(STOCK_JRE_COMPRESSED)} compressed, amd64)")
    assert jar and aot, "the jar and the AOT cache are expected in layers of their own (Dockerfile COPY lines)"
    assert total < STOCK_JRE_COMPRESSED
