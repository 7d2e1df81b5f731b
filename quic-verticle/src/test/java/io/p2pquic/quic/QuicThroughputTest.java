package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.EpollDatagramChannel;
import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.p2pquic.quic.QuicTestSupport.SendCounter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bulk data over one stream on loopback arrives intact, on JDK sockets and on native epoll sockets with
 * segmentation offload; prints the throughput (not asserted: speed is benchmarks/run-bulk-bench.sh's).
 */
class QuicThroughputTest {
  private static final int CHUNK = 64 * 1024;
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  @RegisterExtension
  static final TestVertx NATIVE = TestVertx.perClass(new VertxOptions().setPreferNativeTransport(true));

  @Test
  void hundredMegabytesOverOneStream() throws Exception {
    transfer(VERTX.vertx(), 100L * 1000 * 1000, new SendCounter());
  }

  @Test
  void nativeSocketsSendPacketsInSegmentationBatchesAndDeliverIntact() throws Exception {
    Vertx vertx = NATIVE.vertx();
    assertThat(vertx.isNativeTransportEnabled()).as("epoll ships in the jar for linux-x86_64").isTrue();
    assertThat(EpollDatagramChannel.isSegmentedDatagramPacketSupported()).as("UDP_SEGMENT (Linux 4.18+)").isTrue();
    SendCounter sent = new SendCounter();
    transfer(vertx, 30L * 1000 * 1000, sent);
    assertThat(sent.batches.get()).as("GSO batches among %d datagrams", sent.datagrams.get()).isPositive();
    assertThat(sent.datagrams.get()).as("30 MB in ~1350-byte packets: batches make far fewer sends")
        .isLessThan(30L * 1000 * 1000 / 1350 / 2);
  }

  @Test
  void pathMtuDiscoveryGrowsPacketsToTheCeilingWhereThePathCarriesThem() throws Exception {
    SendCounter sent = new SendCounter();
    transfer(NATIVE.vertx(), 3L * 1000 * 1000, sent, new QuicOptions());
    assertThat(sent.largestPacket.get()).as("loopback carries the ceiling: the probe is acknowledged")
        .isEqualTo(QuicOptions.DEFAULT_MAX_UDP_PAYLOAD_SIZE);

    SendCounter small = new SendCounter();
    transfer(NATIVE.vertx(), 3L * 1000 * 1000, small, new QuicOptions().setDiscoverPmtu(false));
    assertThat(small.largestPacket.get()).as("without discovery every packet stays at RFC 9000's minimum")
        .isEqualTo(QuicOptions.MIN_UDP_PAYLOAD_SIZE);
  }

  private static void transfer(Vertx vertx, long total, SendCounter sent) throws Exception {
    transfer(vertx, total, sent, new QuicOptions());
  }

  private static void transfer(Vertx vertx, long total, SendCounter sent, QuicOptions options) throws Exception {
    PeerIdentity alice = PeerIdentity.generate();
    PeerIdentity bob = PeerIdentity.generate();
    Endpoint a = QuicTestSupport.bindNative(vertx, sent);
    Endpoint b = QuicTestSupport.bindNative(vertx, new SendCounter());
    try {
      // Receiver: hashes everything, answers with the byte count and SHA-256 when the sender ends.
      await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> id.equals(alice.peerId()), options)
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
          options));
      QuicPeerStream s = await(conn.openBidiStream());

      byte[] pool = new byte[(1 << 20) + CHUNK];
      new SplittableRandom(42).nextBytes(pool);
      MessageDigest hashed = sha256();
      CompletableFuture<String> answer = new CompletableFuture<>();
      Buffer reply = Buffer.buffer();
      s.handler(reply::appendBuffer).endHandler(v -> answer.complete(reply.toString()));
      long start = System.nanoTime();
      conn.context().runOnContext(v -> new Pump(s, pool, hashed, total).run());
      String got = answer.get(60, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;

      String expected = total + " " + HexFormat.of().formatHex(hashed.digest());
      assertThat(got).isEqualTo(expected);
      QuicStats stats = await(conn.stats());
      System.out.printf("QUIC loopback (%s): %d MB in %.2f s = %.1f MB/s; rtt %d us, lost %d packets, cwnd %d,"
              + " %d datagrams sent, %d of them GSO batches%n",
          a.channel().getClass().getSimpleName(), total / 1_000_000, seconds, total / 1e6 / seconds,
          stats.rtt().toNanos() / 1000, stats.lostPackets(), stats.cwnd(), sent.datagrams.get(), sent.batches.get());
      await(conn.close());
    } finally {
      a.channel().close().sync();
      b.channel().close().sync();
    }
  }

  /** Writes {@code total} bytes while the stream has capacity, resuming on drain; then FIN. */
  private static final class Pump implements Runnable {
    private final QuicPeerStream s;
    private final byte[] pool;
    private final MessageDigest sha;
    private final long total;
    private long written;
    private int index;

    Pump(QuicPeerStream s, byte[] pool, MessageDigest sha, long total) {
      this.s = s;
      this.total = total;
      this.pool = pool;
      this.sha = sha;
    }

    @Override
    public void run() {
      while (written < total && !s.writeQueueFull()) {
        int len = (int) Math.min(CHUNK, total - written);
        int off = (int) ((index++ * 7919L) % (1 << 20));
        byte[] chunk = Arrays.copyOfRange(pool, off, off + len);
        sha.update(chunk);
        s.write(Buffer.buffer(chunk));
        written += len;
      }
      if (written < total) {
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
