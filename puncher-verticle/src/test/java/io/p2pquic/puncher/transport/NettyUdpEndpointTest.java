package io.p2pquic.puncher.transport;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One session socket: STUN to the puncher, QUIC on down the pipeline, the rest counted and dropped. */
class NettyUdpEndpointTest {
  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void demultiplexesStunQuicAndNoiseOnOneChannel() throws Exception {
    NettyUdpEndpoint a = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    NettyUdpEndpoint b = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    LinkedBlockingQueue<Datagram> stun = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<byte[]> quic = new LinkedBlockingQueue<>();
    b.stunHandler(stun::add);
    // Stand-in for the QUIC codec the quic-verticle adds after the demultiplexer.
    b.channel().pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
        quic.add(ByteBufUtil.getBytes(p.content()));
      }
    });
    byte[] request = new StunMessageEncoder().encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
    byte[] quicInitial = new byte[1200];
    quicInitial[0] = (byte) 0xC3;
    byte[] noise = {0x10, 0x20, 0x30};

    await(a.send(Buffer.buffer(noise), b.localAddress()));
    await(a.send(Buffer.buffer(request), b.localAddress()));
    await(a.send(Buffer.buffer(quicInitial), b.localAddress()));

    Datagram got = stun.poll(5, TimeUnit.SECONDS);
    assertThat(got).isNotNull();
    assertThat(got.data().getBytes()).isEqualTo(request);
    assertThat(got.sender()).isEqualTo(new InetSocketAddress("127.0.0.1", a.localAddress().getPort()));
    assertThat(quic.poll(5, TimeUnit.SECONDS)).isEqualTo(quicInitial);
    assertThat(stun).isEmpty();
    assertThat(metrics.counter("p2p.udp.dropped", "kind", "other").count()).isEqualTo(1);
    assertThat(metrics.counter("p2p.udp.inbound", "kind", "stun").count()).isEqualTo(1);
    assertThat(metrics.counter("p2p.udp.inbound", "kind", "quic").count()).isEqualTo(1);
    await(a.close());
    await(b.close());
  }
}
