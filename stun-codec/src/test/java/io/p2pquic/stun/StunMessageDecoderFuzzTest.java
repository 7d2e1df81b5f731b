package io.p2pquic.stun;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any bytes: a message or a {@link StunDecodeException}, nothing else; a decoded message encodes again
 * and decodes to the same type, transaction and attribute count. Replays the committed inputs in every
 * build; {@code fuzz/run.sh} fuzzes it (docs/fuzzing.md).
 */
class StunMessageDecoderFuzzTest {
  private static final StunMessageDecoder DECODER = new StunMessageDecoder();
  private static final StunMessageEncoder ENCODER = new StunMessageEncoder();

  @FuzzTest
  void decodesOrRefuses(byte[] data) {
    StunMessage m;
    try {
      m = DECODER.decode(data.clone());
    } catch (StunDecodeException refused) {
      return;
    }
    StunMessage again;
    try {
      again = DECODER.decode(ENCODER.encodeToBytes(m));
    } catch (StunDecodeException e) {
      throw new AssertionError("a decoded message does not decode after encoding: " + e.getMessage(), e);
    }
    assertThat(again.type()).isEqualTo(m.type());
    assertThat(again.transactionId()).isEqualTo(m.transactionId());
    assertThat(again.attributes()).hasSameSizeAs(m.attributes());
  }
}
