package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 100 MB over one stream on loopback arrive intact; prints the throughput (not asserted). */
class QuicThroughputTest {
  private static final long TOTAL = 100L * 1000 * 1000;
  private static final int CHUNK = 64 * 1024;
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();

  @Test
  void hundredMegabytesOverOneStream() throws Exception {
    PeerIdentity alice = PeerIdentity.generate();
    PeerIdentity bob = PeerIdentity.generate();
    Endpoint a = QuicTestSupport.bind(vertx);
    Endpoint b = QuicTestSupport.bind(vertx);
    try {
      // Receiver: hashes everything, answers with the byte count and SHA-256 when the sender ends.
      await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> id.equals(alice.peerId()), new QuicOptions())
          .connectionHandler(conn -> conn.streamHandler(s -> {
            MessageDigest sha = sha256();
            long[] count = {0};
            s.handler(buf -> {
              sha.update(buf.getBytes());
              count[0] += buf.length();
            });
            s.endHandler(v -> s.end(Buffer.buffer(count[0] + " " + HexFormat.of().formatHex(sha.digest()))));
          }))
          .start());
      QuicPeerConnection conn = await(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice, bob.peerId(),
          new QuicOptions()));
      QuicPeerStream s = await(conn.openBidiStream());

      byte[] pool = new byte[(1 << 20) + CHUNK];
      new SplittableRandom(42).nextBytes(pool);
      MessageDigest sent = sha256();
      CompletableFuture<String> answer = new CompletableFuture<>();
      Buffer reply = Buffer.buffer();
      s.handler(reply::appendBuffer).endHandler(v -> answer.complete(reply.toString()));
      long start = System.nanoTime();
      conn.context().runOnContext(v -> new Pump(s, pool, sent).run());
      String got = answer.get(60, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;

      String expected = TOTAL + " " + HexFormat.of().formatHex(sent.digest());
      assertThat(got).isEqualTo(expected);
      QuicStats stats = await(conn.stats());
      System.out.printf("QUIC loopback: %d MB in %.2f s = %.1f MB/s (%.0f Mbit/s); rtt %d us, lost %d packets, cwnd %d%n",
          TOTAL / 1_000_000, seconds, TOTAL / 1e6 / seconds, TOTAL * 8 / 1e6 / seconds,
          stats.rtt().toNanos() / 1000, stats.lostPackets(), stats.cwnd());
      await(conn.close());
    } finally {
      a.channel().close().sync();
      b.channel().close().sync();
    }
  }

  /** Writes TOTAL bytes while the stream has capacity, resuming on drain; then FIN. */
  private static final class Pump implements Runnable {
    private final QuicPeerStream s;
    private final byte[] pool;
    private final MessageDigest sha;
    private long written;
    private int index;

    Pump(QuicPeerStream s, byte[] pool, MessageDigest sha) {
      this.s = s;
      this.pool = pool;
      this.sha = sha;
    }

    @Override
    public void run() {
      while (written < TOTAL && !s.writeQueueFull()) {
        int len = (int) Math.min(CHUNK, TOTAL - written);
        int off = (int) ((index++ * 7919L) % (1 << 20));
        byte[] chunk = Arrays.copyOfRange(pool, off, off + len);
        sha.update(chunk);
        s.write(Buffer.buffer(chunk));
        written += len;
      }
      if (written < TOTAL) {
        s.drainHandler(v -> run());
      } else {
        s.drainHandler(null);
        s.end();
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
