package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With dialerReady "handshake" the dialer is connected one round trip after its Initial, with its own
 * handshake: once it has sent its Handshake flight (its Finished), nothing more from the listener is
 * needed. A gate in front of the dialer's codec drops every datagram from the listener from then on;
 * the connect still completes, with the listener's identity proved.
 */
class DialerReadinessTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();

  /** Closes once the dialer sent a Handshake packet after hearing from the listener; then drops inbound. */
  static final class Gate extends ChannelDuplexHandler {
    final AtomicBoolean heardListener = new AtomicBoolean();
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicInteger dropped = new AtomicInteger();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (closed.get()) {
        dropped.incrementAndGet();
        ReferenceCountUtil.release(msg);
        return;
      }
      heardListener.set(true);
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (heardListener.get() && msg instanceof DatagramPacket p && p.content().isReadable()) {
        int first = p.content().getUnsignedByte(p.content().readerIndex());
        if ((first & 0x80) != 0 && (first & 0x30) == 0x20) { // long header, type Handshake
          closed.set(true);
        }
      }
      ctx.write(msg, promise);
    }
  }

  private final PeerIdentity alice = PeerIdentity.generate();
  private final PeerIdentity bob = PeerIdentity.generate();
  private final Gate gate = new Gate();
  private Endpoint a;
  private Endpoint b;

  /** Bob listens on b; alice's endpoint a has the gate in front of the codec its connect adds. */
  @org.junit.jupiter.api.BeforeEach
  void listener() throws Exception {
    a = QuicTestSupport.bind(vertx);
    b = QuicTestSupport.bind(vertx);
    a.channel().pipeline().addLast("gate", gate);
    await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
        .connectionHandler(c -> { }).start());
  }

  @org.junit.jupiter.api.AfterEach
  void close() throws Exception {
    a.channel().close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    b.channel().close().await(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void theDialerIsConnectedWithoutTheListenersLastFlight() throws Exception {
    QuicPeerConnection conn = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
        bob.peerId(), new QuicOptions().setHandshakeTimeoutMs(5_000)));
    assertThat(conn.remotePeerId()).isEqualTo(bob.peerId());
    assertThat(gate.closed).as("the dialer sent its Finished before it was connected").isTrue();
    conn.close();
  }

  /**
   * The listener goes silent after the dialer's Finished while the dialer waits for its accept byte: the
   * handshake timeout fails the connect and closes the connection, and the event loop returns (a close
   * before the handshake is confirmed is a transport close; see QuicPeerConnection#closeChannel).
   */
  @Test
  void aHandshakeTimeoutAfterTheDialersFinishedClosesAndTheEventLoopReturns() throws Exception {
    Throwable failure = QuicTestSupport.awaitFailure(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
        bob.peerId(), new QuicOptions().setHandshakeTimeoutMs(1_500).setDialerReady(QuicOptions.DIALER_READY_ACCEPTED)));
    assertThat(failure).hasMessageContaining("timed out after 1500 ms");
    assertThat(gate.closed).isTrue();
    // The close ran on the dialer's event loop; a task queued behind it runs only if it returned.
    io.vertx.core.Promise<Void> behind = io.vertx.core.Promise.promise();
    a.channel().eventLoop().execute(behind::complete);
    await(behind.future(), 10);
  }
}
