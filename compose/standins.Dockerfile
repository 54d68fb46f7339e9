# Image of the local AWS stand-ins (standins/: X-Ray 4510, AMP 4511 -> Prometheus, S3 4512, ECS task
# metadata v4 4513, admin API under /admin on each port). A local test/demo tool, never deployed; built
# from the same base images as the app (build context: the repository root).
ARG MAVEN_IMAGE=maven:3-eclipse-temurin-25
ARG RUNTIME_BASE=debian:bookworm-20250520-slim

FROM ${MAVEN_IMAGE} AS build
WORKDIR /build
COPY standins/pom.xml ./
RUN mvn -B -q -ntp dependency:go-offline
COPY standins/src ./src
# The ECS metadata stand-in models the task definition (standins/pom.xml bundles ../task-definition.json).
COPY task-definition.json /task-definition.json
RUN mvn -B -q -ntp -DskipTests package \
 && mkdir -p /out/app && cp target/aws-standins.jar /out/app/aws-standins.jar
RUN set -eu; \
    mods=$(jdeps --ignore-missing-deps -q --multi-release 25 --print-module-deps /out/app/aws-standins.jar); \
    jlink --add-modules "$mods,jdk.httpserver" --strip-java-debug-attributes --no-man-pages \
          --no-header-files --output /out/jre

FROM ${RUNTIME_BASE}
COPY --from=build /out/jre /opt/java
COPY --from=build /out/app /app
ENV PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    BIND_ADDRESS=0.0.0.0
USER 65534:65534
EXPOSE 4510 4511 4512 4513
# All four listeners accept connections (bash's /dev/tcp: the image has no curl).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "for p in 4510 4511 4512 4513; do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || exit 1; done"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-jar", "/app/aws-standins.jar"]
