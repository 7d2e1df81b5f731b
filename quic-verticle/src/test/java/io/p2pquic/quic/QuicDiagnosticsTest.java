package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Key log and qlog output, and stream back-pressure through QUIC flow control. */
class QuicDiagnosticsTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();
  private final PeerIdentity alice = PeerIdentity.generate();
  private final PeerIdentity bob = PeerIdentity.generate();

  @Test
  void keyLogAndQlogAreWrittenOnRequest(@TempDir Path tmp) throws Exception {
    Path keys = tmp.resolve("keys.log");
    Path qlog = tmp.resolve("qlog");
    Endpoint a = QuicTestSupport.bind(vertx);
    Endpoint b = QuicTestSupport.bind(vertx);
    try {
      await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
          .connectionHandler(c -> {}).start());
      QuicOptions opts = new QuicOptions().setKeyLog(true).setKeyLogFile(keys.toString()).setQlogDir(qlog.toString());
      QuicPeerConnection conn = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
          bob.peerId(), opts));
      await(conn.close());
      List<String> lines = Files.readAllLines(keys);
      assertThat(lines).anyMatch(l -> l.startsWith("CLIENT_HANDSHAKE_TRAFFIC_SECRET "))
          .anyMatch(l -> l.startsWith("CLIENT_TRAFFIC_SECRET_0 "))
          .anyMatch(l -> l.startsWith("SERVER_TRAFFIC_SECRET_0 "));
      try (Stream<Path> files = Files.list(qlog)) {
        List<Path> logs = files.toList();
        assertThat(logs).hasSize(1);
        assertThat(logs.get(0).toString()).endsWith(".qlog");
        assertThat(Files.size(logs.get(0))).isPositive();
      }
    } finally {
      a.channel().close().sync();
      b.channel().close().sync();
    }
  }

  @Test
  void pausedReaderHoldsTheWriterBackThroughFlowControl() throws Exception {
    int window = 64 * 1024;
    long total = 1 << 20;
    QuicOptions small = new QuicOptions().setMaxStreamData(window).setMaxData(4 * window);
    Endpoint a = QuicTestSupport.bind(vertx);
    Endpoint b = QuicTestSupport.bind(vertx);
    try {
      CompletableFuture<QuicPeerStream> incoming = new CompletableFuture<>();
      CompletableFuture<Long> ended = new CompletableFuture<>();
      AtomicLong received = new AtomicLong();
      await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, small)
          .connectionHandler(c -> c.streamHandler(s -> {
            s.pause();
            s.handler(buf -> received.addAndGet(buf.length()));
            s.endHandler(v -> ended.complete(received.get()));
            incoming.complete(s);
          })).start());
      QuicPeerConnection conn = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice,
          bob.peerId(), small));
      QuicPeerStream s = await(conn.openBidiStream());
      AtomicLong written = new AtomicLong();
      Buffer chunk = Buffer.buffer(new byte[8192]);
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (!s.writeQueueFull() && written.get() < total) {
          s.write(chunk);
          written.addAndGet(chunk.length());
        }
        if (written.get() < total) {
          s.drainHandler(v -> pump[0].run());
        } else {
          s.end();
        }
      };
      conn.context().runOnContext(v -> pump[0].run());
      QuicPeerStream reader = incoming.get(5, TimeUnit.SECONDS);
      Thread.sleep(500);
      // Paused reader: nothing delivered, and the writer stalled near the stream window (plus one
      // chunk Netty queued when capacity ran out), far from the total.
      assertThat(received.get()).isZero();
      assertThat(written.get()).isBetween((long) window / 2, (long) window + 2L * chunk.length());
      reader.resume();
      assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo(total);
      await(conn.close());
    } finally {
      a.channel().close().sync();
      b.channel().close().sync();
    }
  }
}
