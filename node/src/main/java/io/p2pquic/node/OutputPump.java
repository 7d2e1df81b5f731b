package io.p2pquic.node;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Copies a stream's data to a blocking {@link OutputStream} (stdout, a file) on a thread of its own: the
 * event loop only queues, the stream is paused while more than {@value #HIGH_WATER} bytes wait and
 * resumed below {@value #LOW_WATER}. A worker-pool hop per received chunk, with the stream paused
 * meanwhile, cost a pipe most of its speed; chunks that wait together are written in one call.
 */
final class OutputPump {
  static final long HIGH_WATER = 4L << 20;
  static final long LOW_WATER = 1L << 20;
  private static final int STAGING = 256 * 1024;
  private static final Buffer END = Buffer.buffer();

  private final ReadStream<Buffer> stream;
  /** The stream's context, where its handler runs and where it is paused and resumed. */
  private volatile Context context;
  private final OutputStream out;
  private final LongConsumer written;
  private final LinkedBlockingQueue<Buffer> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final Promise<Void> done = Promise.promise();
  /** Set on the stream's context when it pauses the stream; the writer clears it and resumes there. */
  private final AtomicBoolean paused = new AtomicBoolean();
  private volatile boolean failed;

  private OutputPump(ReadStream<Buffer> stream, OutputStream out, LongConsumer written) {
    this.stream = stream;
    this.out = out;
    this.written = written;
  }

  /**
   * Pumps {@code stream} into {@code out} from now on; {@code written}
   * hears each chunk's length once it is written. The future completes after the stream's end is
   * written and flushed, or fails with the first write error (the rest is then dropped).
   */
  static OutputPump start(ReadStream<Buffer> stream, OutputStream out, LongConsumer written, String name) {
    OutputPump pump = new OutputPump(stream, out, written);
    Thread writer = new Thread(pump::drain, name);
    writer.setDaemon(true);
    writer.start();
    stream.handler(pump::queue);
    stream.endHandler(v -> pump.queue.add(END));
    return pump;
  }

  Future<Void> done() {
    return done.future();
  }

  private void queue(Buffer data) {
    if (failed) {
      return;
    }
    context = Vertx.currentContext();
    queue.add(data);
    if (queued.addAndGet(data.length()) > HIGH_WATER && paused.compareAndSet(false, true)) {
      stream.pause();
    }
  }

  private void drain() {
    // What waits is written in one call of up to STAGING bytes: a write per received chunk (a few KiB
    // each) made the writer's system calls cost as much as the QUIC stack's.
    byte[] staging = new byte[STAGING];
    List<Buffer> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch);
        int staged = 0;
        long bytes = 0;
        boolean end = false;
        for (Buffer data : batch) {
          if (data == END) {
            end = true;
            break;
          }
          int len = data.length();
          if (staged + len > STAGING && staged > 0) {
            out.write(staging, 0, staged);
            staged = 0;
          }
          if (len > STAGING) {
            out.write(data.getBytes());
          } else {
            data.getBytes(0, len, staging, staged);
            staged += len;
          }
          bytes += len;
        }
        batch.clear();
        if (staged > 0) {
          out.write(staging, 0, staged);
        }
        if (bytes > 0) {
          written.accept(bytes);
          if (queued.addAndGet(-bytes) < LOW_WATER && paused.compareAndSet(true, false)) {
            context.runOnContext(v -> stream.resume());
          }
        }
        if (end) {
          out.flush();
          done.tryComplete();
          return;
        }
      }
    } catch (IOException e) {
      failed = true;
      queue.clear();
      done.tryFail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done.tryFail(e);
    }
  }
}
