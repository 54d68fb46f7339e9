package com.example.ecsotel.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * {@code GET /orders/{id}}: a business endpoint with nested spans (load, price, charge), span events,
 * configurable latency and a configurable rate of simulated payment failures (HTTP 500).
 */
public final class OrdersEndpoint {
  static final AttributeKey<String> ORDER_ID = AttributeKey.stringKey("app.order.id");
  static final AttributeKey<Long> ORDER_ITEMS = AttributeKey.longKey("app.order.items");
  static final long MAX_KNOWN_ORDER = 1_000_000;
  private static final Pattern ID = Pattern.compile("[0-9]{1,12}");
  // Constant, so built once rather than per request.
  private static final Attributes DISCOUNT_10 = Attributes.of(AttributeKey.longKey("app.discount.percent"), 10L);

  private final Tracer tracer;
  private final Duration latency;
  private final double errorRate;
  private final DoubleSupplier random;

  public OrdersEndpoint(OpenTelemetry openTelemetry, Duration latency, double errorRate) {
    this(openTelemetry, latency, errorRate, () -> ThreadLocalRandom.current().nextDouble());
  }

  OrdersEndpoint(OpenTelemetry openTelemetry, Duration latency, double errorRate, DoubleSupplier random) {
    this.tracer = openTelemetry.getTracer("com.example.ecsotel.orders");
    this.latency = Objects.requireNonNull(latency, "latency");
    this.errorRate = errorRate;
    this.random = Objects.requireNonNull(random, "random");
  }

  public Response get(Request request) throws InterruptedException {
    String id = request.pathParam("id");
    if (!ID.matcher(id).matches()) {
      throw new ApiException(400, "invalid_order_id", "order id must be 1 to 12 digits");
    }
    long number = Long.parseLong(id);
    Span server = Span.current();
    server.setAttribute(ORDER_ID, id); // on the span only: ids never become metric attributes
    if (number == 0 || number > MAX_KNOWN_ORDER) {
      server.addEvent("order.not_found");
      throw new ApiException(404, "order_not_found", "order " + id + " does not exist");
    }
    long items = 1 + number % 5;
    long unitCents = 499 + (number * 37) % 2000;
    inSpan("load-order", () -> {
      Span.current().setAttribute(ORDER_ID, id);
      sleep(latency.dividedBy(2));
    });
    long[] total = new long[1];
    inSpan("price-order", () -> {
      total[0] = items * unitCents;
      if (items >= 3) {
        total[0] = total[0] * 9 / 10;
        Span.current().addEvent("discount.applied", DISCOUNT_10);
      }
      Span.current().setAttribute(ORDER_ITEMS, items);
    });
    inSpan("charge-payment", () -> {
      sleep(latency.dividedBy(2));
      if (random.getAsDouble() < errorRate) {
        throw new IllegalStateException("simulated payment provider failure");
      }
    });
    if (server.isRecording()) { // an unsampled span drops events: do not build their attributes
      server.addEvent("order.served", Attributes.of(ORDER_ITEMS, items));
    }
    Map<String, Object> order = new LinkedHashMap<>();
    order.put("id", id);
    order.put("status", "SHIPPED");
    order.put("items", items);
    order.put("totalCents", total[0]);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("order", order);
    return Response.ok(body);
  }

  private interface Step {
    void run() throws InterruptedException;
  }

  private void inSpan(String name, Step step) throws InterruptedException {
    Span span = tracer.spanBuilder(name).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      step.run();
    } catch (IllegalStateException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getMessage());
      throw new ApiException(500, "payment_failed", e.getMessage());
    } finally {
      span.end();
    }
  }

  private static void sleep(Duration duration) throws InterruptedException {
    if (!duration.isZero()) {
      Thread.sleep(duration);
    }
  }
}
