package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** Any conf/rendezvous.json text: a configuration that survives its own JSON, or an IllegalArgumentException. */
class RendezvousConfigFuzzTest {

  @FuzzTest
  void loadsOrRefuses(byte[] data) {
    String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException notAnObject) {
      return;
    }
    RendezvousConfig c;
    try {
      c = RendezvousConfig.fromJson(json);
    } catch (IllegalArgumentException refused) {
      return; // ConfigKeyException included: it names the key
    }
    assertThat(RendezvousConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }
}
