package io.p2pquic.puncher.transport;

import io.netty.buffer.ByteBuf;
import io.p2pquic.stun.StunMessageDecoder;

/** Classifies a datagram by its first bytes (RFC 7983, RFC 9443). */
public enum DatagramKind {
  STUN,
  QUIC,
  OTHER;

  public static DatagramKind of(ByteBuf b) {
    if (b.readableBytes() == 0) {
      return OTHER;
    }
    int first = b.getUnsignedByte(b.readerIndex());
    if (first <= 3) {
      return StunMessageDecoder.looksLikeStun(b) ? STUN : OTHER;
    }
    // 64-127: QUIC short header (and TURN ChannelData, told apart by source address upstream);
    // 128-255: QUIC long header. DCUtR punch noise and anything else falls in OTHER.
    return first >= 64 ? QUIC : OTHER;
  }
}
