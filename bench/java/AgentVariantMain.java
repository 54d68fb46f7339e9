/**
 * Launcher for the "agent" variant only. The OpenTelemetry Java agent and the app's own SDK
 * autoconfiguration read the same sources (system properties, then OTEL_* environment variables),
 * so no -D/env split can disable one and not the other. The agent reads its configuration in
 * premain, before any main method runs; this launcher then sets otel.sdk.disabled=true, which only
 * the app's SDK (built later, in its main) sees, and hands over to the app's real main class.
 *
 * <p>Usage: java -javaagent:AGENT.jar -cp BENCH_CLASSES:sample-app.jar AgentVariantMain MAINCLASS
 * [ARGS...]
 */
public final class AgentVariantMain {
  public static void main(String[] args) throws Throwable {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: AgentVariantMain MAINCLASS [ARGS...]");
    }
    System.setProperty("otel.sdk.disabled", "true");
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    try {
      Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) rest);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
