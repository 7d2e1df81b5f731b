package io.p2pquic.puncher.ice.virtual;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Netty channel on the virtual network: the session socket ({@link NettyUdpEndpoint}) binds, sends, receives on it. */
class VirtualDatagramChannelTest {
  /** One event loop: agents, STUN and the network share one thread and one order. */
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass(new VertxOptions().setEventLoopPoolSize(1));
  private static final Vertx vertx = VERTX.vertx();
  private static final RetransmitPolicy ONE = RetransmitPolicy.of(30, 2, 2);

  @Test
  void aWildcardBindTakesTheVirtualHostsIpAndStunSeesTheNatMapping() throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    VirtualStunServer stun = VirtualStunServer.start(net, "198.51.100.1", 3478);
    net.addHost("10.0.0.2", net.addNat("203.0.113.1", VirtualNatType.PORT_RESTRICTED));
    NettyUdpEndpoint socket = await(NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, new SimpleMeterRegistry(),
        net.channels("10.0.0.2")));
    assertThat(socket.channel()).isInstanceOf(VirtualDatagramChannel.class);
    assertThat(socket.localAddress()).isEqualTo(new InetSocketAddress("10.0.0.2", 5000));
    StunClient client = await(net.call(() -> Future.succeededFuture(
        new StunClient(vertx, socket, new SimpleMeterRegistry()).installAsHandler())));

    InetSocketAddress mapped = await(client.binding(stun.address(), ONE));

    assertThat(mapped).isEqualTo(new InetSocketAddress("203.0.113.1", 40_000));
    await(socket.close());
    assertThat(socket.channel().isOpen()).isFalse();
    // The port is free again.
    NettyUdpEndpoint again = await(NettyUdpEndpoint.bind(vertx, "10.0.0.2", 5000, new SimpleMeterRegistry(),
        net.channels("10.0.0.2")));
    assertThat(again.localAddress().getPort()).isEqualTo(5000);
  }

  @Test
  void anIpv6BindFailsSoSessionsFallBackToIpv4() throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    net.addHost("10.0.0.2", null);
    Throwable err = awaitFailure(NettyUdpEndpoint.bind(vertx, "::", 0, new SimpleMeterRegistry(), net.channels("10.0.0.2")));
    assertThat(err).hasMessageContaining("IPv6");
  }

  @Test
  void totalLossTimesStunOutAndIsCounted() throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    VirtualStunServer stun = VirtualStunServer.start(net, "198.51.100.1", 3478);
    net.addHost("10.0.0.2", net.addNat("203.0.113.1", VirtualNatType.FULL_CONE));
    net.loss(1.0, 7);
    NettyUdpEndpoint socket = await(NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, new SimpleMeterRegistry(),
        net.channels("10.0.0.2")));
    StunClient client = await(net.call(() -> Future.succeededFuture(
        new StunClient(vertx, socket, new SimpleMeterRegistry()).installAsHandler())));

    assertThat(awaitFailure(client.binding(stun.address(), ONE))).isInstanceOf(StunTimeoutException.class);
    assertThat(net.drops()).containsKey("loss");
  }
}
