package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many loopback handshakes while every core is busy, so probe timeouts fire during handshakes: each
 * connection comes up and closes, and the event loop returns. A client-side handshake nudge once drove
 * quiche into an endless send of ACK-only packets here (stuck within 13 to 400 handshakes in five of
 * five runs); see {@link HandshakeCompletionNudge}.
 */
class HandshakeUnderLoadTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();
  private static final int HANDSHAKES = 150;

  @Test
  void handshakesUnderCpuLoadCompleteAndTheEventLoopReturns() throws Exception {
    AtomicBoolean loading = new AtomicBoolean(true);
    List<Thread> load = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread t = new Thread(() -> {
        long x = 0;
        while (loading.get()) {
          x += System.nanoTime() % 7;
        }
        if (x == 42) {
          System.out.print("");
        }
      }, "cpu-load-" + i);
      t.setDaemon(true);
      t.start();
      load.add(t);
    }
    try {
      for (int n = 1; n <= HANDSHAKES; n++) {
        // Fresh identities: each handshake also makes both certificates, as a first session does.
        PeerIdentity alice = PeerIdentity.generate();
        PeerIdentity bob = PeerIdentity.generate();
        Endpoint a = QuicTestSupport.bind(vertx);
        Endpoint b = QuicTestSupport.bind(vertx);
        try {
          await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
              .connectionHandler(c -> { }).start());
          QuicPeerConnection conn = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
              bob.peerId(), new QuicOptions()), 30);
          assertThat(conn.remotePeerId()).isEqualTo(bob.peerId());
          await(conn.close(), 30);
        } finally {
          // A stuck event loop never closes the channel: fail with the handshake's number, not a hang.
          assertThat(a.channel().close().await(20, TimeUnit.SECONDS)).as("handshake %d: event loop returned", n).isTrue();
          assertThat(b.channel().close().await(20, TimeUnit.SECONDS)).as("handshake %d: event loop returned", n).isTrue();
        }
      }
    } finally {
      loading.set(false);
      for (Thread t : load) {
        t.join(1_000);
      }
    }
  }
}
