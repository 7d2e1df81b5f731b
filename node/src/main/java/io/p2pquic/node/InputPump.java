package io.p2pquic.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2pquic.quic.QuicPeerStream;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Copies a blocking {@link InputStream} (stdin, a file) to a stream on the calling thread, through a
 * fixed set of direct buffers: the kernel reads straight into memory quiche takes as it is. Reading into
 * a byte[] cost two copies a chunk (into the array, then into a direct buffer Netty's QUIC codec made for
 * quiche, allocated and zeroed afresh each time): 17 % of a sending pipe's CPU samples at 1 GiB.
 * A buffer goes back to the set when its write completes (quiche has copied it); with all
 * {@value #SLOTS} in flight the reader waits. That is the back-pressure: a write stays incomplete while
 * the stream's flow control holds it, so what is queued is bounded by {@code SLOTS x CHUNK} (4 MiB).
 */
final class InputPump {
  static final int CHUNK = 64 * 1024;
  static final int SLOTS = 64;
  private static final long POLL_MILLIS = 50;
  /** How long the peer may read nothing before the sender gives up. */
  private static final long STALLED_MILLIS = 600_000;

  private InputPump() {
  }

  /**
   * Sends everything {@code in} holds on {@code stream} (not ending it); {@code sent} counts bytes as
   * they are read. Returns once every write completed. Throws when a write fails or the peer has read
   * nothing for ten minutes.
   */
  static void send(InputStream in, QuicPeerStream stream, LongConsumer sent) throws IOException, InterruptedException {
    // System.in buffers in front of fd 0; nothing has been read from it yet, so its channel is the same data.
    ReadableByteChannel input = in == System.in ? new FileInputStream(FileDescriptor.in).getChannel() : Channels.newChannel(in);
    BlockingQueue<ByteBuf> free = new ArrayBlockingQueue<>(SLOTS);
    for (int i = 0; i < SLOTS; i++) {
      free.add(Unpooled.directBuffer(CHUNK, CHUNK));
    }
    AtomicReference<Throwable> failed = new AtomicReference<>();
    // Set when the sender has stopped: a write completing after that (a failure cut the loop short)
    // releases its chunk instead of returning it to nobody.
    AtomicBoolean done = new AtomicBoolean();
    try {
      while (true) {
        ByteBuf chunk = take(free, failed);
        int n = input.read(chunk.clear().nioBuffer(0, CHUNK)); // a view of the chunk's own memory
        if (n < 0) {
          free.add(chunk);
          break;
        }
        chunk.writerIndex(n);
        sent.accept(n);
        // The stream writes a slice Vert.x makes unreleasable: the chunk stays ours until the write completes.
        stream.write(BufferInternal.buffer(chunk)).onComplete(ar -> {
          if (ar.failed()) {
            failed.compareAndSet(null, ar.cause());
          }
          free.add(chunk);
          if (done.get()) {
            release(free);
          }
        });
      }
      // Every buffer back means every write completed.
      List<ByteBuf> back = new ArrayList<>(SLOTS);
      while (back.size() < SLOTS) {
        back.add(take(free, failed));
      }
      free.addAll(back);
    } finally {
      done.set(true);
      release(free);
    }
  }

  private static void release(BlockingQueue<ByteBuf> free) {
    ByteBuf b;
    while ((b = free.poll()) != null) {
      b.release();
    }
  }

  private static ByteBuf take(BlockingQueue<ByteBuf> free, AtomicReference<Throwable> failed) throws InterruptedException {
    long waited = 0;
    while (true) {
      check(failed);
      ByteBuf b = free.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
      if (b != null) {
        return b;
      }
      waited += POLL_MILLIS;
      if (waited > STALLED_MILLIS) {
        throw new IllegalStateException("the peer has not read for 10 minutes");
      }
    }
  }

  private static void check(AtomicReference<Throwable> failed) {
    Throwable t = failed.get();
    if (t != null) {
      throw new IllegalStateException("sending failed: " + t.getMessage(), t);
    }
  }
}
