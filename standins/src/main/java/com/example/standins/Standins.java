package com.example.standins;

import static java.util.Objects.requireNonNull;

import com.example.standins.amp.AmpStandin;
import com.example.standins.amp.PrometheusClient;
import com.example.standins.ecsmeta.EcsMetadataStandin;
import com.example.standins.s3.S3Standin;
import com.example.standins.sigv4.SigV4Verifier;
import com.example.standins.xray.SamplingRules;
import com.example.standins.xray.SegmentStore;
import com.example.standins.xray.XRayStandin;
import com.example.standins.zipkin.ZipkinFeed;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** All four stand-ins, started together and stopped together. */
public final class Standins implements AutoCloseable {
  private final List<StandinServer> servers;
  private final Optional<ZipkinFeed> zipkin;

  private Standins(List<StandinServer> servers, Optional<ZipkinFeed> zipkin) {
    this.servers = servers;
    this.zipkin = zipkin;
  }

  public static Standins start(StandinsConfig config, Clock clock) throws IOException {
    requireNonNull(config, "config");
    requireNonNull(clock, "clock");
    List<StandinServer> started = new ArrayList<>();
    SegmentStore segments = SegmentStore.create(config.segmentCapacity(), config.segmentMaxBytes());
    Optional<ZipkinFeed> zipkin = config.zipkinUrl().map(url -> ZipkinFeed.start(url, segments, clock));
    try {
      started.add(StandinServer.start(XRayStandin.create(
          SigV4Verifier.create(config.credentials(), config.region(), "xray", clock),
          segments, samplingRules(config, clock)),
          config.bindAddress(), config.xrayPort()));
      started.add(StandinServer.start(AmpStandin.create(
          SigV4Verifier.create(config.credentials(), config.region(), "aps", clock),
          PrometheusClient.create(config.prometheusUrl()), config.ampWorkspaces()),
          config.bindAddress(), config.ampPort()));
      started.add(StandinServer.start(S3Standin.create(
          SigV4Verifier.create(config.credentials(), config.region(), "s3", clock), config.s3Buckets()),
          config.bindAddress(), config.s3Port()));
      started.add(StandinServer.start(EcsMetadataStandin.create(clock, config.region()),
          config.bindAddress(), config.ecsMetadataPort()));
    } catch (IOException | RuntimeException e) {
      started.forEach(StandinServer::close);
      zipkin.ifPresent(ZipkinFeed::close);
      throw e;
    }
    return new Standins(List.copyOf(started), zipkin);
  }

  private static SamplingRules samplingRules(StandinsConfig config, Clock clock) throws IOException {
    if (config.samplingRulesFile().isEmpty()) {
      return SamplingRules.create(clock);
    }
    Path file = config.samplingRulesFile().get();
    try {
      return SamplingRules.create(clock, new ObjectMapper().readTree(Files.readAllBytes(file)));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("SAMPLING_RULES_FILE " + file + ": " + e.getMessage(), e);
    }
  }

  public StandinServer xray() {
    return servers.get(0);
  }

  public StandinServer amp() {
    return servers.get(1);
  }

  public StandinServer s3() {
    return servers.get(2);
  }

  public StandinServer ecsMetadata() {
    return servers.get(3);
  }

  /** The Zipkin feed, when ZIPKIN_URL is set. */
  public Optional<ZipkinFeed> zipkin() {
    return zipkin;
  }

  @Override
  public void close() {
    servers.forEach(StandinServer::close);
    zipkin.ifPresent(ZipkinFeed::close);
  }
}
