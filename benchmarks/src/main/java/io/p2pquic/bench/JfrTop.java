package io.p2pquic.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording of the STUN server spent its event-loop time and its allocations, as Markdown:
 * CPU samples ({@code jdk.ExecutionSample}, Java code) and native samples ({@code jdk.NativeMethodSample},
 * mostly socket system calls) of the Vert.x event-loop threads, the methods most often on top of the
 * stack (self) and the project's methods most often anywhere on it (inclusive), bytes allocated by
 * allocating method ({@code jdk.ObjectAllocationSample}), and GC pauses. run-stun-bench.sh uses it to
 * name the server's hot spots.
 *
 * <pre>java -cp benchmarks.jar io.p2pquic.bench.JfrTop server.jfr [N]</pre>
 */
public final class JfrTop {
  private static final String EVENT_LOOP = "vert.x-eventloop-thread";

  private JfrTop() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: JfrTop RECORDING.jfr [N (default 12)]");
      System.exit(2);
      return;
    }
    int n = args.length == 2 ? Integer.parseInt(args[1]) : 12;
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> nativeTop = new HashMap<>();
    Map<String, Long> allocated = new HashMap<>();
    long javaSamples = 0;
    long nativeSamples = 0;
    long allocatedTotal = 0;
    long gcCount = 0;
    Duration gcPauses = Duration.ZERO;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      String type = e.getEventType().getName();
      switch (type) {
        case "jdk.ExecutionSample", "jdk.NativeMethodSample" -> {
          RecordedStackTrace st = e.getStackTrace();
          if (!onEventLoop(e, "sampledThread") || st == null || st.getFrames().isEmpty()) {
            continue;
          }
          List<RecordedFrame> frames = st.getFrames();
          if (type.equals("jdk.NativeMethodSample")) {
            nativeSamples++;
            nativeTop.merge(name(frames.get(0).getMethod()), 1L, Long::sum);
            continue;
          }
          javaSamples++;
          self.merge(name(frames.get(0).getMethod()), 1L, Long::sum);
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : frames) {
            String m = name(f.getMethod());
            if (m.startsWith("io.p2pquic.") && !m.contains("$$Lambda") && seen.add(m)) {
              inclusive.merge(m, 1L, Long::sum);
            }
          }
        }
        case "jdk.ObjectAllocationSample" -> {
          RecordedStackTrace st = e.getStackTrace();
          if (!onEventLoop(e, "eventThread") || st == null || st.getFrames().isEmpty()) {
            continue;
          }
          long weight = e.getLong("weight");
          allocatedTotal += weight;
          allocated.merge(firstProjectOrTop(st.getFrames()), weight, Long::sum);
        }
        case "jdk.GarbageCollection" -> {
          gcCount++;
          gcPauses = gcPauses.plus(e.getDuration("sumOfPauses"));
        }
        default -> { }
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "Event-loop threads: %d samples in Java code, %d in native code (socket calls, epoll); "
            + "%d garbage collections, %d ms of pauses in all.%n%n",
        javaSamples, nativeSamples, gcCount, gcPauses.toMillis()));
    table(sb, "Java code, top of stack (self)", self, javaSamples, n, "samples");
    sb.append('\n');
    table(sb, "io.p2pquic method anywhere on the stack (inclusive)", inclusive, javaSamples, n, "samples");
    sb.append('\n');
    table(sb, "native code, top of stack", nativeTop, nativeSamples, Math.min(n, 5), "samples");
    sb.append('\n');
    table(sb, "allocated by (first io.p2pquic frame, else top frame)", allocated, allocatedTotal, Math.min(n, 6), "sampled bytes");
    System.out.print(sb);
  }

  private static boolean onEventLoop(RecordedEvent e, String field) {
    RecordedThread t = e.getThread(field);
    return t != null && t.getJavaName() != null && t.getJavaName().startsWith(EVENT_LOOP);
  }

  private static String firstProjectOrTop(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String m = name(f.getMethod());
      if (m.startsWith("io.p2pquic.") && !m.contains("$$Lambda")) {
        return m;
      }
    }
    return name(frames.get(0).getMethod());
  }

  private static void table(StringBuilder sb, String what, Map<String, Long> counts, long total, int n, String unit) {
    sb.append("| ").append(what).append(" | ").append(unit).append(" | share |\n|---|---:|---:|\n");
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(n)
        .forEach(en -> sb.append(String.format(Locale.ROOT, "| `%s` | %d | %.1f%% |%n",
            en.getKey(), en.getValue(), total == 0 ? 0 : 100.0 * en.getValue() / total)));
  }

  private static String name(RecordedMethod m) {
    return m.getType().getName() + "." + m.getName();
  }
}
