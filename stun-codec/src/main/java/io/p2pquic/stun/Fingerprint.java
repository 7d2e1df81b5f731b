package io.p2pquic.stun;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32;

/** FINGERPRINT (RFC 8489 section 14.7): CRC-32 of the message up to the attribute, XOR 0x5354554e. */
final class Fingerprint {
  static final long XOR = 0x5354554EL;

  private Fingerprint() {}

  /** CRC over {@code message[0, attributeOffset)} with the length field covering the fingerprint. */
  static long compute(byte[] message, int attributeOffset) {
    CRC32 crc = new CRC32();
    int patchedLength = attributeOffset - StunMessage.HEADER_LENGTH + 8;
    crc.update(message, 0, 2);
    crc.update(patchedLength >>> 8);
    crc.update(patchedLength & 0xFF);
    crc.update(message, 4, attributeOffset - 4);
    return crc.getValue() ^ XOR;
  }

  /** As {@link #compute(byte[], int)} for the message at {@code message}'s reader index, read in place. */
  static long compute(ByteBuf message, int attributeOffset) {
    CRC32 crc = new CRC32();
    int base = message.readerIndex();
    int patchedLength = attributeOffset - StunMessage.HEADER_LENGTH + 8;
    crc.update(message.getUnsignedByte(base));
    crc.update(message.getUnsignedByte(base + 1));
    crc.update(patchedLength >>> 8);
    crc.update(patchedLength & 0xFF);
    crc.update(message.nioBuffer(base + 4, attributeOffset - 4));
    return crc.getValue() ^ XOR;
  }
}
