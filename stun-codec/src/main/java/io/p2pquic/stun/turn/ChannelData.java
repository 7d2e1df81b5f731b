package io.p2pquic.stun.turn;

import java.util.Arrays;

/**
 * A TURN ChannelData message (RFC 8656 section 12.4): a 4-byte header (channel number, length) and the
 * application data, relayed between a client and one peer bound to the channel.
 */
public record ChannelData(int channelNumber, byte[] data) {
  /** Lowest valid channel number (RFC 8656 section 12). */
  public static final int MIN_CHANNEL = 0x4000;
  /** Highest valid channel number; 0x5000-0xFFFF are reserved. */
  public static final int MAX_CHANNEL = 0x4FFF;
  /**
   * Highest channel number of RFC 5766, which RFC 8656 narrowed to 0x4FFF. Clients built on the old
   * range (libwebrtc, pion, coturn's own uclient) still bind numbers up to 0x7FFF; a relay may accept
   * them for interoperability ({@link #isValidChannel(int, boolean)}).
   */
  public static final int RFC5766_MAX_CHANNEL = 0x7FFF;
  public static final int HEADER_LENGTH = 4;

  public ChannelData {
    if (!isValidChannel(channelNumber, true)) {
      throw new IllegalArgumentException(String.format("channel number 0x%04x outside 0x4000-0x7FFF", channelNumber));
    }
    if (data.length > 0xFFFF) {
      throw new IllegalArgumentException("ChannelData carries at most 65535 bytes, got " + data.length);
    }
  }

  /** A channel number RFC 8656 allows (0x4000-0x4FFF). */
  public static boolean isValidChannel(int channelNumber) {
    return isValidChannel(channelNumber, false);
  }

  /** With {@code rfc5766Range}, also 0x5000-0x7FFF (RFC 5766's range). */
  public static boolean isValidChannel(int channelNumber, boolean rfc5766Range) {
    return channelNumber >= MIN_CHANNEL && channelNumber <= (rfc5766Range ? RFC5766_MAX_CHANNEL : MAX_CHANNEL);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelData c && c.channelNumber == channelNumber && Arrays.equals(c.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * channelNumber + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return String.format("ChannelData[channel=0x%04x, %d bytes]", channelNumber, data.length);
  }
}
