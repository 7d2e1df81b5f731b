package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * "Stream {@code streamId} ended at {@code finalSize} bytes": a 20-byte QUIC DATAGRAM ({@code "P2PF"},
 * 8-byte stream id, 8-byte final size) a peer sends after ending a stream with a FIN that carries no data.
 *
 * <p>Why: quiche (the QUIC stack under Netty's codec, 0.2x up to at least 0.29) can lose such a FIN. It
 * records the final size at once but queues no data, so (a) when the data before it is acknowledged
 * before the FIN frame left (a congestion-limited sender) the stream counts as complete and is collected
 * with the FIN never sent (cloudflare/quiche#2525), and (b) when the stream is flushable only for a
 * retransmission that ends below the final offset, the emit stops there and drops the stream from the
 * send queue. The peer then holds every byte but never sees the end. The receiver ends the stream once it
 * holds exactly {@code finalSize} bytes and the notice arrived, whichever comes first with the FIN.
 */
record StreamFinalSizeNotice(long streamId, long finalSize) {

  static final int LENGTH = 20;
  private static final int MAGIC = ('P' << 24) | ('2' << 16) | ('P' << 8) | 'F';

  StreamFinalSizeNotice {
    if (streamId < 0 || finalSize < 0) {
      throw new IllegalArgumentException("negative stream id or final size");
    }
  }

  ByteBuf encode() {
    return Unpooled.buffer(LENGTH).writeInt(MAGIC).writeLong(streamId).writeLong(finalSize);
  }

  /** Whether {@code datagram} is a notice (by length and magic); does not move its reader index. */
  static boolean matches(ByteBuf datagram) {
    return datagram.readableBytes() == LENGTH && datagram.getInt(datagram.readerIndex()) == MAGIC;
  }

  /** Decodes a datagram for which {@link #matches} is true; null if its numbers are out of range. */
  static StreamFinalSizeNotice decode(ByteBuf datagram) {
    int at = datagram.readerIndex();
    long id = datagram.getLong(at + 4);
    long size = datagram.getLong(at + 12);
    // Stream ids and offsets are below 2^62 (RFC 9000 section 16): anything else is not ours.
    return id < 0 || size < 0 || id >= (1L << 62) || size >= (1L << 62) ? null : new StreamFinalSizeNotice(id, size);
  }
}
