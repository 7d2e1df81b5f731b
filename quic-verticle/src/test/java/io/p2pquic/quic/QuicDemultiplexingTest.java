package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One socket, two protocols: with a STUN demultiplexer in front of the QUIC codec on both channels,
 * QUIC works in both directions while STUN keeps flowing over the very same sockets, both ways.
 */
class QuicDemultiplexingTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();

  /** A STUN Binding request header (RFC 8489): type 0x0001, length 0, magic cookie, transaction id. */
  private static byte[] stunBindingRequest() {
    ByteBuffer b = ByteBuffer.allocate(20);
    b.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442);
    byte[] txid = new byte[12];
    ThreadLocalRandom.current().nextBytes(txid);
    b.put(txid);
    return b.array();
  }

  private static void sendStun(Endpoint from, InetSocketAddress to, byte[] packet) {
    // Written at the pipeline's tail, so it passes the QUIC codec on its way out, like the puncher's STUN.
    from.channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(packet), to)).syncUninterruptibly();
  }

  private static Buffer echo(QuicPeerStream s, String text) throws Exception {
    CompletableFuture<Buffer> done = new CompletableFuture<>();
    Buffer got = Buffer.buffer();
    s.handler(got::appendBuffer).endHandler(v -> done.complete(got));
    s.end(Buffer.buffer(text));
    return done.get(5, TimeUnit.SECONDS);
  }

  @Test
  void stunAndQuicShareTheChannelBothWays() throws Exception {
    PeerIdentity alice = PeerIdentity.generate();
    PeerIdentity bob = PeerIdentity.generate();
    Endpoint a = QuicTestSupport.bind(vertx);
    Endpoint b = QuicTestSupport.bind(vertx);
    try {
      // STUN before QUIC is adopted (as during ICE checks)
      byte[] early = stunBindingRequest();
      sendStun(a, b.address(), early);
      assertThat(b.demux().stun.poll(5, TimeUnit.SECONDS)).isEqualTo(early);

      CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
      await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> id.equals(alice.peerId()), new QuicOptions())
          .connectionHandler(conn -> {
            conn.streamHandler(s -> {
              s.handler(s::write);
              s.endHandler(v -> s.end());
            });
            accepted.complete(conn);
          })
          .start());
      QuicPeerConnection client = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
          bob.peerId(), new QuicOptions()));
      client.streamHandler(s -> {
        s.handler(s::write);
        s.endHandler(v -> s.end());
      });
      QuicPeerConnection server = accepted.get(5, TimeUnit.SECONDS);
      assertThat(a.channel().pipeline().names()).startsWith("demux", QuicPeerEndpoint.CODEC_NAME);
      assertThat(b.channel().pipeline().names()).startsWith("demux", QuicPeerEndpoint.CODEC_NAME);

      // QUIC both ways: each side opens a stream the other echoes
      assertThat(echo(await(client.openBidiStream()), "a->b").toString()).isEqualTo("a->b");
      assertThat(echo(await(server.openBidiStream()), "b->a").toString()).isEqualTo("b->a");

      // STUN both ways on the same sockets while QUIC is live
      byte[] ab = stunBindingRequest();
      byte[] ba = stunBindingRequest();
      sendStun(a, b.address(), ab);
      sendStun(b, a.address(), ba);
      assertThat(b.demux().stun.poll(5, TimeUnit.SECONDS)).isEqualTo(ab);
      assertThat(a.demux().stun.poll(5, TimeUnit.SECONDS)).isEqualTo(ba);

      // and QUIC is still fine afterwards
      assertThat(echo(await(client.openBidiStream()), "again").toString()).isEqualTo("again");
      assertThat(a.demux().stunPackets.get()).isEqualTo(1);
      assertThat(b.demux().stunPackets.get()).isEqualTo(2);
      assertThat(a.demux().passed.get()).isPositive();
      assertThat(b.demux().passed.get()).isPositive();
      assertThat(client.closeReason()).isNull();
      assertThat(server.closeReason()).isNull();
      await(client.close());
    } finally {
      a.channel().close().sync();
      b.channel().close().sync();
    }
  }
}
