package com.example.ecsotel.telemetry;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The SDK's bounded shutdown on the SIGTERM path (its own class to keep {@link Telemetry} small). */
final class SdkShutdown {
  private static final Logger logger = LoggerFactory.getLogger(Telemetry.class);

  private SdkShutdown() {}

  /** Shuts {@code sdk} down within {@code timeout}, then closes {@code closeables}; true if the SDK said success. */
  static boolean run(OpenTelemetrySdk sdk, List<AutoCloseable> closeables, Duration timeout) {
    // SDK first: its final metric collection still needs the observable callbacks registered.
    // OpenTelemetrySdk.shutdown() itself can block (the metric reader joins its final export, and
    // exporters retry with backoff when the collector is gone), so bound it from another thread.
    AtomicBoolean success = new AtomicBoolean();
    Thread flusher = Thread.ofPlatform().daemon().name("otel-shutdown").start(() -> {
      CompletableResultCode result = sdk.shutdown();
      success.set(result.join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess());
    });
    try {
      if (!flusher.join(timeout)) {
        logger.warn("OpenTelemetry SDK shutdown did not complete within {}", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception e) {
        logger.warn("closing {} failed", closeable, e);
      }
    }
    return success.get();
  }
}
