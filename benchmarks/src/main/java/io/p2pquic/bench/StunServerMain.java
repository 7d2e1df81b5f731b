package io.p2pquic.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's {@link StunServer} alone in this JVM, UDP only, on 127.0.0.1, so that the load
 * generator and the server do not share a heap or a JIT. Prints {@code READY udp 127.0.0.1:PORT} once
 * bound; stops on SIGTERM, when stdin closes if {@code --stop-on-stdin-eof} is given (a script's
 * background job reads /dev/null, so that is opt-in), or after {@code --max-seconds}: it always stops by
 * itself.
 * On the way out it prints the server's own counters, to cross-check what the load generator saw.
 *
 * <pre>java -cp benchmarks.jar io.p2pquic.bench.StunServerMain --port 34780 --max-seconds 600</pre>
 */
public final class StunServerMain {
  private StunServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = 34780;
    long maxSeconds = 600;
    boolean watchStdin = false;
    int loops = StunServerConfig.DEFAULT_UDP_EVENT_LOOPS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--max-seconds" -> maxSeconds = Long.parseLong(args[++i]);
        case "--stop-on-stdin-eof" -> watchStdin = true;
        case "--udp-event-loops" -> loops = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          System.out.println("usage: StunServerMain [--port N (default 34780)] [--max-seconds S (default 600)] [--stop-on-stdin-eof]"
              + " [--udp-event-loops N (0: one per core, as stun.udpEventLoops)]");
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + " (try --help)");
          System.exit(2);
        }
      }
    }
    if (port < 1 || port > 65535 || maxSeconds < 1 || maxSeconds > 24 * 3600) {
      System.err.println("--port must be 1-65535 and --max-seconds 1-86400");
      System.exit(2);
    }

    // The node's registry type, so counter increments cost what they cost in production.
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // As the node runs its rendezvous: on Vert.x's native transport (epoll) where the platform has it.
    Vertx vertx = Vertx.builder().withTransport(io.p2pquic.quic.DatagramSockets.nodeTransport()).build();
    StunServer server =
        new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(port).setTcp(false)
            .setUdpEventLoops(loops), metrics);
    server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("READY udp 127.0.0.1:" + server.udpAddress().getPort());
    System.out.flush();

    ServerProcess.serveUntilStopped(vertx, server, metrics, "p2p.stun", maxSeconds, watchStdin);
  }
}
