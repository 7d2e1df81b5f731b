package io.p2pquic.puncher.quicnative;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The packet the accepting side of a quic-native session sends to each of the dialer's candidates to
 * open its own NAT mapping towards them (the dialer's first Initials bounce off that NAT until it has).
 * Its first byte is in the QUIC range (0x40-0xFF) so the demultiplexer passes it on to the
 * {@link CandidateProbe}, which consumes it and learns the address it came from (the listener's port
 * towards the dialer, peer-reflexive when its NAT maps per destination); a QUIC codec that saw one
 * anyway would drop it as a short header with an unknown connection id. Layout: {@code 0x7f},
 * ASCII "p2pq-punch", the 8-byte session token.
 */
final class PunchPacket {
  private static final byte FIRST = 0x7f;
  private static final byte[] MAGIC = "p2pq-punch".getBytes(StandardCharsets.US_ASCII);
  static final int LENGTH = 1 + MAGIC.length + 8;

  private PunchPacket() {}

  static ByteBuf encode(long token) {
    ByteBuf b = Unpooled.buffer(LENGTH);
    b.writeByte(FIRST).writeBytes(MAGIC).writeLong(token);
    return b;
  }

  /** True if {@code b} is a punch packet of the session with {@code token}. */
  static boolean matches(ByteBuf b, long token) {
    int i = b.readerIndex();
    return b.readableBytes() == LENGTH && b.getByte(i) == FIRST
        && ByteBufUtil.equals(b, i + 1, Unpooled.wrappedBuffer(MAGIC), 0, MAGIC.length)
        && b.getLong(i + 1 + MAGIC.length) == token;
  }

  /** The session's token: both sides derive it from the session id. */
  static long token(String sessionId) {
    return java.util.UUID.nameUUIDFromBytes(("p2pq-punch:" + sessionId).getBytes(StandardCharsets.UTF_8))
        .getMostSignificantBits();
  }
}
