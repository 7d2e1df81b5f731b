package io.p2pquic.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The life of a benchmark's server JVM ({@link StunServerMain}, {@link TurnServerMain}): serve until
 * SIGTERM, stdin's end (opt-in: a script's background job reads /dev/null) or a time limit, so it always
 * stops by itself; on the way out print the server's own counters ({@code COUNTERS name,tag=v=count ...})
 * for the scripts to cross-check what the load generator saw.
 */
final class ServerProcess {
  private static volatile boolean shutDown;

  private ServerProcess() {}

  /** Blocks until the server should stop, then exits the JVM (which runs the shutdown hook). */
  static void serveUntilStopped(Vertx vertx, StunServer server, MeterRegistry metrics, String counterPrefix,
      long maxSeconds, boolean watchStdin) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      shutdown(vertx, server, metrics, counterPrefix);
    }));
    if (watchStdin) {
      Thread stdinWatcher = new Thread(() -> {
        try (InputStream in = System.in) {
          while (in.read() >= 0) {
            // ignore input; EOF means the parent went away
          }
        } catch (IOException ignored) {
          // treat as EOF
        }
        stop.countDown();
      }, "stdin-watcher");
      stdinWatcher.setDaemon(true);
      stdinWatcher.start();
    }
    if (!stop.await(maxSeconds, TimeUnit.SECONDS)) {
      System.out.println("max-seconds reached, stopping");
    }
    System.exit(0);
  }

  private static synchronized void shutdown(Vertx vertx, StunServer server, MeterRegistry metrics, String counterPrefix) {
    if (shutDown) {
      return;
    }
    shutDown = true;
    StringBuilder sb = new StringBuilder("COUNTERS");
    for (Meter m : metrics.getMeters()) {
      if (m instanceof Counter c && m.getId().getName().startsWith(counterPrefix)) {
        sb.append(' ').append(m.getId().getName());
        m.getId().getTags().forEach(t -> sb.append(',').append(t.getKey()).append('=').append(t.getValue()));
        sb.append('=').append((long) c.count());
      }
    }
    System.out.println(sb);
    try {
      server.stop().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("shutdown: " + e);
    }
    System.out.flush();
  }
}
