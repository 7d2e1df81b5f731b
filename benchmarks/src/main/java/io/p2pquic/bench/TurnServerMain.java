package io.p2pquic.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.p2pquic.rendezvous.turn.TurnServerConfig;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's STUN server with its TURN relay alone in this JVM on 127.0.0.1 (UDP and TCP), with
 * a use-auth-secret secret, 127.0.0.0/8 peers allowed and no bandwidth or allocation quota, for
 * benchmarks/run-turn-bench.sh. Prints {@code READY 127.0.0.1:PORT}; stops on SIGTERM or after
 * {@code --max-seconds}, printing the relay's counters.
 *
 * <pre>java -cp benchmarks.jar io.p2pquic.bench.TurnServerMain --port 34782 --secret s --max-seconds 600</pre>
 */
public final class TurnServerMain {
  private TurnServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = 34782;
    long maxSeconds = 600;
    String secret = "bench-secret";
    int loops = StunServerConfig.DEFAULT_UDP_EVENT_LOOPS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--max-seconds" -> maxSeconds = Long.parseLong(args[++i]);
        case "--secret" -> secret = args[++i];
        case "--udp-event-loops" -> loops = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          System.out.println("usage: TurnServerMain [--port N (34782)] [--secret S] [--max-seconds S (600)]"
              + " [--udp-event-loops N (0: one per core, as stun.udpEventLoops)]");
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + " (try --help)");
          System.exit(2);
        }
      }
    }
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // As the node runs its rendezvous: on Vert.x's native transport (epoll) where the platform has it.
    Vertx vertx = Vertx.builder().withTransport(io.p2pquic.quic.DatagramSockets.nodeTransport()).build();
    TurnServerConfig cfg = new TurnServerConfig().setAuthSecrets(List.of(secret)).setRelayAddress("127.0.0.1")
        .setAllowedPeerRanges(List.of("127.0.0.0/8")).setBandwidthBytesPerSecond(0)
        .setMaxAllocations(0).setMaxAllocationsPerUser(0).setMaxAllocationsPerIp(0);
    TurnServer turn = new TurnServer(vertx, cfg, "127.0.0.1", "p2p-quic", metrics);
    StunServer server = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(port)
        .setUdpEventLoops(loops), metrics, turn);
    server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("READY 127.0.0.1:" + server.udpAddress().getPort());
    System.out.flush();
    ServerProcess.serveUntilStopped(vertx, server, metrics, "p2p.turn", maxSeconds, false);
  }
}
