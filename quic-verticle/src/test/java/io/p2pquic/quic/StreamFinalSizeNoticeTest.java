package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class StreamFinalSizeNoticeTest {

  @Test
  void encodesToTheDocumentedTwentyBytes() {
    ByteBuf b = new StreamFinalSizeNotice(4, 4194304).encode();
    assertThat(ByteBufUtil.hexDump(b)).isEqualTo("50325046" + "0000000000000004" + "0000000000400000");
    assertThat(StreamFinalSizeNotice.matches(b)).isTrue();
    assertThat(StreamFinalSizeNotice.decode(b)).isEqualTo(new StreamFinalSizeNotice(4, 4194304));
    assertThat(b.readerIndex()).isZero();
    b.release();
  }

  @Test
  void otherDatagramsDoNotMatch() {
    assertThat(StreamFinalSizeNotice.matches(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50325046" + "0000000000000004" + "00000000004000")))).as("19 bytes").isFalse();
    assertThat(StreamFinalSizeNotice.matches(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50325049" + "0000000000000004" + "0000000000400000")))).as("P2PI magic").isFalse();
    assertThat(StreamFinalSizeNotice.matches(Unpooled.buffer(0))).isFalse();
  }

  @Test
  void numbersOutsideQuicsRangeAreRefused() {
    ByteBuf hugeId = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50325046" + "4000000000000000" + "0000000000000001"));
    assertThat(StreamFinalSizeNotice.matches(hugeId)).isTrue();
    assertThat(StreamFinalSizeNotice.decode(hugeId)).isNull();
    ByteBuf negativeSize = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50325046" + "0000000000000000" + "ffffffffffffffff"));
    assertThat(StreamFinalSizeNotice.decode(negativeSize)).isNull();
    assertThatThrownBy(() -> new StreamFinalSizeNotice(-1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
