package io.p2pquic.stun;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP byte stream cut into arbitrary reads: the frames do not depend on where the reads were cut, no
 * more bytes come out than went in, and what waits for the rest of a frame never exceeds one frame.
 */
class StunStreamFramerFuzzTest {

  private record Result(List<String> frames, String error) {}

  private static Result feed(boolean channelData, int maxFrame, byte[] stream, int[] cuts) {
    List<String> frames = new ArrayList<>();
    StunStreamFramer framer = new StunStreamFramer(channelData, maxFrame);
    StunStreamFramer.Frames out = new StunStreamFramer.Frames() {
      @Override
      public void stun(byte[] message) {
        frames.add("S" + java.util.HexFormat.of().formatHex(message));
      }

      @Override
      public void channelData(byte[] frame) {
        frames.add("C" + java.util.HexFormat.of().formatHex(frame));
      }
    };
    int at = 0;
    try {
      for (int i = 0; i <= cuts.length; i++) {
        int end = i < cuts.length ? Math.min(stream.length, at + cuts[i]) : stream.length;
        String error = framer.feed(Unpooled.wrappedBuffer(stream, at, end - at), out);
        if (error != null) {
          return new Result(frames, error);
        }
        assertThat(framer.buffered()).isLessThanOrEqualTo(Math.max(maxFrame, 4 + 0xFFFF + 3));
        at = end;
      }
      return new Result(frames, null);
    } finally {
      framer.release();
    }
  }

  @FuzzTest
  void framesDoNotDependOnHowTheStreamWasCut(FuzzedDataProvider in) {
    boolean channelData = in.consumeBoolean();
    int maxFrame = in.consumeInt(20, StunStreamFramer.MAX_STUN_FRAME);
    int[] cuts = new int[in.consumeInt(0, 16)];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = in.consumeInt(0, 300);
    }
    byte[] stream = in.consumeRemainingAsBytes();
    Result whole = feed(channelData, maxFrame, stream, new int[0]);
    Result cut = feed(channelData, maxFrame, stream, cuts);
    assertThat(cut.error()).isEqualTo(whole.error());
    if (whole.error() == null) {
      assertThat(cut.frames()).isEqualTo(whole.frames());
    }
    long out = whole.frames().stream().mapToLong(f -> (f.length() - 1) / 2).sum();
    assertThat(out).isLessThanOrEqualTo(stream.length);
  }
}
