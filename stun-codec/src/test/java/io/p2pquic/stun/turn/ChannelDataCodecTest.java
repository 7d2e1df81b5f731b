package io.p2pquic.stun.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** ChannelData framing (RFC 8656 section 12.4) byte for byte. */
class ChannelDataCodecTest {
  static final HexFormat HEX = HexFormat.of();

  @Test
  void encodesHeaderDataAndPaddingExactly() {
    ChannelData m = new ChannelData(0x4001, new byte[] {1, 2, 3, 4, 5});
    ByteBuf udp = ChannelDataEncoder.encode(m, false, ByteBufAllocator.DEFAULT);
    ByteBuf tcp = ChannelDataEncoder.encode(m, true, ByteBufAllocator.DEFAULT);
    try {
      assertThat(HEX.formatHex(bytes(udp))).isEqualTo("400100050102030405");
      assertThat(HEX.formatHex(bytes(tcp))).isEqualTo("4001000501020304050000" + "00");
    } finally {
      udp.release();
      tcp.release();
    }
  }

  @Test
  void payloadLengthReadsInPlaceWithTheDecodersChecks() throws Exception {
    ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex("40020003aabbcc00"));
    assertThat(ChannelDataDecoder.payloadLength(in, false)).isEqualTo(3);
    assertThat(ChannelDataDecoder.peekChannel(in)).isEqualTo(0x4002);
    assertThat(in.readerIndex()).isZero();
    assertThatThrownBy(() -> ChannelDataDecoder.payloadLength(Unpooled.wrappedBuffer(HEX.parseHex("40020009aabb")), false))
        .isInstanceOf(ChannelDataDecoder.ChannelDataException.class).hasMessageContaining("declares 9 bytes");
    assertThatThrownBy(() -> ChannelDataDecoder.payloadLength(Unpooled.wrappedBuffer(HEX.parseHex("60000000")), false))
        .isInstanceOf(ChannelDataDecoder.ChannelDataException.class).hasMessageContaining("outside");
    assertThat(ChannelDataDecoder.payloadLength(Unpooled.wrappedBuffer(HEX.parseHex("60000000")), true)).isZero();
  }

  @Test
  void decodesAndIgnoresPadding() throws Exception {
    ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex("4fff0003aabbcc00"));
    assertThat(ChannelDataDecoder.looksLikeChannelData(in)).isTrue();
    assertThat(ChannelDataDecoder.frameLength(in, true)).isEqualTo(8);
    assertThat(ChannelDataDecoder.frameLength(in, false)).isEqualTo(7);
    assertThat(ChannelDataDecoder.decode(in)).isEqualTo(new ChannelData(0x4fff, HEX.parseHex("aabbcc")));
    assertThat(in.readableBytes()).isZero();
  }

  @Test
  void emptyPayloadIsValid() throws Exception {
    assertThat(ChannelDataDecoder.decode(Unpooled.wrappedBuffer(HEX.parseHex("40000000"))).data()).isEmpty();
  }

  @Test
  void rejectsReservedChannelsTruncationAndShortHeaders() {
    assertThatThrownBy(() -> ChannelDataDecoder.decode(Unpooled.wrappedBuffer(HEX.parseHex("50000001ff"))))
        .hasMessageContaining("0x5000");
    assertThatThrownBy(() -> ChannelDataDecoder.decode(Unpooled.wrappedBuffer(HEX.parseHex("40010008aabb"))))
        .hasMessageContaining("declares 8 bytes but carries 2");
    assertThatThrownBy(() -> ChannelDataDecoder.decode(Unpooled.wrappedBuffer(HEX.parseHex("4001"))))
        .hasMessageContaining("shorter");
    assertThat(ChannelDataDecoder.looksLikeChannelData(Unpooled.wrappedBuffer(HEX.parseHex("00010000"))))
        .isFalse();
    assertThatThrownBy(() -> new ChannelData(0x3fff, new byte[0])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rfc5766RangeOnlyWhenAsked() throws Exception {
    byte[] wide = HEX.parseHex("7fff0002abcd");
    assertThatThrownBy(() -> ChannelDataDecoder.decode(Unpooled.wrappedBuffer(wide)))
        .hasMessageContaining("outside 0x4000-0x4FFF");
    assertThat(ChannelDataDecoder.decode(Unpooled.wrappedBuffer(wide), true))
        .isEqualTo(new ChannelData(0x7fff, HEX.parseHex("abcd")));
    assertThatThrownBy(() -> ChannelDataDecoder.decode(Unpooled.wrappedBuffer(HEX.parseHex("80000000")), true))
        .hasMessageContaining("0x8000");
    assertThat(ChannelData.isValidChannel(0x5000)).isFalse();
    assertThat(ChannelData.isValidChannel(0x5000, true)).isTrue();
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), out);
    return out;
  }
}
