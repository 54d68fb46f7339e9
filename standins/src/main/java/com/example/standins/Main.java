package com.example.standins;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar aws-standins.jar}: starts every stand-in and serves until SIGTERM/SIGINT. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    StandinsConfig config = StandinsConfig.fromEnvironment(System.getenv());
    Standins standins = Standins.start(config, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      standins.close();
      stopped.countDown();
    }, "standins-shutdown"));
    // One line scripts can wait for: every port is bound once it is printed.
    System.out.printf("aws-standins ready: xray=%s amp=%s s3=%s ecs-metadata=%s prometheus=%s region=%s key=%s%n",
        standins.xray().baseUrl(), standins.amp().baseUrl(), standins.s3().baseUrl(),
        standins.ecsMetadata().baseUrl(), config.prometheusUrl(), config.region(),
        config.credentials().accessKeyId());
    System.out.flush();
    stopped.await();
  }
}
