package io.p2pquic.stun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2pquic.stun.turn.ChannelDataDecoder;

/**
 * Cuts a TCP (or TLS) byte stream into STUN messages and, for TURN, ChannelData frames (RFC 8489
 * section 6.2.2, RFC 8656 section 12.5). Work is bounded per byte received: complete frames are cut
 * from the arriving chunk in place, and only the tail of an incomplete frame is kept, compacted at
 * most once per chunk (never once per frame, which let a stream of tiny frames cost quadratic time).
 * Not thread-safe: one per connection, fed from its event loop.
 */
public final class StunStreamFramer {
  /** The largest STUN message a 16-bit length field can describe. */
  public static final int MAX_STUN_FRAME = StunMessage.HEADER_LENGTH + 0xFFFF;

  /** Receives complete frames, each in its own array (decoders keep them for integrity checks). */
  public interface Frames {
    void stun(byte[] message);

    /** A padded ChannelData frame; only when the framer was made with {@code channelData}. */
    default void channelData(byte[] frame) {}
  }

  private final boolean channelData;
  private final int maxStunFrame;
  /** Bytes of the incomplete frame at the end of the stream so far; null or empty when none. */
  private ByteBuf pending;

  /**
   * @param channelData true on a TURN connection: frames starting 0b01 are ChannelData, not an error
   * @param maxStunFrame a STUN message longer than this ends the stream
   */
  public StunStreamFramer(boolean channelData, int maxStunFrame) {
    this.channelData = channelData;
    this.maxStunFrame = Math.min(maxStunFrame, MAX_STUN_FRAME);
  }

  /**
   * Hands every frame completed by {@code data} to {@code out}, in order. Returns null, or why the
   * stream cannot be STUN ({@code not-stun}, {@code too-large}): there is no way to find the next frame,
   * so the caller closes the connection. {@code data}'s reader index is advanced; it is not released.
   */
  public String feed(ByteBuf data, Frames out) {
    ByteBuf in = data;
    if (pending != null && pending.isReadable()) {
      pending.writeBytes(data);
      in = pending;
    }
    String error = cut(in, out);
    if (error != null) {
      release();
      return error;
    }
    if (in == pending) {
      pending.discardReadBytes();
    } else if (data.isReadable()) {
      if (pending == null) {
        pending = Unpooled.buffer(Math.max(256, data.readableBytes()));
      }
      pending.clear().writeBytes(data);
    }
    return null;
  }

  /** Bytes held for an incomplete frame. */
  public int buffered() {
    return pending == null ? 0 : pending.readableBytes();
  }

  /** Drops what is buffered (the connection closed). */
  public void release() {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }

  private String cut(ByteBuf in, Frames out) {
    while (in.readableBytes() >= 4) {
      int first = in.getUnsignedByte(in.readerIndex());
      // 0b01: ChannelData (RFC 8656 allows channels 0x4000-0x4FFF, RFC 5766 clients such as coturn's use
      // up to 0x7FFF; the relay decides which channel numbers it binds).
      boolean isChannelData = channelData && (first & 0xC0) == 0x40;
      int frame;
      if (isChannelData) {
        frame = ChannelDataDecoder.frameLength(in, true);
      } else if ((first & 0xC0) != 0) {
        return "not-stun";
      } else {
        frame = StunMessageDecoder.frameLength(in);
        if (frame > maxStunFrame) {
          return "too-large";
        }
      }
      if (in.readableBytes() < frame) {
        return null;
      }
      byte[] bytes = new byte[frame];
      in.readBytes(bytes);
      if (isChannelData) {
        out.channelData(bytes);
      } else {
        out.stun(bytes);
      }
    }
    return null;
  }
}
