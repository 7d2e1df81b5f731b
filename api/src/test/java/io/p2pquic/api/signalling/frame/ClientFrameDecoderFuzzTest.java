package io.p2pquic.api.signalling.frame;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any UTF-8 text frame a client could send (both signalling transports hand the rendezvous UTF-8 text): a
 * {@link ClientFrame} whose JSON decodes to an equal frame and encodes to the same text again, or a
 * {@link SignallingFrameException} with a code and words; nothing else is thrown. Replays the committed
 * inputs in every build; {@code fuzz/run.sh} fuzzes it (docs/fuzzing.md).
 */
class ClientFrameDecoderFuzzTest {
  private static final ClientFrameDecoder DECODER = new ClientFrameDecoder(16 * 1024);
  /** Re-encoding may lengthen a frame ({@code 1E2} becomes {@code 100.0}): no limit on the second pass. */
  private static final ClientFrameDecoder UNLIMITED = new ClientFrameDecoder(Integer.MAX_VALUE);

  @FuzzTest
  void decodesOrRefuses(byte[] data) throws SignallingFrameException {
    FrameFuzzing.decodesOrRefuses(data, DECODER::decode, UNLIMITED::decode, ClientFrame::toJson);
  }
}
