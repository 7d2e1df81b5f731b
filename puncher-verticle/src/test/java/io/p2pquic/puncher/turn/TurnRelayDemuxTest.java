package io.p2pquic.puncher.turn;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.transport.RelayedDatagramPacket;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Demultiplexing rule 1 on a session socket with a real coturn allocation: what the relay carries from a
 * peer arrives as if the peer had sent it (STUN to the STUN handler, QUIC down the pipeline), and the
 * same bytes sent straight from a non-TURN address are classified as before.
 */
class TurnRelayDemuxTest {
  private static Coturn coturn;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final LinkedBlockingQueue<Datagram> stunIn = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<io.netty.channel.socket.DatagramPacket> pipelineIn = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<byte[]> pipelineBytes = new LinkedBlockingQueue<>();
  private Vertx vertx;
  private NettyUdpEndpoint endpoint;
  private RelayAllocation allocation;
  private DatagramSocket channelPeer;
  private DatagramSocket indicationPeer;

  private record Seen(Class<?> type, InetSocketAddress sender, byte[] data) {}

  @BeforeAll
  static void startCoturn() throws Exception {
    coturn = Coturn.start();
  }

  @AfterAll
  static void stopCoturn() throws Exception {
    if (coturn != null) {
      coturn.close();
    }
  }

  @BeforeEach
  void allocate() throws Exception {
    vertx = Vertx.vertx();
    endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler(stunIn::add);
    // Stand-in for the QUIC codec the quic-verticle adds after "demux".
    endpoint.channel().pipeline().addLast(new SimpleChannelInboundHandler<io.netty.channel.socket.DatagramPacket>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, io.netty.channel.socket.DatagramPacket p) {
        pipelineBytes.add(ByteBufUtil.getBytes(p.content()));
        pipelineIn.add(p.retain());
      }
    });
    allocation = await(new TurnClient(vertx, stun, coturn.options("demux").setAutoChannelBind(false), metrics).allocate());
    channelPeer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    indicationPeer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    await(allocation.bindChannel((InetSocketAddress) channelPeer.getLocalSocketAddress()));
    await(allocation.createPermission(indicationPeer.getLocalAddress()));
  }

  @AfterEach
  void close() throws Exception {
    await(allocation.close());
    channelPeer.close();
    indicationPeer.close();
    pipelineIn.forEach(p -> p.release());
    await(endpoint.close());
    await(vertx.close());
  }

  private static void send(DatagramSocket from, byte[] data, InetSocketAddress to) throws Exception {
    from.send(new DatagramPacket(data, data.length, to));
  }

  private static InetSocketAddress addressOf(DatagramSocket s) {
    return (InetSocketAddress) s.getLocalSocketAddress();
  }

  @Test
  void relayedStunReachesTheStunHandlerFromThePeer() throws Exception {
    byte[] check = new StunMessageEncoder().encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build());
    for (DatagramSocket peer : new DatagramSocket[] {channelPeer, indicationPeer}) {
      send(peer, check, allocation.relayedAddress());
      Datagram d = stunIn.poll(5, TimeUnit.SECONDS);
      assertThat(d).isNotNull();
      assertThat(d.data().getBytes()).isEqualTo(check);
      assertThat(d.sender()).as("the peer, not the TURN server").isEqualTo(addressOf(peer));
      assertThat(d.relayed()).isTrue();
      assertThat(d.relayedAddress()).isEqualTo(allocation.relayedAddress());
    }
    assertThat(metrics.counter("p2p.turn.client.relayed.packets", "direction", "in", "via", "channel").count()).isEqualTo(1);
    assertThat(metrics.counter("p2p.turn.client.relayed.packets", "direction", "in", "via", "indication").count()).isEqualTo(1);
    assertThat(pipelineIn).isEmpty();
  }

  @Test
  void relayedQuicReachesThePipelineAsADatagramPacketFromThePeer() throws Exception {
    byte[] longHeader = new byte[1200];
    longHeader[0] = (byte) 0xC3;
    byte[] shortHeader = {0x41, 0x00, 0x00, 0x04, 1, 2, 3, 4, 5, 6}; // also looks like ChannelData 0x4100
    for (DatagramSocket peer : new DatagramSocket[] {channelPeer, indicationPeer}) {
      for (byte[] quic : new byte[][] {longHeader, shortHeader}) {
        send(peer, quic, allocation.relayedAddress());
        io.netty.channel.socket.DatagramPacket p = pipelineIn.poll(5, TimeUnit.SECONDS);
        assertThat(p).isNotNull();
        assertThat(pipelineBytes.poll()).isEqualTo(quic);
        assertThat(p).isInstanceOf(RelayedDatagramPacket.class);
        assertThat(p.sender()).isEqualTo(addressOf(peer));
        assertThat(p.recipient()).as("the socket's own address, as for direct packets").isEqualTo(endpoint.localAddress());
        assertThat(((RelayedDatagramPacket) p).relay()).isSameAs(allocation);
      }
    }
    assertThat(stunIn).isEmpty();
  }

  @Test
  void channelDataLookingBytesFromANonTurnAddressAreQuicAsBefore() throws Exception {
    double quicBefore = metrics.counter("p2p.udp.inbound", "kind", "quic").count();
    byte[] fakeChannelData = {0x40, 0x00, 0x00, 0x04, 9, 9, 9, 9}; // channel 0x4000 is bound, but not from the server
    send(channelPeer, fakeChannelData, endpoint.localAddress());
    io.netty.channel.socket.DatagramPacket p = pipelineIn.poll(5, TimeUnit.SECONDS);
    assertThat(p).isNotNull();
    assertThat(pipelineBytes.poll()).as("passed on untouched, header included").isEqualTo(fakeChannelData);
    assertThat(p).isNotInstanceOf(RelayedDatagramPacket.class);
    assertThat(p.sender()).isEqualTo(addressOf(channelPeer));
    assertThat(metrics.counter("p2p.udp.inbound", "kind", "quic").count()).isEqualTo(quicBefore + 1);
    assertThat(metrics.counter("p2p.udp.inbound", "kind", "turn").count()).isZero();
    assertThat(metrics.counter("p2p.turn.client.relayed.packets", "direction", "in", "via", "channel").count()).isZero();
  }
}
