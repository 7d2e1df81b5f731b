package io.p2pquic.puncher.stun;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** STUN Binding over TCP against the real server on loopback. */
@ExtendWith(VertxExtension.class)
class StunTcpClientTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @Test
  void bindingOverTcpFromAnEphemeralPort(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    try {
      InetSocketAddress mapped = await(new StunTcpClient(vertx, metrics).bindingOverTcp(server.tcpAddress()));
      assertThat(mapped.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(mapped.getPort()).isPositive().isNotEqualTo(server.tcpAddress().getPort());
    } finally {
      await(server.stop());
    }
  }

  @Test
  void bindingOverTcpFromAChosenLocalPortTwiceAtOnce(Vertx vertx) throws Exception {
    StunServer a = RealStunServer.plain(vertx);
    StunServer b = RealStunServer.plain(vertx);
    try {
      int local = TestSupport.freeTcpPort();
      StunTcpClient client = new StunTcpClient(vertx, metrics);
      // Both connections bind the same local port (address/port reuse), as TCP simultaneous open needs.
      Future<InetSocketAddress> fa = client.bindingOverTcp(a.tcpAddress(), local);
      Future<InetSocketAddress> fb = client.bindingOverTcp(b.tcpAddress(), local);
      assertThat(await(fa).getPort()).isEqualTo(local);
      assertThat(await(fb).getPort()).isEqualTo(local);
    } finally {
      await(a.stop());
      await(b.stop());
    }
  }

  @Test
  void aSilentTcpServerTimesOut(Vertx vertx) throws Exception {
    NetServer silent = await(vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1"));
    try {
      InetSocketAddress addr = new InetSocketAddress("127.0.0.1", silent.actualPort());
      Throwable t = awaitFailure(new StunTcpClient(vertx, metrics).bindingOverTcp(addr, null, Duration.ofMillis(300)));
      assertThat(t).isInstanceOf(StunTimeoutException.class).hasMessageContaining("over TCP");
      assertThat(metrics.counter("p2p.stun.client.tcp.failures", "reason", "timeout").count()).isEqualTo(1);
    } finally {
      await(silent.close());
    }
  }

  @Test
  void connectionRefusedFailsFast(Vertx vertx) throws Exception {
    int port = TestSupport.freeTcpPort();
    Throwable t = awaitFailure(new StunTcpClient(vertx, metrics)
        .bindingOverTcp(new InetSocketAddress("127.0.0.1", port), null, Duration.ofSeconds(5)));
    assertThat(t).isInstanceOf(StunException.class).hasMessageContaining("TCP connect");
  }
}
