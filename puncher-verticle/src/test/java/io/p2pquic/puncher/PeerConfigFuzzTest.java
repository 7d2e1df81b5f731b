package io.p2pquic.puncher;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** Any conf/peer.json text: a configuration that survives its own JSON, or an IllegalArgumentException. */
class PeerConfigFuzzTest {

  @FuzzTest
  void loadsOrRefuses(byte[] data) {
    String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException notAnObject) {
      return;
    }
    PeerConfig c;
    try {
      c = PeerConfig.fromJson(json);
    } catch (IllegalArgumentException refused) {
      return; // ConfigKeyException included: it names the key
    }
    assertThat(PeerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }
}
