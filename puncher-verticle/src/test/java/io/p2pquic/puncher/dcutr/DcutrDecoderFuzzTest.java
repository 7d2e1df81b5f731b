package io.p2pquic.puncher.dcutr;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;

/** Any bytes from the relayed stream: a DCUtR message that encodes back to itself, or a DcutrDecodeException. */
class DcutrDecoderFuzzTest {

  @FuzzTest
  void decodesOrRefuses(byte[] data) {
    DcutrMessage m;
    try {
      m = DcutrDecoder.decode(Buffer.buffer(data));
    } catch (DcutrDecodeException refused) {
      return;
    }
    DcutrMessage again;
    try {
      again = DcutrDecoder.decode(DcutrEncoder.encode(m));
    } catch (DcutrDecodeException e) {
      throw new AssertionError("a decoded message does not decode after encoding: " + e.getMessage(), e);
    }
    assertThat(again).isEqualTo(m);
  }
}
