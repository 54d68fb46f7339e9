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
 * and thread count. Usage: JvmProbe PID [PID...]; prints one JSON object per line.
 */
public final class JvmProbe {
  public static void main(String[] args) throws Exception {
    for (String pid : args) {
      VirtualMachine vm = VirtualMachine.attach(pid);
      String address;
      try {
        address = vm.startLocalManagementAgent();
      } finally {
        vm.detach();
      }
      try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
        MBeanServerConnection mbs = connector.getMBeanServerConnection();
        ObjectName threading = new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME);
        ObjectName os = new ObjectName(ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME);
        ObjectName memory = new ObjectName(ManagementFactory.MEMORY_MXBEAN_NAME);
        long allocated = (Long) mbs.getAttribute(threading, "TotalThreadAllocatedBytes");
        int threads = (Integer) mbs.getAttribute(threading, "ThreadCount");
        long cpu = (Long) mbs.getAttribute(os, "ProcessCpuTime");
        javax.management.openmbean.CompositeData heap =
            (javax.management.openmbean.CompositeData) mbs.getAttribute(memory, "HeapMemoryUsage");
        long heapUsed = (Long) heap.get("used");
        long heapCommitted = (Long) heap.get("committed");
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"pid\": %s, \"allocated_bytes\": %d, \"threads\": %d, \"cpu_ns\": %d, "
                    + "\"heap_used\": %d, \"heap_committed\": %d}",
                pid, allocated, threads, cpu, heapUsed, heapCommitted));
      }
    }
  }
}
