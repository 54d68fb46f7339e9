import com.sun.tools.attach.VirtualMachine;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads counters of a running JVM through the Attach API and its local (in-process, no network
 * port) JMX agent: total bytes allocated by all threads since JVM start, including threads that have
 * ended (com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes), process CPU time, heap used
 * and thread count, and the JIT's accumulated compilation time (CompilationMXBean#getTotalCompilationTime,
 * milliseconds). Usage: JvmProbe PID [PID...]; prints one JSON object per line.
 *
 * <p>JvmProbe --serve PID: attaches once, then prints the same object (plus "t_ms", this process's
 * monotonic clock) for every line it reads on stdin, until stdin closes. The bench's warm-up polls the
 * JIT this way: one JVM start and one attach per warm-up, not one per sample (each start costs the
 * loader's core about half a CPU-second).
 */
public final class JvmProbe {
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--serve")) {
      serve(args[1]);
      return;
    }
    for (String pid : args) {
      try (JMXConnector connector = connect(pid)) {
        System.out.println(read(pid, connector.getMBeanServerConnection()));
      }
    }
  }

  private static JMXConnector connect(String pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(pid);
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    return JMXConnectorFactory.connect(new JMXServiceURL(address));
  }

  /** One sample per line read on stdin; returns at the end of input. */
  private static void serve(String pid) throws Exception {
    java.io.BufferedReader in =
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, "UTF-8"));
    try (JMXConnector connector = connect(pid)) {
      MBeanServerConnection mbs = connector.getMBeanServerConnection();
      long start = System.nanoTime();
      while (in.readLine() != null) {
        String sample = read(pid, mbs);
        long tMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println(sample.substring(0, sample.length() - 1) + ", \"t_ms\": " + tMs + "}");
        System.out.flush();
      }
    }
  }

  private static String read(String pid, MBeanServerConnection mbs) throws Exception {
    ObjectName threading = new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME);
    ObjectName os = new ObjectName(ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME);
    ObjectName memory = new ObjectName(ManagementFactory.MEMORY_MXBEAN_NAME);
    ObjectName compilation = new ObjectName(ManagementFactory.COMPILATION_MXBEAN_NAME);
    long allocated = (Long) mbs.getAttribute(threading, "TotalThreadAllocatedBytes");
    int threads = (Integer) mbs.getAttribute(threading, "ThreadCount");
    long cpu = (Long) mbs.getAttribute(os, "ProcessCpuTime");
    long compileMs = (Long) mbs.getAttribute(compilation, "TotalCompilationTime");
    javax.management.openmbean.CompositeData heap =
        (javax.management.openmbean.CompositeData) mbs.getAttribute(memory, "HeapMemoryUsage");
    long heapUsed = (Long) heap.get("used");
    long heapCommitted = (Long) heap.get("committed");
    return String.format(
        Locale.ROOT,
        "{\"pid\": %s, \"allocated_bytes\": %d, \"threads\": %d, \"cpu_ns\": %d, "
            + "\"heap_used\": %d, \"heap_committed\": %d, \"compile_ms\": %d}",
        pid, allocated, threads, cpu, heapUsed, heapCommitted, compileMs);
  }
}
