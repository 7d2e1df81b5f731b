package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.Await;
import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the pipe writes to stdout: every byte in order, batched, with the stream paused while megabytes wait. */
class OutputPumpTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();

  /** A stream fed by the test on a Vert.x context, counting pauses and resumes. */
  static final class FedStream implements ReadStream<Buffer> {
    Handler<Buffer> handler;
    Handler<Void> endHandler;
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
      handler = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      pauses.incrementAndGet();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      resumes.incrementAndGet();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
      endHandler = h;
      return this;
    }
  }

  /** Writes slowly at first, so chunks pile up past the high-water mark. */
  static final class SlowStart extends ByteArrayOutputStream {
    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (size() < (1 << 20)) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      super.write(b, off, len);
    }
  }

  @Test
  void everyByteArrivesInOrderAcrossSmallAndOversizedChunksAndTheStreamIsPausedAndResumed() throws IOException {
    byte[] data = new byte[12 << 20];
    new SplittableRandom(3).nextBytes(data);
    int[] sizes = {1, 1350, 70_000, 300_000, 64 * 1024, 17, 1 << 20};
    FedStream stream = new FedStream();
    SlowStart out = new SlowStart();
    AtomicLong written = new AtomicLong();
    OutputPump pump = OutputPump.start(stream, out, written::addAndGet, "test-pump");
    VERTX.vertx().runOnContext(v -> {
      int off = 0;
      for (int i = 0; off < data.length; i++) {
        int len = Math.min(sizes[i % sizes.length], data.length - off);
        stream.handler.handle(Buffer.buffer(java.util.Arrays.copyOfRange(data, off, off + len)));
        off += len;
      }
      stream.endHandler.handle(null);
    });
    Await.result(pump.done(), Duration.ofSeconds(30));

    assertThat(out.toByteArray()).as("the same bytes in the same order").isEqualTo(data);
    assertThat(written.get()).isEqualTo(data.length);
    assertThat(stream.pauses.get()).as("12 MiB queued at once pass the 4 MiB high-water mark").isEqualTo(1);
    // The writer asks the stream's context to resume it; on a loaded machine that may run after done().
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (stream.resumes.get() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(stream.resumes.get()).as("resumed once below the low-water mark").isEqualTo(1);
  }
}
