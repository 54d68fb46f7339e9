package com.example.standins.amp;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.Standin;
import com.example.standins.admin.StandinStats;
import com.example.standins.sigv4.SigV4Verifier;
import com.example.standins.sigv4.Verification;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Amazon Managed Service for Prometheus stand-in: SigV4 (service {@code aps}) remote write, checked as AMP would, then
 * forwarded byte for byte to a real Prometheus; and the query API, proxied so PromQL works against the workspace URL.
 */
public final class AmpStandin implements Standin {
  private static final Pattern ROUTE = Pattern.compile("^/workspaces/([^/]+)/api/v1/(.+)$");
  private static final Set<String> QUERY_APIS = Set.of("query", "query_range", "series", "labels");
  private static final Pattern LABEL_VALUES = Pattern.compile("^label/[a-zA-Z_][a-zA-Z0-9_]*/values$");

  private final SigV4Verifier verifier;
  private final PrometheusClient prometheus;
  private final Set<String> workspaces;

  private AmpStandin(SigV4Verifier verifier, PrometheusClient prometheus, Set<String> workspaces) {
    this.verifier = verifier;
    this.prometheus = prometheus;
    this.workspaces = workspaces;
  }

  /** {@code workspaces} lists the workspace ids that exist; "*" accepts any id. */
  public static AmpStandin create(SigV4Verifier verifier, PrometheusClient prometheus, Set<String> workspaces) {
    if (!requireNonNull(verifier, "verifier").service().equals("aps")) {
      throw new IllegalArgumentException("AMP requests are signed for service 'aps'");
    }
    return new AmpStandin(verifier, requireNonNull(prometheus, "prometheus"), Set.copyOf(workspaces));
  }

  @Override
  public String name() {
    return "amp";
  }

  @Override
  public Reply handle(Request request, StandinStats stats) {
    Matcher route = ROUTE.matcher(request.rawPath());
    if (!route.matches()) {
      return Reply.awsJsonError(404, "ResourceNotFoundException",
          "No AMP API at " + request.rawPath(), "not_found");
    }
    Verification verification = verifier.verify(request.received());
    if (!verification.isAccepted()) {
      return Reply.signatureError(verification);
    }
    if (!workspaces.contains("*") && !workspaces.contains(route.group(1))) {
      return Reply.awsJsonError(404, "ResourceNotFoundException",
          "Workspace " + route.group(1) + " does not exist (known: " + workspaces + ")", "unknown_workspace");
    }
    String api = route.group(2);
    if (api.equals("remote_write")) {
      return remoteWrite(request, stats);
    }
    if (QUERY_APIS.contains(api) || LABEL_VALUES.matcher(api).matches()) {
      if (!request.method().equals("GET") && !request.method().equals("POST")) {
        return Reply.awsJsonError(405, "ValidationException", "use GET or POST", "method_not_allowed");
      }
      return prometheus.query(request.method(), api, request.rawQuery(), request.header("Content-Type"),
          request.body());
    }
    return Reply.awsJsonError(404, "ResourceNotFoundException", "No AMP API " + api, "not_found");
  }

  private Reply remoteWrite(Request request, StandinStats stats) {
    if (!request.method().equals("POST")) {
      return Reply.awsJsonError(405, "ValidationException", "remote_write takes POST", "method_not_allowed");
    }
    Reply headerProblem = checkHeaders(request);
    if (headerProblem != null) {
      return headerProblem;
    }
    RemoteWriteDecoder.Summary summary;
    try {
      summary = RemoteWriteDecoder.decode(request.body());
    } catch (RemoteWriteDecoder.InvalidWriteException e) {
      return Reply.awsJsonError(400, "ValidationException", e.getMessage(), "remote_write." + e.rule());
    }
    Reply forwarded = prometheus.write(request.body(), request.header("X-Prometheus-Remote-Write-Version"));
    if (forwarded.status() < 300) {
      stats.add("series", summary.series());
      stats.add("samples", summary.samples() + summary.histograms());
      stats.add("writes", 1);
      return forwarded.withOutcome(Reply.ACCEPTED, summary.series() + " series, "
          + (summary.samples() + summary.histograms()) + " samples");
    }
    return forwarded;
  }

  private static Reply checkHeaders(Request request) {
    String encoding = request.header("Content-Encoding");
    if (!"snappy".equals(encoding)) {
      return headerError("Content-Encoding must be 'snappy', got '" + encoding + "'", "content_encoding");
    }
    String type = request.header("Content-Type");
    if (type == null || !type.strip().startsWith("application/x-protobuf")) {
      return headerError("Content-Type must be 'application/x-protobuf', got '" + type + "'", "content_type");
    }
    String version = request.header("X-Prometheus-Remote-Write-Version");
    if (version == null || !version.strip().startsWith("0.1.")) {
      return headerError("X-Prometheus-Remote-Write-Version must be 0.1.0, got '" + version + "'", "version");
    }
    return null;
  }

  private static Reply headerError(String message, String rule) {
    return Reply.awsJsonError(400, "ValidationException", message, "remote_write." + rule);
  }
}
