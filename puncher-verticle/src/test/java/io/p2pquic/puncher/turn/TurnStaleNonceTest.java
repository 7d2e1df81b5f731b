package io.p2pquic.puncher.turn;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** coturn with a 1-second nonce lifetime: requests after it answer 438, and the client retries with the new nonce. */
class TurnStaleNonceTest {
  @Test
  void staleNonceIsRetriedWithTheNewNonce() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    Vertx vertx = Vertx.vertx();
    try (Coturn coturn = Coturn.start("--stale-nonce=1")) {
      NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler();
      RelayAllocation a = await(new TurnClient(vertx, stun, coturn.options("nonce"), metrics).allocate());
      Thread.sleep(2_500);
      assertThat(await(a.refresh())).isEqualTo(Duration.ofSeconds(600));
      Thread.sleep(2_500);
      await(a.createPermission(InetAddress.getLoopbackAddress()));
      assertThat(metrics.counter("p2p.turn.client.stale.nonces").count()).isGreaterThanOrEqualTo(2);
      assertThat(coturn.logContains("438")).isTrue();
      await(a.close());
      await(endpoint.close());
    } finally {
      await(vertx.close());
    }
  }
}
