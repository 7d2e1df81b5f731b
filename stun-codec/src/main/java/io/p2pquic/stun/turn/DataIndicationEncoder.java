package io.p2pquic.stun.turn;

import io.netty.buffer.ByteBuf;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * Writes a TURN Data indication (RFC 8656 section 11.6): XOR-PEER-ADDRESS and DATA, padded with zeros,
 * no FINGERPRINT, byte for byte what {@code StunMessageEncoder} makes of the same message, straight into
 * the outgoing buffer: the relay's per-packet path towards a client without a channel.
 */
public final class DataIndicationEncoder {
  /** Wire type of a Data indication (0x0017). */
  public static final int WIRE_TYPE = StunMessageType.of(StunMethod.DATA, StunClass.INDICATION).toWire();

  private DataIndicationEncoder() {}

  /** Bytes {@link #encode} writes for a peer of this family and {@code dataLength} bytes of data. */
  public static int encodedLength(InetSocketAddress peer, int dataLength) {
    int address = peer.getAddress() instanceof Inet4Address ? 8 : 20;
    return StunMessage.HEADER_LENGTH + 4 + address + 4 + ((dataLength + 3) & ~3);
  }

  /**
   * Appends the indication to {@code out}: a transaction id of 12 bytes from {@code random} (indications
   * are never answered, so they need no secure randomness), {@code peer} XORed as RFC 8489 section 14.2
   * says, then the readable bytes of {@code data} (not consumed).
   */
  public static void encode(ByteBuf out, InetSocketAddress peer, ByteBuf data, RandomGenerator random) {
    int length = data.readableBytes();
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("DATA carries at most 65535 bytes, got " + length);
    }
    byte[] addr = peer.getAddress().getAddress();
    int start = out.writerIndex();
    int messageLength = encodedLength(peer, length) - StunMessage.HEADER_LENGTH;
    out.writeShort(WIRE_TYPE);
    out.writeShort(messageLength);
    out.writeInt(StunMessage.MAGIC_COOKIE);
    int tid = out.writerIndex();
    out.writeInt(random.nextInt());
    out.writeInt(random.nextInt());
    out.writeInt(random.nextInt());
    out.writeShort(StunAttributeType.XOR_PEER_ADDRESS);
    out.writeShort(4 + addr.length);
    out.writeByte(0);
    out.writeByte(addr.length == 4 ? 0x01 : 0x02);
    out.writeShort(peer.getPort() ^ (StunMessage.MAGIC_COOKIE >>> 16));
    StunMessageDecoder.xorAddress(addr, out, tid);
    out.writeBytes(addr);
    out.writeShort(StunAttributeType.DATA);
    out.writeShort(length);
    out.writeBytes(data, data.readerIndex(), length);
    out.writeZero(((length + 3) & ~3) - length);
    assert out.writerIndex() - start == StunMessage.HEADER_LENGTH + messageLength;
  }
}
