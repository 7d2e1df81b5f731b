package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One QUIC stream as a Vert.x {@link ReadStream} and {@link WriteStream} of {@link Buffer}s.
 *
 * <p>Reading starts when a {@link #handler} is set; {@link #pause()} stops reading from quiche, so the
 * peer is held back by QUIC flow control (no unbounded buffering). {@link #end()} sends FIN after all
 * queued data; {@link #reset(int)} aborts with RESET_STREAM and STOP_SENDING. {@link #writeQueueFull()}
 * follows the stream's send capacity inside quiche (flow control and congestion window), so pumps and
 * {@code pipeTo} slow down to what the network takes; {@link #setWriteQueueMaxSize} has no effect.
 *
 * <p>Handlers run on the connection's Vert.x context.
 */
public final class QuicPeerStream implements ReadStream<Buffer>, WriteStream<Buffer> {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QuicPeerStream.class);
  /** Collected reads are handed over at once beyond this size. */
  static final int HAND_OVER_BYTES = 64 * 1024;
  /** What a batched receive of 16 full packets holds, about. */
  private static final int BATCH_BYTES = 32 * 1024;

  private final QuicPeerConnection connection;
  private final QuicStreamChannel channel;
  private final ContextInternal context;

  // Read side: touched on the channel's event loop only.
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> drainHandler;
  private Handler<Void> closeHandler;
  private long demand = Long.MAX_VALUE;
  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
  // Data read since the last hand-over: quiche yields about one packet's payload a read, so a bulk stream
  // was a handler call, a copy and an allocation per 1.4 KB; what one batch of datagrams brings goes as one.
  private ByteBuf received;
  private boolean handOverScheduled;
  private boolean finReceived;
  // Bytes received so far, and the final size the peer announced in a StreamFinalSizeNotice (-1: none).
  private long bytesReceived;
  private long noticedFinalSize = -1;
  private boolean endDelivered;
  private boolean failed;
  private boolean closed;
  // Write side: bytes handed to write()/end() so far (any thread), the final size a data-less FIN announces.
  private final AtomicLong bytesWritten = new AtomicLong();

  QuicPeerStream(QuicPeerConnection connection, QuicStreamChannel channel, ContextInternal context) {
    this.connection = connection;
    this.channel = channel;
    this.context = context;
    // FIN arrives as a flagged frame, for uni and bidi streams alike; nothing is read until a handler is set.
    channel.config().setOption(QuicChannelOption.READ_FRAMES, true);
    channel.config().setAutoRead(false);
    channel.pipeline().addLast("p2p-quic-stream", new Adapter());
    channel.attr(QuicPeerConnection.STREAM_KEY).set(this);
    connection.register(this);
  }

  /** The QUIC stream id (RFC 9000 section 2.1: low bits give initiator and direction). */
  public long id() {
    return channel.streamId();
  }

  public boolean isBidirectional() {
    return channel.type() == QuicStreamType.BIDIRECTIONAL;
  }

  /** Whether this side opened the stream. */
  public boolean isLocalCreated() {
    return channel.isLocalCreated();
  }

  /** Whether data can arrive on this stream (bidi, or a uni stream the peer opened). */
  public boolean isReadable() {
    return isBidirectional() || !isLocalCreated();
  }

  /** Whether this side can send on this stream (bidi, or a uni stream we opened). */
  public boolean isWritable() {
    return isBidirectional() || isLocalCreated();
  }

  public QuicPeerConnection connection() {
    return connection;
  }

  /** The underlying Netty stream channel (advanced use). */
  public QuicStreamChannel unwrap() {
    return channel;
  }

  // ---- WriteStream ----

  @Override
  public Future<Void> write(Buffer data) {
    Objects.requireNonNull(data, "data");
    if (!isWritable()) {
      return context.failedFuture(new IllegalStateException("stream " + id() + " is receive-only"));
    }
    bytesWritten.addAndGet(data.length());
    PromiseInternal<Void> p = context.promise();
    channel.writeAndFlush(((BufferInternal) data).getByteBuf()).addListener(p);
    return p.future();
  }

  /** Sends FIN after everything written so far (graceful end of our direction). */
  @Override
  public Future<Void> end() {
    return endWith(Unpooled.EMPTY_BUFFER);
  }

  /** Writes {@code data} and FIN in one frame. */
  @Override
  public Future<Void> end(Buffer data) {
    return endWith(((BufferInternal) data).getByteBuf());
  }

  private Future<Void> endWith(ByteBuf data) {
    if (!isWritable()) {
      return context.failedFuture(new IllegalStateException("stream " + id() + " is receive-only"));
    }
    boolean bareFin = !data.isReadable();
    long finalSize = bytesWritten.addAndGet(data.readableBytes());
    PromiseInternal<Void> p = context.promise();
    // Through the ordinary write path (not shutdownOutput) so FIN queues behind pending data.
    channel.writeAndFlush(new DefaultQuicStreamFrame(data, true)).addListener(p);
    if (bareFin && finalSize > 0) {
      // quiche may lose a FIN without data (StreamFinalSizeNotice): tell the peer the final size as well.
      p.future().onSuccess(v -> connection.announceFinalSize(id(), finalSize));
    }
    return p.future();
  }

  /**
   * Aborts the stream: RESET_STREAM for our direction, STOP_SENDING for the peer's, both carrying
   * {@code errorCode}.
   */
  public Future<Void> reset(int errorCode) {
    PromiseInternal<Void> p = context.promise();
    channel.shutdown(errorCode).addListener(p);
    return p.future();
  }

  /** Closes the stream channel (abortive for any direction not yet finished). */
  public Future<Void> close() {
    PromiseInternal<Void> p = context.promise();
    channel.close().addListener(p);
    return p.future();
  }

  @Override
  public QuicPeerStream setWriteQueueMaxSize(int maxSize) {
    return this; // governed by quiche's stream capacity
  }

  @Override
  public boolean writeQueueFull() {
    return !channel.isWritable();
  }

  @Override
  public QuicPeerStream drainHandler(Handler<Void> handler) {
    onLoop(() -> {
      this.drainHandler = handler;
      // The stream may have become writable between the caller's writeQueueFull() and now (another
      // thread, or this task queued behind the writability event): a drain missed here would stall the
      // writer for good, as Vert.x's own streams know.
      if (handler != null && channel.isWritable()) {
        context.emit(null, handler);
      }
    });
    return this;
  }

  @Override
  public QuicPeerStream exceptionHandler(Handler<Throwable> handler) {
    onLoop(() -> this.exceptionHandler = handler);
    return this;
  }

  /** Called once when the stream channel is closed (both directions done, reset, or connection gone). */
  public QuicPeerStream closeHandler(Handler<Void> handler) {
    onLoop(() -> {
      this.closeHandler = handler;
      if (closed && handler != null) {
        context.emit(null, handler);
      }
    });
    return this;
  }

  // ---- ReadStream ----

  @Override
  public QuicPeerStream handler(Handler<Buffer> handler) {
    // Always a later task: data must not arrive inside this call, before endHandler etc. are set.
    channel.eventLoop().execute(() -> {
      this.handler = handler;
      updateReading();
    });
    return this;
  }

  @Override
  public QuicPeerStream pause() {
    onLoop(() -> {
      demand = 0;
      updateReading();
    });
    return this;
  }

  @Override
  public QuicPeerStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public QuicPeerStream fetch(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("negative fetch: " + amount);
    }
    channel.eventLoop().execute(() -> {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drainPending();
      updateReading();
    });
    return this;
  }

  @Override
  public QuicPeerStream endHandler(Handler<Void> endHandler) {
    onLoop(() -> {
      this.endHandler = endHandler;
      maybeEnd();
    });
    return this;
  }

  // ---- internals (event loop) ----

  private void onLoop(Runnable r) {
    if (channel.eventLoop().inEventLoop()) {
      r.run();
    } else {
      channel.eventLoop().execute(r);
    }
  }

  /** The peer announced that it ended this stream at {@code finalSize} bytes (event loop). */
  void onFinalSizeNotice(long finalSize) {
    if (finReceived || noticedFinalSize >= 0 || !isReadable()) {
      return;
    }
    if (finalSize < bytesReceived) {
      LOG.debug("stream {}: ignored a final-size notice of {} bytes after {} arrived", id(), finalSize, bytesReceived);
      return;
    }
    noticedFinalSize = finalSize;
    maybeEnd();
  }

  private boolean allReceived() {
    return finReceived || (noticedFinalSize >= 0 && bytesReceived >= noticedFinalSize);
  }

  private void updateReading() {
    // After the end was delivered on a notice, read on (nothing is delivered) so quiche's FIN, if it
    // comes, is consumed and the stream is released.
    boolean want = !finReceived && isReadable() && (endDelivered || handler != null && demand > 0);
    if (channel.config().isAutoRead() != want) {
      channel.config().setAutoRead(want); // true also issues a read()
    }
  }

  /**
   * Adds a read to what waits for the handler; the hand-over runs as a task once the event loop has
   * processed the datagrams at hand (a batched receive holds up to 16), or at once past {@value #HAND_OVER_BYTES}.
   */
  private void collect(ByteBuf content) {
    int len = content.readableBytes();
    if (received == null) {
      // Heap (the handler may keep it) and exact: a lone small message costs what it did before batching.
      received = Unpooled.buffer(len);
    } else if (received.writableBytes() < len) {
      // A second read in the same batch: room for a batch at once rather than doubling up from one packet.
      ByteBuf batch = Unpooled.buffer(Math.max(BATCH_BYTES, received.readableBytes() + len));
      batch.writeBytes(received);
      received = batch;
    }
    received.writeBytes(content);
    if (received.readableBytes() >= HAND_OVER_BYTES) {
      handOver();
    } else if (!handOverScheduled) {
      handOverScheduled = true;
      channel.eventLoop().execute(() -> {
        handOverScheduled = false;
        handOver();
      });
    }
  }

  /** Passes collected data on: to the handler while there is demand, else to the pending queue. */
  private void handOver() {
    ByteBuf data = received;
    if (data == null) {
      return;
    }
    received = null;
    deliver(BufferInternal.buffer(data));
    if (demand == 0 || handler == null) {
      updateReading();
    }
    maybeEnd();
  }

  private void deliver(Buffer data) {
    if (demand > 0 && pending.isEmpty() && handler != null) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      context.emit(data, handler);
    } else {
      pending.add(data);
    }
  }

  private void drainPending() {
    while (demand > 0 && handler != null && !pending.isEmpty()) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      context.emit(pending.poll(), handler);
    }
    maybeEnd();
  }

  private void maybeEnd() {
    Handler<Void> h = endHandler;
    if (allReceived() && received == null && pending.isEmpty() && !endDelivered && h != null) {
      endDelivered = true;
      if (!finReceived) {
        connection.countEndedByNotice();
        LOG.debug("stream {}: ended at {} bytes on the peer's final-size notice", id(), bytesReceived);
        updateReading();
      }
      context.emit(null, h);
    }
  }

  private void fail(Throwable cause) {
    if (failed) {
      return;
    }
    failed = true;
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      context.emit(cause, h);
    }
  }

  private final class Adapter extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf content;
      boolean fin;
      if (msg instanceof QuicStreamFrame frame) {
        content = frame.content();
        fin = frame.hasFin();
      } else if (msg instanceof ByteBuf buf) {
        content = buf;
        fin = false;
      } else {
        ReferenceCountUtil.release(msg);
        return;
      }
      try {
        if (content.isReadable()) {
          bytesReceived += content.readableBytes();
          if (endDelivered) {
            // Past the final size the peer announced: it broke its own notice; nothing more is delivered.
            LOG.debug("stream {}: dropped {} bytes past the announced final size {}", id(), content.readableBytes(),
                noticedFinalSize);
          } else {
            collect(content);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
      if (fin) {
        finReceived = true;
        updateReading();
        handOver();
        maybeEnd();
      } else if (noticedFinalSize >= 0 && allReceived()) {
        handOver();
        maybeEnd();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Handler<Void> h = drainHandler;
      if (h != null && ctx.channel().isWritable()) {
        context.emit(null, h);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      handOver(); // what arrived before a reset is still the peer's data, delivered before the failure
      connection.unregister(QuicPeerStream.this);
      if (isReadable() && !finReceived && !endDelivered) {
        fail(new ClosedChannelException() {
          @Override
          public String getMessage() {
            return "QUIC stream " + id() + " closed before the peer finished it (reset or connection closed)";
          }
        });
      }
      closed = true;
      Handler<Void> h = closeHandler;
      if (h != null) {
        context.emit(null, h);
      }
      ctx.fireChannelInactive();
    }
  }
}
