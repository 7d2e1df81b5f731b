package io.p2pquic.api.signalling.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Any UTF-8 text frame a rendezvous (hostile or broken) could send a peer: a {@link ServerFrame} whose JSON
 * decodes to an equal frame and encodes to the same text again, or a {@link SignallingFrameException};
 * nothing else is thrown. Replays the committed inputs in every build; {@code fuzz/run.sh} fuzzes it
 * (docs/fuzzing.md).
 */
class ServerFrameDecoderFuzzTest {
  private static final ServerFrameDecoder DECODER = new ServerFrameDecoder();

  @FuzzTest
  void decodesOrRefuses(byte[] data) throws SignallingFrameException {
    ServerFrame frame;
    try {
      frame = DECODER.decode(new String(data, StandardCharsets.UTF_8));
    } catch (SignallingFrameException refused) {
      assertThat(refused.code()).isNotNull();
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    String encoded = frame.toJson().encode();
    ServerFrame again = DECODER.decode(encoded); // a refusal here fails the target
    assertThat(again).isEqualTo(frame);
    assertThat(again.toJson().encode()).isEqualTo(encoded);
  }
}
