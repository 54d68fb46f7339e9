# Sample app image: Maven build on a JDK 25 (the one JDK of the project: docs/app.md#jdk); runtime = a
# jlink-minimised JRE with an AOT cache from a training run, on a distroless-style glibc root file system cut
# from a Debian base (no shell, no package manager), running as uid 10001; a static Go health probe.
#
#   docker build -t sample-app .                       # real public images (defaults below)
#   docker build --build-arg MAVEN_IMAGE=... --build-arg GO_IMAGE=... --build-arg RUNTIME_BASE=... -t sample-app .
#
# Base images are build args; the defaults are public tags. MAVEN_IMAGE's is a moving tag on purpose: the
# JRE is jlinked from it, so it must be one the Maven image maintainers still rebuild for each Temurin 25
# update (a full-version tag such as 3.9.11-eclipse-temurin-25 froze at jdk-25.0.1 when Maven 3.9.12 came
# out). For reproducible builds pin it by digest in your own fork, and renew the digest with every JDK
# update: docs/app.md#jdk. compose/test.sh passes locally built equivalents because CI has no registry. Plain Dockerfile syntax (no `# syntax=`
# directive, no RUN --mount) so it builds with BuildKit and with the classic builder alike.
# The JDK major in MAVEN_IMAGE (temurin-25) is the project's one JDK: compose/test_01 checks that the pom,
# the compose stand-in (compose/base-images.sh), the e2e suites and the benchmark all run the same major.
ARG MAVEN_IMAGE=maven:3-eclipse-temurin-25
# Only builds the health probe (a static binary): any Go >= 1.24 does.
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_BASE=debian:bookworm-20250520-slim

# ---------------------------------------------------------------------------------------------------------
# The container health check (healthcheck/main.go): GET http://127.0.0.1:$PORT/health, exit 0 on 200. A
# static binary, so the probe costs ~2.5 MiB and a few ms of CPU instead of a second JVM (~42 MiB, ~0.1
# CPU-s) every interval. Standard library only: no module download; GOTOOLCHAIN=local: no toolchain download.
FROM ${GO_IMAGE} AS healthcheck
WORKDIR /src
COPY healthcheck/go.mod healthcheck/main.go ./
RUN CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" -o /out/healthcheck .

# ---------------------------------------------------------------------------------------------------------
FROM ${MAVEN_IMAGE} AS build
WORKDIR /build
# Dependencies first: this layer is rebuilt only when pom.xml changes, so source edits rebuild in seconds.
# The JDK the image's Maven runs on (JAVA_HOME) is what maven-toolchains-plugin's select-jdk-toolchain
# discovers; it must be 25 (the pom's toolchain range, [25,26)).
COPY pom.xml ./
RUN mvn -B -q -ntp dependency:go-offline
COPY src ./src
# Tests run in CI (.ci/run); the image build only packages.
RUN mvn -B -q -ntp -DskipTests package \
 && mkdir -p /app && cp -p target/sample-app.jar /app/sample-app.jar

# Minimal JRE: the modules jdeps finds in the shaded jar, adjusted for what jdeps cannot judge:
#   + jdk.management  com.sun.management MXBeans, loaded reflectively by OpenTelemetry runtime metrics
#   - java.desktop    only jackson-databind's optional java.beans support refers to it (Jackson checks
#                     for it at runtime); it is the largest module (AWT, fonts, imaging: ~15 MB)
# No jlink compression: the image layer is gzip-compressed for transfer anyway (smaller pull than
# compressing twice) and the JVM does not have to inflate classes at startup. (JDK 25: jdk.crypto.ec, which
# JDK 21 needed for ECDHE to AWS endpoints, is an empty module; its code is in java.base since JDK 22.)
# The JRE goes to /opt/jre and the jar to /app here already: the paths the AOT cache records.
RUN set -eu; \
    mods=$(jdeps --ignore-missing-deps -q --multi-release 25 --print-module-deps /app/sample-app.jar \
           | tr ',' '\n' | grep -v -x 'java.desktop' | paste -sd, -); \
    mods="$mods,jdk.management"; \
    echo "jlink modules: $mods"; \
    jlink --add-modules "$mods" --strip-java-debug-attributes --no-man-pages --no-header-files \
          --output /opt/jre; \
    /opt/jre/bin/java --list-modules; \
    /opt/jre/bin/java -version
# The JRE's default CDS archive (lib/server/classes.jsa, ~14 MB, ~4 MB compressed): used only when the JVM
# runs WITHOUT -XX:AOTCache (an image that overlays the jar and drops the flag, `--entrypoint java ...`).
# It does not replace a cache the JVM rejects: with -XX:AOTCache given, a missing or rejected cache (other
# heap mode or GC) disables class sharing altogether (checked on 25.0.3 with -Xlog:aot,cds). Its presence
# does not change what a matching cache does (docs/app.md#aot-cache). -Xmx256m: a compressed-oops archive
# (the one every task size uses) whatever the build machine's RAM.
RUN /opt/jre/bin/java -Xmx256m -Xshare:dump && ls -l /opt/jre/lib/server/classes.jsa

# AOT cache (JDK 25: JEP 483 classes loaded and linked, JEP 515 method profiles, JEP 514 one-step creation):
# a training run of the app with the image's JRE and jar, telemetry on, every endpoint (aot/AotTraining.java,
# loopback only; OTLP has no collector here and fails fast and quietly). The ENTRYPOINT passes
# -XX:AOTCache=/app/sample-app.aot. The cache belongs to this JRE, this jar and compressed oops: a changed jar
# needs a rebuilt cache (the JVM does not reliably notice one), a heap of ~32 GB or more or ZGC makes the JVM
# refuse it and start with no class sharing at all (slower). -XX:AOTMode=off turns it off; never -Xshare
# or -XX:SharedArchiveFile (the JVM refuses to start beside -XX:AOTCache). docs/app.md#aot-cache.
# A failed training prints the tail of the app's log (the cause), then fails the build.
COPY aot/AotTraining.java /build/aot/
RUN if ! java /build/aot/AotTraining.java /opt/jre/bin/java /app/sample-app.jar /app/sample-app.aot; then \
      echo "AOT training failed; the app's log ends:" >&2; tail -n 40 /app/sample-app.aot.training.log >&2; exit 1; \
    fi \
 && rm -f /app/sample-app.aot.training.log \
 && { AWS_REGION=bad /opt/jre/bin/java -XX:AOTCache=/app/sample-app.aot -XX:AOTMode=on -jar /app/sample-app.jar \
      || test $? -eq 2; }

# ---------------------------------------------------------------------------------------------------------
# Runtime root file system, distroless-style, taken from RUNTIME_BASE's own Debian packages: only the C
# library the JVM links against (libc, libm, libdl, libpthread and the loader; Temurin bundles zlib) and
# libgcc_s (glibc loads it to unwind exiting threads), the app user and an empty /tmp. No shell, no package
# manager, no coreutils: less to patch and nothing for an intruder to use. The service needs only `java`,
# the health check is a static binary. (Debugging: `docker run --entrypoint java` or an ECS Exec sidecar with tools.)
# /var/lib/aws-otel-collector: the collector's queue volume, owned by the uid both containers run as (VOLUME below).
FROM ${RUNTIME_BASE} AS rootfs
RUN set -eu; \
    mkdir -p /rootfs/etc /rootfs/tmp /rootfs/var/lib/aws-otel-collector; chmod 1777 /rootfs/tmp; \
    chown 10001:10001 /rootfs/var/lib/aws-otel-collector; chmod 700 /rootfs/var/lib/aws-otel-collector; \
    dpkg -L libc6 libgcc-s1 \
      | grep -E '/(ld-linux[^/]*|lib[^/]+[.]so[^/]*)$' | grep -v -E '/(gconv|audit)/' \
      | while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then cp -a --parents "$f" /rootfs; fi; done; \
    cp -a /etc/ld.so.cache /rootfs/etc/; \
    printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
      'app:x:10001:10001:app:/nonexistent:/usr/sbin/nologin' \
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >/rootfs/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'app:x:10001:' 'nogroup:x:65534:' >/rootfs/etc/group; \
    printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >/rootfs/etc/nsswitch.conf; \
    du -sh /rootfs

FROM scratch
COPY --from=rootfs /rootfs /
COPY --from=build /opt/jre /opt/jre
COPY --from=healthcheck /out/healthcheck /app/healthcheck
COPY --from=build /app/sample-app.jar /app/sample-app.jar
# Its own layer: the AOT cache's size is visible (compose/test_02 reports it) and a pull reuses nothing else.
COPY --from=build /app/sample-app.aot /app/sample-app.aot
ENV JAVA_HOME=/opt/jre \
    PATH=/opt/jre/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORT=8080 \
    LANG=C.UTF-8
USER 10001:10001
WORKDIR /app
EXPOSE 8080
# The ADOT collector's persistent queue (file_storage) is a task volume, which Fargate creates owned by root,
# mode 0755: the collector (uid 10001, no capabilities) could not write it. When a container mounts a task
# volume at a path its image declares as VOLUME, Fargate (and Docker, for a named volume) fills the new volume
# from the image's directory, owner and mode included. The task definition's collector-storage-init container
# (this image, `java -version`, non-root) mounts it here first, so the collector finds it owned by 10001, 0700.
VOLUME ["/var/lib/aws-otel-collector"]
# Probe: a 200 from GET http://127.0.0.1:$PORT/health within 2 s (healthcheck/main.go; no curl/wget, no
# shell in the image). A static binary, not a JVM, so it does not compete with the service for CPU or memory.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/healthcheck"]
# Container sizing: heap as a share of the container (task/container memory limit), fail fast on OOM so
# ECS replaces the task instead of it limping on; no hsperfdata file (read-only root file system).
# Add or override options with JAVA_TOOL_OPTIONS (e.g. -XX:MaxRAMPercentage=60) in the task definition.
# -XX:AOTCache: the training run's cache (above): less CPU to the first 200 (measured on one full core; a
# 0.25-vCPU quota stretches every CPU-second ~4x: docs/app.md#aot-cache). Off: JAVA_TOOL_OPTIONS=-XX:AOTMode=off.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:InitialRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", \
            "-XX:-UsePerfData", "-XX:AOTCache=/app/sample-app.aot", "-jar", "/app/sample-app.jar"]
