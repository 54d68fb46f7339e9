package com.example.ecsotel;

import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.config.ConfigException;
import com.example.ecsotel.telemetry.Telemetry;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the sample app from environment variables and stops it cleanly on SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    // Off EC2 the AWS SDK would otherwise probe 169.254.169.254 for credentials and region; on ECS
    // credentials come from the task role endpoint, which this does not affect.
    if (System.getProperty("aws.disableEc2Metadata") == null) {
      System.setProperty("aws.disableEc2Metadata", "true");
    }
    Logger logger = LoggerFactory.getLogger(Main.class);
    AppConfig config;
    try {
      config = AppConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      logger.error("invalid configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    // -Decsotel.telemetry=none: no SDK at all, the benchmark's zero baseline (bench variant "none"). A system
    // property, not an environment variable: it is not a setting to ship (OTEL_SDK_DISABLED=true is, and costs the
    // same per request).
    Telemetry telemetry = "none".equals(System.getProperty("ecsotel.telemetry"))
        ? Telemetry.none(config.telemetry())
        : Telemetry.create(config.telemetry());
    SampleApp app;
    try {
      app = SampleApp.start(config, telemetry);
    } catch (IOException | RuntimeException e) {
      logger.error("cannot start on {}:{}: {}", config.bindAddress(), config.port(), e.toString());
      telemetry.shutdown(Duration.ofSeconds(2));
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // From a daemon thread: with stdout blocked (awslogs in blocking mode, CloudWatch throttled) this
                  // line must not hold the drain and the flush; the last line below may block, the spans are out.
                  Thread.ofPlatform().daemon().name("sigterm-log").start(() ->
                      logger.info("SIGTERM: draining for up to {} s", config.shutdownGrace().toSeconds()));
                  boolean flushed = app.shutdown();
                  logger.info("stopped; telemetry flushed={}", flushed);
                  System.out.flush();
                  System.err.flush();
                  // The JVM exits 143 after SIGTERM; a drained, flushed stop is a success, so say 0.
                  Runtime.getRuntime().halt(0);
                },
                "shutdown"));
    logger.info(
        "sample-app listening on port {} (service.name={})",
        app.port(),
        telemetry.resource().getAttribute(io.opentelemetry.semconv.ServiceAttributes.SERVICE_NAME));
  }
}
