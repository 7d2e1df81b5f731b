package io.p2pquic.api.signalling.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Any body another peer (hostile or broken) could relay under any session message type: a {@link SessionSignal}
 * whose JSON decodes to an equal signal and encodes to the same text again, or a
 * {@link SessionSignalException}; nothing else is thrown. The first byte picks the type, the rest is the body's
 * JSON text. Replays the committed inputs in every build; {@code fuzz/run.sh} fuzzes it (docs/fuzzing.md).
 */
class SessionSignalFuzzTest {
  private static final List<String> TYPES = SessionSignal.TYPES.stream().sorted().toList();

  @FuzzTest
  void decodesOrRefuses(byte[] data) {
    if (data.length == 0) {
      return;
    }
    String type = TYPES.get(Math.floorMod(data[0], TYPES.size()));
    JsonObject body;
    try {
      body = new JsonObject(new String(Arrays.copyOfRange(data, 1, data.length), StandardCharsets.UTF_8));
    } catch (RuntimeException | StackOverflowError notAnObject) {
      return; // the rendezvous relays only JSON object bodies
    }
    SessionSignal signal;
    try {
      signal = SessionSignal.decode(type, body);
    } catch (SessionSignalException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(signal.type()).isEqualTo(type);
    String encoded = signal.toJson().encode();
    SessionSignal again = SessionSignal.decode(type, new JsonObject(encoded)); // a refusal here fails the target
    assertThat(again).isEqualTo(signal);
    assertThat(again.toJson().encode()).isEqualTo(encoded);
  }
}
