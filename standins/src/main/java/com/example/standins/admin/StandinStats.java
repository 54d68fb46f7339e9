package com.example.standins.admin;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe counters behind GET /admin/stats: requests by outcome and the telemetry volumes received. */
public final class StandinStats {
  private final Map<String, LongAdder> accepted = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> received = new ConcurrentHashMap<>();

  private StandinStats() {}

  public static StandinStats create() {
    return new StandinStats();
  }

  /** Counts one answered request: status below 400 is accepted (per route), anything else rejected (per reason). */
  public void recordRequest(String route, int status, String outcome) {
    if (status < 400) {
      accepted.computeIfAbsent(route, k -> new LongAdder()).increment();
    } else {
      rejected.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }
  }

  /** Adds to a telemetry counter such as "segments", "spans", "series", "samples". */
  public void add(String counter, long amount) {
    received.computeIfAbsent(counter, k -> new LongAdder()).add(amount);
  }

  public long received(String counter) {
    LongAdder adder = received.get(counter);
    return adder == null ? 0 : adder.sum();
  }

  public long rejected(String outcome) {
    LongAdder adder = rejected.get(outcome);
    return adder == null ? 0 : adder.sum();
  }

  public void reset() {
    accepted.clear();
    rejected.clear();
    received.clear();
  }

  /** Snapshot shaped for JSON: {"accepted":{route:n},"acceptedTotal":n,"rejected":{reason:n},"rejectedTotal":n,...}. */
  public Map<String, Object> snapshot() {
    Map<String, Object> out = new TreeMap<>();
    Map<String, Long> acc = sums(accepted);
    Map<String, Long> rej = sums(rejected);
    out.put("accepted", acc);
    out.put("acceptedTotal", acc.values().stream().mapToLong(Long::longValue).sum());
    out.put("rejected", rej);
    out.put("rejectedTotal", rej.values().stream().mapToLong(Long::longValue).sum());
    out.put("received", sums(received));
    return out;
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
