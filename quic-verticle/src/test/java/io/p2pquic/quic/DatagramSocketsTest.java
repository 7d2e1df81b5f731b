package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.p2pquic.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** UDP sockets on the node's epoll transport are of the family asked for, as on the JDK transport. */
class DatagramSocketsTest {

  @Test
  void p2pTransportNioPicksTheJdkTransport() {
    System.setProperty(DatagramSockets.TRANSPORT_PROPERTY, "nio");
    try {
      assertThat(DatagramSockets.nodeTransport()).isSameAs(io.vertx.core.transport.Transport.NIO);
    } finally {
      System.clearProperty(DatagramSockets.TRANSPORT_PROPERTY);
    }
    assertThat(DatagramSockets.nodeTransport().name()).isEqualTo("epoll");
  }

  @Test
  void anIpv4WildcardSocketIsIpv4OnTheNodeTransportAndOnVertxsStockEpoll() throws Exception {
    Vertx node = Vertx.builder().withTransport(DatagramSockets.nodeTransport()).build();
    Vertx stock = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    try {
      assertThat(node.isNativeTransportEnabled()).isTrue();
      DatagramSocket socket = Await.result(node.createDatagramSocket(new DatagramSocketOptions().setIpV6(false))
          .listen(0, "0.0.0.0"), Duration.ofSeconds(10));
      assertThat(socket.localAddress().hostAddress()).as("Vert.x's own epoll transport would say ::").isEqualTo("0.0.0.0");
      socket.close();

      for (Vertx vertx : new Vertx[] {node, stock}) {
        DatagramChannel ch = DatagramSockets.factory(vertx).apply(SocketProtocolFamily.INET);
        assertThat(ch).isInstanceOf(EpollDatagramChannel.class);
        ((VertxInternal) vertx).nettyEventLoopGroup().next().register(ch).sync();
        ch.bind(new InetSocketAddress("0.0.0.0", 0)).sync();
        assertThat(ch.localAddress().getAddress().getHostAddress()).isEqualTo("0.0.0.0");
        ch.close().sync();
      }
    } finally {
      node.close();
      stock.close();
    }
  }
}
