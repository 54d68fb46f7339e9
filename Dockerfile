# Sample app image: Maven build on a JDK; runtime = a jlink-minimised JRE on a distroless-style glibc root
# file system cut from a Debian base (no shell, no package manager), running as uid 10001.
#
#   docker build -t sample-app .                       # real public images (defaults below)
#   docker build --build-arg MAVEN_IMAGE=... --build-arg RUNTIME_BASE=... -t sample-app .
#
# Base images are build args; the defaults are pinned public tags (pin by digest in your own fork:
# `docker buildx imagetools inspect maven:3.9.11-eclipse-temurin-21` prints it). compose/test.sh passes
# locally built equivalents because CI has no registry. Plain Dockerfile syntax (no `# syntax=`
# directive, no RUN --mount) so it builds with BuildKit and with the classic builder alike.
ARG MAVEN_IMAGE=maven:3.9.11-eclipse-temurin-21
ARG RUNTIME_BASE=debian:bookworm-20250520-slim

# ---------------------------------------------------------------------------------------------------------
FROM ${MAVEN_IMAGE} AS build
WORKDIR /build
# Dependencies first: this layer is rebuilt only when pom.xml changes, so source edits rebuild in seconds.
# The JDK the image's Maven runs on (JAVA_HOME) is what maven-toolchains-plugin's select-jdk-toolchain
# discovers; it must be >= 21 (maven:*-eclipse-temurin-21 is).
COPY pom.xml ./
RUN mvn -B -q -ntp dependency:go-offline
COPY src ./src
# Tests run in CI (.ci/run); the image build only packages.
RUN mvn -B -q -ntp -DskipTests package \
 && mkdir -p /out/app && cp target/sample-app.jar /out/app/sample-app.jar

# Minimal JRE: the modules jdeps finds in the shaded jar, adjusted for what jdeps cannot judge:
#   + jdk.management  com.sun.management MXBeans, loaded reflectively by OpenTelemetry runtime metrics
#   + jdk.crypto.ec   ECDHE for TLS to AWS endpoints on JDK 21 (folded into java.base from JDK 22 on)
#   - java.desktop    only jackson-databind's optional java.beans support refers to it (Jackson checks
#                     for it at runtime); it is the largest module (AWT, fonts, imaging: ~15 MB)
# No jlink compression: the image layer is gzip-compressed for transfer anyway (smaller pull than
# compressing twice) and the JVM does not have to inflate classes at startup. A default CDS archive
# (java -Xshare:dump) makes startup faster for the service and for each health-check probe.
RUN set -eu; \
    mods=$(jdeps --ignore-missing-deps -q --multi-release 21 --print-module-deps /out/app/sample-app.jar \
           | tr ',' '\n' | grep -v -x 'java.desktop' | paste -sd, -); \
    mods="$mods,jdk.management"; \
    if java --list-modules | grep -q '^jdk.crypto.ec@'; then mods="$mods,jdk.crypto.ec"; fi; \
    echo "jlink modules: $mods"; \
    jlink --add-modules "$mods" --strip-java-debug-attributes --no-man-pages --no-header-files \
          --output /out/jre; \
    /out/jre/bin/java -Xshare:dump -version >/dev/null; \
    /out/jre/bin/java --list-modules

# ---------------------------------------------------------------------------------------------------------
# Runtime root file system, distroless-style, taken from RUNTIME_BASE's own Debian packages: only the C
# library the JVM links against (libc, libm, libdl, libpthread and the loader; Temurin bundles zlib) and
# libgcc_s (glibc loads it to unwind exiting threads), the app user and an empty /tmp. No shell, no package
# manager, no coreutils: less to patch and nothing for an intruder to use. The health check and the
# service need only `java`. (Debugging: `docker run --entrypoint java` or an ECS Exec sidecar with tools.)
FROM ${RUNTIME_BASE} AS rootfs
RUN set -eu; \
    mkdir -p /rootfs/etc /rootfs/tmp; chmod 1777 /rootfs/tmp; \
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
COPY --from=build /out/jre /opt/java
COPY --from=build /out/app /app
ENV JAVA_HOME=/opt/java \
    PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORT=8080 \
    LANG=C.UTF-8
USER 10001:10001
WORKDIR /app
EXPOSE 8080
# Probe with the app's own JDK-only health client (the image has no curl/wget). A small, quick JVM so
# the probe does not compete with the service for CPU or memory.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["java", "-Xmx16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", \
       "-cp", "/app/sample-app.jar", "com.example.ecsotel.HealthCheck"]
# Container sizing: heap as a share of the container (task/container memory limit), fail fast on OOM so
# ECS replaces the task instead of it limping on; no hsperfdata file (read-only root file system).
# Add or override options with JAVA_TOOL_OPTIONS (e.g. -XX:MaxRAMPercentage=60) in the task definition.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:InitialRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", \
            "-XX:-UsePerfData", "-jar", "/app/sample-app.jar"]
