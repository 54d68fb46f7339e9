"""The images: the collector image keeps ADOT's contract; the app image is non-root, health-checked, holds a jlinked
runtime and the jar and nothing to build or change code with, and is smaller than the stock JRE image alone."""

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

# eclipse-temurin:21-jre-noble, linux/amd64: 99,810,286 bytes compressed (docker-library/repo-info,
# repos/eclipse-temurin/remote/21-jre-noble.md, jdk-21.0.12+8, Sep 2026). Compressed sizes are what Docker Hub and
# registries publish; `docker images` shows uncompressed sizes.
STOCK_JRE_COMPRESSED = 99_810_286


def test_collector_image_keeps_adots_contract(base_images, logdir):
    """collector/test/image.sh: ADOT's entrypoint, AOT_CONFIG_CONTENT over --config, /healthcheck."""
    log = logdir / "builds" / "collector-image-test.log"
    rc = run_step([str(REPO / "collector" / "test" / "image.sh")], "collector/test/image.sh", log,
                  env={**BUILD_ENV, "COLLECTOR_IMAGE_BASE": base_images["RUNTIME_BASE"]})
    assert rc == 0, tail(log, 20)


def test_app_image_runs_as_uid_and_gid_10001(app_image):
    assert docker("image", "inspect", "-f", "{{.Config.User}}", app_image).strip() == "10001:10001"


def test_app_image_has_a_healthcheck_using_the_apps_health_check_class(app_image):
    assert "com.example.ecsotel.HealthCheck" in docker("image", "inspect", "-f", "{{json .Config.Healthcheck.Test}}",
                                                       app_image)


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
    assert "opt/java/bin/java" in app_files
    assert "app/sample-app.jar" in app_files
    found = [n for n in app_files if re.search(r"(^|/)(s?bin/)(sh|bash|dash|apt|apt-get|dpkg)$", n)]
    assert not found, found


def compressed_sizes(saved: Path) -> tuple[int, int]:
    """(all layers, the layer holding the app jar), each gzip-compressed (level 6): roughly what a registry stores."""
    manifest = json.loads((saved / "manifest.json").read_text())[0]
    total = jar = 0
    for layer in manifest["Layers"]:
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        size = 0
        with open(saved / layer, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                size += len(gz.compress(chunk))
        size += len(gz.flush())
        total += size
        with tarfile.open(saved / layer) as t:
            if any(m.name.endswith("sample-app.jar") for m in t.getmembers()):
                jar += size
    return total, jar


def test_app_image_compressed_is_smaller_than_the_stock_temurin_21_jre_image_alone(app_image, workdir):
    saved = workdir / "app-image"
    saved.mkdir()
    docker("save", app_image, "-o", str(workdir / "app.tar"), timeout=300)
    with tarfile.open(workdir / "app.tar") as t:
        t.extractall(saved)
    os.remove(workdir / "app.tar")
    total, jar = compressed_sizes(saved)
    size = int(docker("image", "inspect", "-f", "{{.Size}}", app_image))
    runtime = total - jar

    def mb(n: int) -> str:
        return f"{n / 1e6:.1f} MB"
    note(f"app image: {mb(size)} uncompressed, {mb(total)} compressed; without the app jar layer (base + jlinked "
         f"JRE): {mb(runtime)} = {runtime * 100 // STOCK_JRE_COMPRESSED}% of the stock eclipse-temurin:21-jre-noble "
         f"({mb(STOCK_JRE_COMPRESSED)} compressed, amd64)")
    assert total < STOCK_JRE_COMPRESSED
