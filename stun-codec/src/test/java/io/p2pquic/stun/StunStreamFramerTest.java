package io.p2pquic.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cutting a TCP stream into STUN messages and ChannelData frames, byte for byte. */
class StunStreamFramerTest {
  private static final HexFormat HEX = HexFormat.of();
  /** A Binding request with no attributes (transaction id 0102...0c). */
  private static final String BINDING = "0001" + "0000" + "2112a442" + "0102030405060708090a0b0c";
  /** ChannelData on channel 0x4001 carrying 5 bytes, padded to 12 on a stream. */
  private static final String CHANNEL_DATA = "40010005" + "0102030405" + "000000";

  private final List<String> seen = new ArrayList<>();
  private final StunStreamFramer.Frames record = new StunStreamFramer.Frames() {
    @Override
    public void stun(byte[] message) {
      seen.add("stun:" + HEX.formatHex(message));
    }

    @Override
    public void channelData(byte[] frame) {
      seen.add("cd:" + HEX.formatHex(frame));
    }
  };

  @Test
  void everySplitOfTheStreamYieldsTheSameFrames() {
    byte[] stream = HEX.parseHex(BINDING + CHANNEL_DATA + BINDING);
    for (int cut1 = 0; cut1 <= stream.length; cut1++) {
      for (int cut2 = cut1; cut2 <= stream.length; cut2++) {
        seen.clear();
        StunStreamFramer framer = new StunStreamFramer(true, StunStreamFramer.MAX_STUN_FRAME);
        assertThat(framer.feed(slice(stream, 0, cut1), record)).isNull();
        assertThat(framer.feed(slice(stream, cut1, cut2), record)).isNull();
        assertThat(framer.feed(slice(stream, cut2, stream.length), record)).isNull();
        assertThat(seen).as("cuts %d/%d", cut1, cut2)
            .containsExactly("stun:" + BINDING, "cd:" + CHANNEL_DATA, "stun:" + BINDING);
        assertThat(framer.buffered()).isZero();
      }
    }
  }

  @Test
  void onlyTheTailOfAnIncompleteFrameIsKept() {
    StunStreamFramer framer = new StunStreamFramer(true, StunStreamFramer.MAX_STUN_FRAME);
    // Thousands of tiny frames and the first 7 bytes of a Binding request in one chunk.
    StringBuilder chunk = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      chunk.append("40010000");
    }
    chunk.append(BINDING, 0, 14);
    assertThat(framer.feed(Unpooled.wrappedBuffer(HEX.parseHex(chunk.toString())), record)).isNull();
    assertThat(seen).hasSize(5_000).allMatch(f -> f.equals("cd:40010000"));
    assertThat(framer.buffered()).isEqualTo(7);
    assertThat(framer.feed(Unpooled.wrappedBuffer(HEX.parseHex(BINDING.substring(14))), record)).isNull();
    assertThat(seen).hasSize(5_001).last().isEqualTo("stun:" + BINDING);
    assertThat(framer.buffered()).isZero();
  }

  @Test
  void channelDataIsNotStunOnAPlainStunConnection() {
    StunStreamFramer framer = new StunStreamFramer(false, StunStreamFramer.MAX_STUN_FRAME);
    assertThat(framer.feed(Unpooled.wrappedBuffer(HEX.parseHex(CHANNEL_DATA)), record)).isEqualTo("not-stun");
    assertThat(seen).isEmpty();
  }

  @Test
  void httpOrQuicOnTheStunPortIsNotStun() {
    StunStreamFramer stun = new StunStreamFramer(false, StunStreamFramer.MAX_STUN_FRAME);
    assertThat(stun.feed(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n".getBytes()), record)).isEqualTo("not-stun");
    // On a TURN connection 0b01 starts ChannelData ("GET" does); a QUIC long header (0b11) is neither.
    StunStreamFramer turn = new StunStreamFramer(true, StunStreamFramer.MAX_STUN_FRAME);
    assertThat(turn.feed(Unpooled.wrappedBuffer(HEX.parseHex("c300000001")), record)).isEqualTo("not-stun");
    assertThat(seen).isEmpty();
  }

  @Test
  void aMessageLongerThanTheLimitEndsTheStreamBeforeItsBytesArrive() {
    StunStreamFramer framer = new StunStreamFramer(false, 548);
    // The header announces 1000 bytes of attributes: refused on the header alone.
    assertThat(framer.feed(Unpooled.wrappedBuffer(HEX.parseHex("000103e82112a442")), record)).isEqualTo("too-large");
    assertThat(framer.buffered()).isZero();
  }

  @Test
  void theChunkIsConsumedButNotReleased() {
    StunStreamFramer framer = new StunStreamFramer(false, StunStreamFramer.MAX_STUN_FRAME);
    ByteBuf chunk = Unpooled.wrappedBuffer(HEX.parseHex(BINDING + BINDING.substring(0, 10)));
    assertThat(framer.feed(chunk, record)).isNull();
    assertThat(chunk.refCnt()).isEqualTo(1);
    assertThat(chunk.readableBytes()).isZero();
    assertThat(framer.buffered()).isEqualTo(5);
    framer.release();
    assertThat(framer.buffered()).isZero();
  }

  private static ByteBuf slice(byte[] bytes, int from, int to) {
    return Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(bytes, from, to));
  }
}
