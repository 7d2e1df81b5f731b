package io.p2pquic.quic.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The stream preamble byte for byte, and every way its first bytes can be wrong. */
class StreamPreambleTest {
  private static Buffer hex(String h) {
    return Buffer.buffer(HexFormat.of().parseHex(h));
  }

  @Test
  void encodesExactBytes() {
    assertThat(HexFormat.of().formatHex(StreamPreamble.of(StreamKind.TCP).encode().getBytes()))
        .isEqualTo("50325153" + "01" + "01" + "00");
    assertThat(HexFormat.of().formatHex(new StreamPreamble(StreamKind.PIPE, "ssh").encode().getBytes()))
        .isEqualTo("50325153" + "01" + "02" + "03" + "737368");
  }

  @Test
  void decodesWholeAndLeavesTheRestAsData() {
    StreamPreamble.Decoded d = StreamPreamble.decode(hex("50325153010103737368" + "abcd"));
    assertThat(d.preamble()).isEqualTo(new StreamPreamble(StreamKind.TCP, "ssh"));
    assertThat(d.length()).isEqualTo(10);
  }

  @Test
  void aValidPrefixAsksForMore() {
    for (String prefix : new String[] {"", "50", "503251", "5032515301", "503251530101", "50325153010103", "503251530101037373"}) {
      assertThat(StreamPreamble.decode(hex(prefix))).as(prefix).isNull();
    }
  }

  @Test
  void garbledInputIsRefusedAtTheFirstWrongByte() {
    assertThatThrownBy(() -> StreamPreamble.decode(hex("47"))).hasMessageContaining("no P2QS magic");
    assertThatThrownBy(() -> StreamPreamble.decode(hex("5032515302"))).hasMessageContaining("version 2");
    assertThatThrownBy(() -> StreamPreamble.decode(hex("503251530109"))).hasMessageContaining("unknown stream kind 9");
    assertThatThrownBy(() -> StreamPreamble.decode(hex("50325153010141"))).hasMessageContaining("65 bytes");
    assertThatThrownBy(() -> StreamPreamble.decode(hex("50325153010101ff"))).hasMessageContaining("not UTF-8");
    assertThatThrownBy(() -> new StreamPreamble(StreamKind.TCP, "x".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pingAndPongAreTwelveBytesThatNoDcutrMessageStartsWith() {
    assertThat(PeerSession.PING_MAGIC.toString()).isEqualTo("P2PI");
    assertThat(PeerSession.PONG_MAGIC.toString()).isEqualTo("P2PO");
    // DCUtR messages are protobuf: their first byte is a field tag (0x08 = field 1, varint), never 'P'.
    assertThat(PeerSession.PING_MAGIC.getByte(0)).isNotEqualTo((byte) 0x08);
  }
}
