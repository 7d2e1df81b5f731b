package io.p2pquic.api.signalling.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The property the fuzz targets of both frame decoders check on any UTF-8 text: it decodes to a frame whose
 * JSON decodes to an equal frame and encodes to the same text again, or it is refused with a
 * {@link SignallingFrameException} that has a code and words; nothing else is thrown.
 */
final class FrameFuzzing {
  /** A frame decoder ({@link ClientFrameDecoder#decode}, {@link ServerFrameDecoder#decode}). */
  @FunctionalInterface
  interface Decoder<F> {
    F decode(String text) throws SignallingFrameException;
  }

  private FrameFuzzing() {}

  /**
   * Checks the property for {@code data}: {@code first} decodes it, {@code second} decodes the re-encoded
   * frame (a refusal there fails the target), {@code toJson} encodes a frame.
   */
  static <F> void decodesOrRefuses(byte[] data, Decoder<F> first, Decoder<F> second, Function<F, JsonObject> toJson)
      throws SignallingFrameException {
    F frame;
    try {
      frame = first.decode(new String(data, StandardCharsets.UTF_8));
    } catch (SignallingFrameException refused) {
      assertThat(refused.code()).isNotNull();
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    String encoded = toJson.apply(frame).encode();
    F again = second.decode(encoded);
    assertThat(again).isEqualTo(frame);
    assertThat(toJson.apply(again).encode()).isEqualTo(encoded);
  }
}
