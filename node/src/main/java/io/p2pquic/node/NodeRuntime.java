package io.p2pquic.node;

import com.hazelcast.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.quic.DatagramSockets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** What every long-running command needs: a Vert.x (clustered or not), metrics, and a clean stop. */
final class NodeRuntime {
  private NodeRuntime() {}

  /** A timeline printed line by line as it happens (long-running commands). */
  static io.p2pquic.api.timeline.Timeline printingTimeline(java.io.PrintWriter out) {
    return new io.p2pquic.api.timeline.Timeline().listener(e -> {
      out.println(e.format());
      out.flush();
    });
  }

  static PrometheusMeterRegistry metrics() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(MetricDescriptions.filter());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
    return registry;
  }

  /**
   * A Vert.x on the node's transport: epoll on Linux (DatagramSockets.nodeTransport), so session
   * sockets batch their receives (recvmmsg) and sends (UDP GSO); the JDK's where epoll does not load.
   */
  static VertxBuilder builder() {
    return Vertx.builder().withTransport(DatagramSockets.nodeTransport());
  }

  /** A local (not clustered) Vert.x for the one-shot commands. */
  static Vertx vertx() {
    return builder().build();
  }

  static Vertx vertx(boolean cluster, Path clusterConfig) {
    return vertx(cluster, clusterConfig, null);
  }

  /**
   * A Vert.x whose own metrics (HTTP server, event bus, pools, net) go to {@code metrics} as
   * {@code vertx_*} next to the {@code p2p_*} ones, when a registry is given: the rendezvous only. On a
   * peer (vertx-micrometer 5.1.6 on Vert.x 5.1.1) its signalling WebSocket connect hung until the pool
   * evicted it (10 s) and SignallingRecoveryLabTest's conntrack flush was not recovered from within 20 s,
   * also with the HTTP client metrics off; the peer builds its Vert.x without them.
   */
  static Vertx vertx(boolean cluster, Path clusterConfig, MeterRegistry metrics) {
    VertxBuilder builder = builder();
    if (metrics != null) {
      builder.with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
              .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_CLIENT)))
          .withMetrics(new MicrometerMetricsFactory(metrics));
    }
    if (!cluster) {
      return builder.build();
    }
    Config file = ClusterConfigs.build(ConfigFiles.clusterXml(clusterConfig), ClusterConfigs.secretFromEnvironment());
    return await(
        builder.withClusterManager(new HazelcastClusterManager(file)).buildClustered(),
        Duration.ofSeconds(60),
        "joining the Hazelcast cluster (check conf/cluster.xml members and ports)");
  }

  static <T> T await(Future<T> f, Duration timeout, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s " + what);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what);
    }
  }

  /**
   * Clean-up after the work is done (goodbyes, closing Vert.x): waits at most {@code timeout} and never
   * fails the command: on a lossy link a goodbye can outlast it, and the transfer's outcome already stands.
   */
  static void awaitCleanup(Future<?> f, Duration timeout, String what) {
    try {
      await(f, timeout, what);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(NodeRuntime.class).warn("{}: {}; exiting anyway", what, e.getMessage());
    }
  }

  /**
   * Blocks until SIGINT/SIGTERM (exit code 0) or until {@code fatal} completes (its message printed, exit
   * code 1, e.g. this peer id registered by another process), then closes Vert.x.
   */
  static int runUntilStopped(Vertx vertx, PeerNode node, java.io.PrintWriter err) {
    return runUntilStopped(vertx, node.puncher.replaced(), err, () -> node.goodbye("peer stopped"));
  }

  static int runUntilStopped(Vertx vertx, Future<String> fatal, java.io.PrintWriter err,
      java.util.function.Supplier<Future<Void>> beforeClose) {
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    String[] why = {null};
    fatal.onSuccess(message -> {
      why[0] = message;
      done.countDown();
    });
    // The hook holds the JVM until Vert.x is closed (sessions say goodbye), at most 12 s.
    Thread hook = new Thread(() -> {
      done.countDown();
      try {
        closed.await(12, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "p2p-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (why[0] != null) {
      Runtime.getRuntime().removeShutdownHook(hook);
      err.println("error: " + why[0] + "; this one stops.");
      err.flush();
    }
    try {
      await(beforeClose.get().otherwiseEmpty(), Duration.ofSeconds(3), "saying goodbye");
      await(vertx.close(), Duration.ofSeconds(10), "stopping");
    } catch (RuntimeException e) {
      // stopping anyway
    } finally {
      closed.countDown();
    }
    return why[0] == null ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** Blocks the main thread until SIGINT/SIGTERM, then closes Vert.x (undeploying everything). */
  static void runUntilStopped(Vertx vertx) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // shutting down anyway
      }
      stopped.countDown();
    }, "p2p-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
