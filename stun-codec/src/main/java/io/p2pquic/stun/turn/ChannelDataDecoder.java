package io.p2pquic.stun.turn;

import io.netty.buffer.ByteBuf;

/**
 * Decodes TURN ChannelData messages (RFC 8656 section 12.4). Over UDP the padding to a multiple of four
 * is optional and ignored; over TCP the stream framer uses {@link #frameLength(ByteBuf, boolean)}.
 */
public final class ChannelDataDecoder {
  private ChannelDataDecoder() {}

  /** True when the first two bits are 0b01, the range RFC 7983 reserves for ChannelData (64-79). */
  public static boolean looksLikeChannelData(ByteBuf buf) {
    if (buf.readableBytes() < ChannelData.HEADER_LENGTH) {
      return false;
    }
    int first = buf.getUnsignedByte(buf.readerIndex());
    return first >= 0x40 && first <= 0x4F;
  }

  /**
   * Bytes the next frame takes on a stream, or -1 if the header is not complete yet. Over TCP the frame
   * is padded to a multiple of four (RFC 8656 section 12.5).
   */
  public static int frameLength(ByteBuf buf, boolean padded) {
    if (buf.readableBytes() < ChannelData.HEADER_LENGTH) {
      return -1;
    }
    int length = buf.getUnsignedShort(buf.readerIndex() + 2);
    int total = ChannelData.HEADER_LENGTH + length;
    return padded ? (total + 3) & ~3 : total;
  }

  /** Channel number of the frame at the reader index, without consuming anything. */
  public static int peekChannel(ByteBuf buf) {
    return buf.getUnsignedShort(buf.readerIndex());
  }

  /**
   * Decodes one ChannelData message from the readable bytes (a whole datagram). Trailing bytes beyond the
   * declared length are padding and ignored; a declared length beyond the datagram is an error.
   */
  public static ChannelData decode(ByteBuf buf) throws ChannelDataException {
    return decode(buf, false);
  }

  /** As {@link #decode(ByteBuf)}; {@code rfc5766Range} also accepts channels 0x5000-0x7FFF (a relay's choice). */
  public static ChannelData decode(ByteBuf buf, boolean rfc5766Range) throws ChannelDataException {
    int length = payloadLength(buf, rfc5766Range);
    int channel = peekChannel(buf);
    byte[] data = new byte[length];
    buf.getBytes(buf.readerIndex() + ChannelData.HEADER_LENGTH, data);
    buf.skipBytes(buf.readableBytes());
    return new ChannelData(channel, data);
  }

  /**
   * Checks the ChannelData message in the readable bytes (a whole datagram) as {@link #decode(ByteBuf,
   * boolean)} does and returns the length of its data, which follows the 4-byte header; the channel is
   * {@link #peekChannel}. Reads in place and moves nothing: the relay's per-packet path.
   */
  public static int payloadLength(ByteBuf buf, boolean rfc5766Range) throws ChannelDataException {
    if (buf.readableBytes() < ChannelData.HEADER_LENGTH) {
      throw new ChannelDataException("ChannelData shorter than its 4-byte header: " + buf.readableBytes() + " bytes");
    }
    int start = buf.readerIndex();
    int channel = buf.getUnsignedShort(start);
    if (!ChannelData.isValidChannel(channel, rfc5766Range)) {
      throw new ChannelDataException(String.format("channel number 0x%04x outside 0x4000-%s", channel,
          rfc5766Range ? "0x7FFF" : "0x4FFF"));
    }
    int length = buf.getUnsignedShort(start + 2);
    if (length > buf.readableBytes() - ChannelData.HEADER_LENGTH) {
      throw new ChannelDataException(
          "ChannelData declares " + length + " bytes but carries " + (buf.readableBytes() - ChannelData.HEADER_LENGTH));
    }
    return length;
  }

  /** Thrown for a ChannelData message that must be discarded (RFC 8656 section 12.6). */
  public static final class ChannelDataException extends Exception {
    public ChannelDataException(String message) {
      super(message);
    }
  }
}
