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
  public static final int HEADER_LENGTH = 4;

  public ChannelData {
    if (!isValidChannel(channelNumber)) {
      throw new IllegalArgumentException(String.format("channel number 0x%04x outside 0x4000-0x4FFF", channelNumber));
    }
    if (data.length > 0xFFFF) {
      throw new IllegalArgumentException("ChannelData carries at most 65535 bytes, got " + data.length);
    }
  }

  public static boolean isValidChannel(int channelNumber) {
    return channelNumber >= MIN_CHANNEL && channelNumber <= MAX_CHANNEL;
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
