package io.p2pquic.stun.turn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;

/** Any datagram: ChannelData within the datagram, or a {@link ChannelDataException}. */
class ChannelDataDecoderFuzzTest {

  @FuzzTest
  void decodesOrRefuses(byte[] data) {
    for (boolean wideRange : new boolean[] {false, true}) {
      ChannelData d;
      try {
        d = ChannelDataDecoder.decode(Unpooled.wrappedBuffer(data), wideRange);
      } catch (ChannelDataDecoder.ChannelDataException refused) {
        continue;
      }
      assertThat(d.data().length).isLessThanOrEqualTo(data.length - ChannelData.HEADER_LENGTH);
      assertThat(ChannelData.isValidChannel(d.channelNumber(), wideRange)).isTrue();
    }
  }
}
