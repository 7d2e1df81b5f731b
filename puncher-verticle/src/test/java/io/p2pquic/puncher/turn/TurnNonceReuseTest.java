package io.p2pquic.puncher.turn;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.p2pquic.rendezvous.turn.TurnMetrics;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.p2pquic.rendezvous.turn.TurnServerConfig;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client's first Allocate carries the realm and nonce an earlier client of the same Vert.x learnt from
 * the same server for the same user: one round trip less where the server takes it (ours: its nonces are
 * bound to the client's IP, not its port), the usual challenge where it does not.
 */
@ExtendWith(VertxExtension.class)
class TurnNonceReuseTest {
  private static final String SECRET = "nonce-reuse-secret";
  private final SimpleMeterRegistry clientMetrics = new SimpleMeterRegistry();

  private RelayAllocation allocateOnNewSocket(Vertx vertx, TurnClientOptions options) throws Exception {
    NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, clientMetrics));
    StunClient stun = new StunClient(vertx, endpoint, clientMetrics).installAsHandler();
    return await(new TurnClient(vertx, stun, options, clientMetrics).allocate());
  }

  private double reuses(String outcome) {
    Counter c = clientMetrics.find("p2p.turn.client.nonce.reuses").tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aSecondAllocationOnOurServerSkipsTheChallenge(Vertx vertx) throws Exception {
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    TurnServer turn = new TurnServer(vertx, new TurnServerConfig().setAuthSecrets(List.of(SECRET)).setRelayAddress("127.0.0.1")
        .setAllowedPeerRanges(List.of("127.0.0.0/8")), "127.0.0.1", "p2p-quic-test", serverMetrics);
    StunServer server = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcp(false),
        serverMetrics, turn);
    await(server.start());
    try {
      TurnClientOptions alice = options(server.udpAddress().getPort(), "alice");

      RelayAllocation first = allocateOnNewSocket(vertx, alice);
      assertThat(serverMetrics.counter(TurnMetrics.AUTH_CHALLENGES).count()).isEqualTo(1);
      assertThat(reuses("accepted") + reuses("refused")).as("nothing learnt before the first").isZero();

      RelayAllocation second = allocateOnNewSocket(vertx, alice);
      assertThat(second.relayedAddress()).isNotEqualTo(first.relayedAddress());
      assertThat(serverMetrics.counter(TurnMetrics.AUTH_CHALLENGES).count()).as("no second challenge").isEqualTo(1);
      assertThat(reuses("accepted")).isEqualTo(1);

      allocateOnNewSocket(vertx, options(server.udpAddress().getPort(), "bob"));
      assertThat(serverMetrics.counter(TurnMetrics.AUTH_CHALLENGES).count()).as("another user is challenged").isEqualTo(2);
      assertThat(reuses("accepted") + reuses("refused")).isEqualTo(1);
    } finally {
      await(server.stop());
    }
  }

  /** coturn ties a nonce to the 5-tuple it issued it on: the reused one is refused and the client goes on. */
  @Test
  void aServerThatRefusesTheReusedNonceStillAllocates(Vertx vertx) throws Exception {
    try (Coturn coturn = Coturn.start()) {
      TurnClientOptions carol = coturn.options("carol");
      RelayAllocation first = allocateOnNewSocket(vertx, carol);
      RelayAllocation second = allocateOnNewSocket(vertx, carol);
      assertThat(second.relayedAddress()).isNotEqualTo(first.relayedAddress());
      assertThat(reuses("refused")).as("coturn challenged again").isEqualTo(1);
      assertThat(reuses("accepted")).isZero();
    }
  }

  private static TurnClientOptions options(int port, String user) {
    TurnRestCredentials c = TurnRestCredentials.issue(SECRET.getBytes(StandardCharsets.UTF_8), user,
        Instant.now().plus(Duration.ofHours(1)));
    return new TurnClientOptions("127.0.0.1", port, c.username(), c.password());
  }
}
