package com.example.ecsotel.perf;

import com.example.ecsotel.SampleApp;
import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.config.TelemetryConfig;
import com.example.ecsotel.telemetry.Telemetry;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The A/B probe of issue 20's unsampled request path (not a test: run by {@code src/test/perf/ab.sh}). It starts
 * the real app in this JVM as Main does, with X-Ray rules that never sample (a local stand-in of the sampling
 * API serves a Default rule of 0 % and no reservoir), drives it with wrk (another process, so its cost is not
 * ours), and reads what this JVM spent around each wrk window: bytes allocated by all threads (carrier threads
 * carry the virtual threads' allocations) and process CPU time, each divided by wrk's request count. Both are
 * per-request figures a busy, shared machine disturbs far less than throughput. JIT time per window is printed
 * too, to show the JVM was warm.
 *
 * <p>Usage: {@code UnsampledPathProbe MODE WARM_S WINDOW_S ROUNDS OUT} with MODE shipped, disabled or none;
 * prints one line per window to OUT: {@code mode scenario round requests allocBytesPerReq cpuMicrosPerReq jitMs}.
 * Only the app's public API is used, so the same file compiles against older commits for the A side.
 */
public final class UnsampledPathProbe {
  private static final String RULES = """
      {"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"Default",
        "RuleARN":"arn:aws:xray:us-west-2:123456789012:sampling-rule/Default","ResourceARN":"*","Priority":10000,
        "FixedRate":0.0,"ReservoirSize":0,"ServiceName":"*","ServiceType":"*","Host":"*","HTTPMethod":"*",
        "URLPath":"*","Version":1,"Attributes":{}},"CreatedAt":1700000000.0,"ModifiedAt":1700000000.0}]}
      """;
  private static final String NO_TARGETS =
      "{\"SamplingTargetDocuments\":[],\"LastRuleModification\":1700000000.0,\"UnprocessedStatistics\":[]}";
  /** An ALB's header: Root without Parent (the app keeps the ALB's trace id); a client without one. */
  private static final String ALB_HEADER =
      "X-Amzn-Trace-Id: Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678";
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
  private static volatile String lastStatistics = "none reported";

  private UnsampledPathProbe() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int warm = Integer.parseInt(args[1]);
    int window = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    Path out = Path.of(args[4]);
    HttpServer xray = samplingStandIn();
    Map<String, String> env = new HashMap<>();
    env.put("PORT", "0");
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("ORDERS_LATENCY_MS", "0");
    env.put("OUTGOING_HTTP_URL", "http://127.0.0.1:9/unused");
    env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9");
    env.put("XRAY_SAMPLING_ENDPOINT", "http://127.0.0.1:" + xray.getAddress().getPort());
    AppConfig config = AppConfig.fromEnv(env);
    Telemetry telemetry = telemetry(mode, config.telemetry());
    SampleApp app = SampleApp.start(config, telemetry);
    String base = "http://127.0.0.1:" + app.port();
    List<String[]> scenarios = List.of(
        new String[] {"orders", base + "/orders/42", null},
        new String[] {"orders+alb", base + "/orders/42", ALB_HEADER},
        new String[] {"root", base + "/", null});
    for (String[] s : scenarios) {
      wrk(s, Math.max(1, warm / scenarios.size()));
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    List<String> lines = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      for (String[] s : scenarios) {
        long bytes0 = threads.getTotalThreadAllocatedBytes();
        long cpu0 = os.getProcessCpuTime();
        long jit0 = jit.getTotalCompilationTime();
        long requests = wrk(s, window);
        long bytes = threads.getTotalThreadAllocatedBytes() - bytes0;
        long cpu = os.getProcessCpuTime() - cpu0;
        lines.add(String.format("%s %s %d %d %.0f %.2f %d", mode, s[0], round, requests,
            (double) bytes / requests, cpu / 1000.0 / requests, jit.getTotalCompilationTime() - jit0));
      }
    }
    lines.add("# last SamplingTargets report: " + lastStatistics.replaceAll("\\s+", " "));
    Files.write(out, lines, StandardCharsets.UTF_8);
    app.shutdown();
    xray.stop(0);
    System.exit(0);
  }

  private static Telemetry telemetry(String mode, TelemetryConfig config) throws Exception {
    if (mode.equals("none")) { // exists from issue 20 on; reflection keeps this file compiling on older commits
      return (Telemetry) Telemetry.class.getMethod("none", TelemetryConfig.class).invoke(null, config);
    }
    return Telemetry.builder(config)
        .property("otel.sdk.disabled", Boolean.toString(mode.equals("disabled")))
        .property("otel.service.name", "probe")
        // An exporter as in production, though nothing is sampled: with no span processor at all (exporter none)
        // the SDK skipped the sampler altogether (the rule's RequestCount stayed 0), unlike what ships.
        .property("otel.traces.exporter", "otlp")
        // Metrics recorded by the real SDK pipeline; their export (to nobody) would fall after the run.
        .property("otel.metrics.exporter", "otlp")
        .property("otel.exporter.otlp.endpoint", "http://127.0.0.1:9")
        .property("otel.metric.export.interval", "3600000")
        .build();
  }

  private static long wrk(String[] scenario, int seconds) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", System.getenv().getOrDefault("WRK_CPU", "1"),
        "wrk", "-t1", "-c8", "-d" + seconds + "s"));
    if (scenario[2] != null) {
      cmd.addAll(List.of("-H", scenario[2]));
    }
    cmd.add(scenario[1]);
    Process wrk = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (wrk.waitFor() != 0 || output.contains("Non-2xx")) {
      throw new IllegalStateException("wrk failed or saw errors:\n" + output);
    }
    Matcher m = REQUESTS.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no request count in wrk output:\n" + output);
    }
    return Long.parseLong(m.group(1));
  }

  private static HttpServer samplingStandIn() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/GetSamplingRules", e -> reply(e, RULES));
    server.createContext("/SamplingTargets", e -> {
      // The sampler's own statistics (RequestCount, SampledCount per rule): proof the rules, not the
      // fallback, decided and that nothing was sampled; the last report goes to OUT as a comment.
      String body = new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (body.contains("RequestCount")) { // "{}" when a rule has nothing to report yet
        lastStatistics = body;
      }
      reply(e, NO_TARGETS);
    });
    server.start();
    return server;
  }

  private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (PrintStream out = new PrintStream(exchange.getResponseBody())) {
      out.write(bytes);
    }
  }
}
