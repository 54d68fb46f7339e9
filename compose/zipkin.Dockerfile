# Local stand-in for the public openzipkin/zipkin image, which docker-compose.yml uses by default: no container
# registry is reachable where the tests run, so compose/test.sh builds this from the same zipkin-server exec jar
# (Maven Central, e2e/lib.sh install_zipkin) on the local JDK base image. Same port (9411), same JAVA_OPTS
# variable, in-memory storage, non-root.
ARG JDK_IMAGE
FROM ${JDK_IMAGE}
COPY zipkin-server-exec.jar /zipkin/zipkin.jar
USER 65534:65534
EXPOSE 9411
ENTRYPOINT ["sh", "-c", "exec /opt/java/openjdk/bin/java $JAVA_OPTS -jar /zipkin/zipkin.jar"]
