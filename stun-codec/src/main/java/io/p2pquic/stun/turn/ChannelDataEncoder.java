package io.p2pquic.stun.turn;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Encodes TURN ChannelData messages (RFC 8656 section 12.4). */
public final class ChannelDataEncoder {
  private ChannelDataEncoder() {}

  /** Writes the header and data; {@code padded} adds zero bytes to a multiple of four (required over TCP). */
  public static void encode(int channelNumber, ByteBuf data, boolean padded, ByteBuf out) {
    // Frames any channel a binding accepted (RFC 5766's range included); which numbers are allowed is
    // the binder's decision (ChannelData#isValidChannel).
    if (!ChannelData.isValidChannel(channelNumber, true)) {
      throw new IllegalArgumentException(String.format("channel number 0x%04x outside 0x4000-0x7FFF", channelNumber));
    }
    int length = data.readableBytes();
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("ChannelData carries at most 65535 bytes, got " + length);
    }
    out.writeShort(channelNumber);
    out.writeShort(length);
    out.writeBytes(data, data.readerIndex(), length);
    if (padded) {
      out.writeZero((4 - (length & 3)) & 3);
    }
  }

  public static ByteBuf encode(ChannelData message, boolean padded, ByteBufAllocator alloc) {
    int length = message.data().length;
    ByteBuf out = alloc.buffer(ChannelData.HEADER_LENGTH + length + 3);
    out.writeShort(message.channelNumber());
    out.writeShort(length);
    out.writeBytes(message.data());
    if (padded) {
      out.writeZero((4 - (length & 3)) & 3);
    }
    return out;
  }
}
