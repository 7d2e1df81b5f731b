package io.p2pquic.rendezvous.signalling;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The QUIC transport of signalling (method quic-native): the client's first bidirectional stream, one
 * JSON object per frame, each frame a 4-byte big-endian length and that many UTF-8 bytes
 * ({@link QuicSignallingListener} installs the framing). The remote address is the UDP address of the
 * QUIC connection: the client's server-reflexive address on the socket it punches from.
 */
final class QuicSignallingConnection implements SignallingConnection {
  private final QuicStreamChannel stream;
  private final InetSocketAddress remote;

  QuicSignallingConnection(QuicStreamChannel stream, InetSocketAddress remote) {
    this.stream = stream;
    this.remote = remote;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public String transport() {
    return "quic";
  }

  @Override
  public boolean isClosed() {
    return !stream.isActive();
  }

  @Override
  public boolean writeQueueFull() {
    return !stream.isWritable();
  }

  @Override
  public void writeText(String text) {
    stream.writeAndFlush(ByteBufUtil.writeUtf8(stream.alloc(), text));
  }

  @Override
  public void pauseUntilDrained() {
    // Resumed by the listener's writability handler.
    stream.config().setAutoRead(false);
  }

  @Override
  public void close(short code, String reason) {
    stream.parent().close(true, code, stream.alloc().buffer().writeBytes(reason.getBytes(StandardCharsets.UTF_8)));
  }
}
