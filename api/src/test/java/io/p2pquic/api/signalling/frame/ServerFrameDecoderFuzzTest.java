package io.p2pquic.api.signalling.frame;

import com.code_intelligence.jazzer.junit.FuzzTest;

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
    FrameFuzzing.decodesOrRefuses(data, DECODER::decode, DECODER::decode, ServerFrame::toJson);
  }
}
