package com.example.standins.ecsmeta;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/**
 * Docker ContainerStats JSON as the v4 endpoint returns it, with counters derived from the time since start so they
 * only ever increase: the awsecscontainermetrics receiver computes rates and utilization from consecutive readings.
 */
final class ContainerStats {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1024 * 1024;
  private static final int ONLINE_CPUS = 2;

  private ContainerStats() {}

  static ObjectNode stats(String name, String dockerId, long limitMib, Instant startedAt, Instant now) {
    boolean app = name.equals("sample-app");
    long elapsedNanos = Math.max(1_000_000_000L, Duration.between(startedAt, now).toNanos());
    long prevNanos = elapsedNanos - 1_000_000_000L;
    double cpuShare = app ? 0.08 : 0.03;
    ObjectNode s = JSON.createObjectNode();
    s.put("read", now.toString());
    s.put("preread", now.minusSeconds(1).toString());
    s.put("name", name);
    s.put("id", dockerId);
    s.put("num_procs", 0);
    s.putObject("pids_stats").put("current", app ? 31 : 14);
    s.set("cpu_stats", cpu(elapsedNanos, cpuShare));
    s.set("precpu_stats", cpu(prevNanos, cpuShare));
    long usage = (app ? 180 : 60) * MIB + (elapsedNanos / 1_000_000_000L % 30) * MIB;
    ObjectNode memory = s.putObject("memory_stats");
    memory.put("usage", usage);
    memory.put("max_usage", (app ? 220 : 80) * MIB);
    memory.put("limit", limitMib * MIB);
    ObjectNode memStats = memory.putObject("stats");
    memStats.put("cache", 12 * MIB);
    memStats.put("rss", usage - 12 * MIB);
    memStats.put("total_cache", 12 * MIB);
    memStats.put("total_rss", usage - 12 * MIB);
    memStats.put("hierarchical_memory_limit", limitMib * MIB);
    long seconds = elapsedNanos / 1_000_000_000L;
    ObjectNode blkio = s.putObject("blkio_stats");
    ArrayNode bytes = blkio.putArray("io_service_bytes_recursive");
    bytes.addObject().put("major", 259).put("minor", 0).put("op", "Read").put("value", 4096 * (100 + seconds));
    bytes.addObject().put("major", 259).put("minor", 0).put("op", "Write").put("value", 8192 * (10 + seconds));
    bytes.addObject().put("major", 259).put("minor", 0).put("op", "Sync").put("value", 8192 * (10 + seconds));
    bytes.addObject().put("major", 259).put("minor", 0).put("op", "Async").put("value", 4096 * (100 + seconds));
    bytes.addObject().put("major", 259).put("minor", 0).put("op", "Total")
        .put("value", 4096 * (100 + seconds) + 8192 * (10 + seconds));
    for (String empty : new String[] {"io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
        "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"}) {
      blkio.putArray(empty);
    }
    s.putObject("storage_stats");
    ObjectNode eth = s.putObject("networks").putObject("eth1");
    eth.put("rx_bytes", 2000 * seconds + 1000);
    eth.put("rx_packets", 20 * seconds + 10);
    eth.put("rx_errors", 0);
    eth.put("rx_dropped", 0);
    eth.put("tx_bytes", 3000 * seconds + 1000);
    eth.put("tx_packets", 25 * seconds + 10);
    eth.put("tx_errors", 0);
    eth.put("tx_dropped", 0);
    s.putObject("network_rate_stats").put("rx_bytes_per_sec", 2000.0).put("tx_bytes_per_sec", 3000.0);
    return s;
  }

  private static ObjectNode cpu(long elapsedNanos, double share) {
    long total = (long) (elapsedNanos * share);
    ObjectNode cpu = JSON.createObjectNode();
    ObjectNode usage = cpu.putObject("cpu_usage");
    usage.put("total_usage", total);
    usage.putArray("percpu_usage").add(total / 2).add(total - total / 2);
    usage.put("usage_in_kernelmode", total / 5);
    usage.put("usage_in_usermode", total - total / 5);
    cpu.put("system_cpu_usage", elapsedNanos * ONLINE_CPUS + 1_000_000_000_000L);
    cpu.put("online_cpus", ONLINE_CPUS);
    cpu.putObject("throttling_data").put("periods", 0).put("throttled_periods", 0).put("throttled_time", 0);
    return cpu;
  }
}
