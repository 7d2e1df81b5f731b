package io.p2pquic.node;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.p2pquic.quic.QuicPeerStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.function.LongConsumer;

/**
 * Joins one TCP connection and one QUIC stream: bytes both ways with back-pressure (a full write queue on
 * one side pauses reading on the other), half-close both ways (the TCP client's FIN becomes the stream's
 * FIN and the other direction keeps flowing until its own FIN, which shuts down the TCP output), and an
 * abort on either side aborts the other. Used by {@code forward} (accepted connections) and
 * {@code expose} (connections to the target).
 */
final class TcpStreamBridge {
  /** Application error code for a stream reset because its TCP connection broke. */
  static final int TCP_ABORTED = 0x20;

  private final NetSocket tcp;
  private final QuicPeerStream stream;
  private final LongConsumer toStreamBytes;
  private final LongConsumer toTcpBytes;
  private boolean tcpInputDone;
  private boolean streamInputDone;
  private boolean closed;

  private TcpStreamBridge(NetSocket tcp, QuicPeerStream stream, LongConsumer toStreamBytes, LongConsumer toTcpBytes) {
    this.tcp = tcp;
    this.stream = stream;
    this.toStreamBytes = toStreamBytes;
    this.toTcpBytes = toTcpBytes;
  }

  /**
   * Starts moving bytes; both sides should be paused until now (nothing is lost).
   *
   * @param early bytes already read from the stream (after its preamble) to write to TCP first
   * @param counters called with bytes moved TCP→stream and stream→TCP (progress), may be no-ops
   */
  static void join(NetSocket tcp, QuicPeerStream stream, Buffer early, LongConsumer toStreamBytes,
      LongConsumer toTcpBytes) {
    new TcpStreamBridge(tcp, stream, toStreamBytes, toTcpBytes).start(early);
  }

  private void start(Buffer early) {
    NetSocketInternal internal = (NetSocketInternal) tcp;
    // Without half-closure Netty closes the whole connection on the client's FIN, and the answer of a
    // request-then-FIN protocol (nc, a TCP client that shuts down its output) would be lost.
    internal.channelHandlerContext().channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    internal.eventHandler(event -> {
      if (event instanceof ChannelInputShutdownEvent) {
        onTcpEnd();
      }
    });
    if (early != null && early.length() > 0) {
      tcp.write(early);
      toTcpBytes.accept(early.length());
    }
    // Back-pressure towards TCP at the socket (Netty's autoRead), not in Vert.x's inbound queue: the
    // client's FIN (input shutdown) is then only seen after every byte before it was handed on, so
    // ending the stream cannot overtake data still queued.
    io.netty.channel.Channel ch = internal.channelHandlerContext().channel();
    // The stream's drain handler fires even when it drained before the handler was set (QuicPeerStream).
    tcp.handler(data -> {
      toStreamBytes.accept(data.length());
      stream.write(data);
      if (stream.writeQueueFull()) {
        setReading(ch, false);
        stream.drainHandler(v -> ch.eventLoop().execute(() -> setReading(ch, true)));
      }
    });
    tcp.endHandler(v -> onTcpEnd());
    tcp.closeHandler(v -> {
      if (!(tcpInputDone && streamInputDone)) {
        abort("the TCP connection closed");
      }
    });
    tcp.exceptionHandler(err -> abort("TCP: " + err.getMessage()));
    stream.handler(data -> {
      toTcpBytes.accept(data.length());
      tcp.write(data);
      if (tcp.writeQueueFull()) {
        stream.pause();
        tcp.drainHandler(v -> stream.resume());
        // The socket drains on its own event loop, not this one: if it drained between the check and
        // the handler being set (Vert.x does not look again), resume now, or the stream stays paused.
        if (!tcp.writeQueueFull()) {
          stream.resume();
        }
      }
    });
    stream.endHandler(v -> onStreamEnd());
    stream.closeHandler(v -> {
      if (!(tcpInputDone && streamInputDone)) {
        abort("the QUIC stream was reset or its session closed");
      }
    });
    stream.exceptionHandler(err -> abort("QUIC stream: " + err.getMessage()));
    tcp.resume();
    stream.resume();
  }

  /**
   * Pauses or resumes reading at the socket, while there is input left. On the epoll transport a
   * socket whose input was shut down (the client's FIN read) is no longer in the epoll set for reading,
   * and changing its interest then fails with ENOENT, which would abort the direction still flowing.
   */
  private static void setReading(io.netty.channel.Channel ch, boolean read) {
    if (ch.isActive() && !(ch instanceof DuplexChannel d && d.isInputShutdown())) {
      ch.config().setAutoRead(read);
    }
  }

  /** The TCP side sent FIN: so does the stream; the stream→TCP direction goes on. */
  private void onTcpEnd() {
    if (tcpInputDone) {
      return;
    }
    tcpInputDone = true;
    stream.end();
    maybeClose();
  }

  /** The stream sent FIN: shut down the TCP output after what is queued; TCP→stream goes on. */
  private void onStreamEnd() {
    if (streamInputDone) {
      return;
    }
    streamInputDone = true;
    tcp.write(Buffer.buffer()).onComplete(ar -> {
      if (((NetSocketInternal) tcp).channelHandlerContext().channel() instanceof SocketChannel ch && ch.isActive()) {
        ch.shutdownOutput();
      }
      maybeClose();
    });
  }

  private void maybeClose() {
    if (tcpInputDone && streamInputDone && !closed) {
      closed = true;
      tcp.close();
    }
  }

  private void abort(String why) {
    if (closed) {
      return;
    }
    closed = true;
    tcp.close();
    stream.reset(TCP_ABORTED);
  }
}
