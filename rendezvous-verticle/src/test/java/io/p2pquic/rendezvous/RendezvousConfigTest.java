package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.config.ConfigKeyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** conf/rendezvous.json errors name the full key path, whichever section class parses the key. */
class RendezvousConfigTest {

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> RendezvousConfig.fromJson(new JsonObject(json)))
        .isInstanceOf(ConfigKeyException.class)
        .hasMessage(message);
  }

  @Test
  void wrongTypesAndUnknownKeysNameTheFullPath() {
    assertBad("{\"http\":{\"port\":\"abc\"}}", "http.port has the wrong type: \"abc\" (expected a whole number)");
    assertBad("{\"http\":{\"port\":70000}}", "http.port must be between 0 and 65535, is 70000");
    assertBad("{\"http\":{\"prot\":1}}", "http.prot is not a known key (known: port, bind, tls, eventLoops)");
    assertBad("{\"http\":{\"tls\":{\"enabled\":\"yes\"}}}",
        "http.tls.enabled has the wrong type: \"yes\" (expected true or false)");
    assertBad("{\"http\":{\"tls\":{\"cert\":\"a.pem\"}}}",
        "http.tls.cert is not a known key (known: enabled, certFile, keyFile)");
    assertBad("{\"stun\":{\"port\":true}}", "stun.port has the wrong type: true (expected a whole number)");
    assertBad("{\"turn\":{\"enabled\":\"yes\"}}", "turn.enabled has the wrong type: \"yes\" (expected true or false)");
    assertBad("{\"signalling\":{\"quicPort\":\"8089\"}}",
        "signalling.quicPort has the wrong type: \"8089\" (expected a whole number)");
    assertBad("{\"relays\":{\"ttl\":1}}", "relays.ttl is not a known key (known: announceIntervalMs, maxPerGrant, mapName)");
    assertBad("{\"clutser\":true}", "clutser is not a known key (known: bind, http, admin, stun, signalling, turn, relays, cluster)");
  }

  @Test
  void sectionValidatorsKeepTheirWordsUnderTheFullPath() {
    assertBad("{\"turn\":{\"portRange\":\"9-1\"}}", "turn.portRange must be min-max within 1-65535, is 9-1");
    assertBad("{\"signalling\":{\"rateBurst\":0}}", "signalling.rateBurst must be >= 1, got 0");
  }

  @Test
  void theShippedFileRoundTrips() throws Exception {
    JsonObject shipped = new JsonObject(java.nio.file.Files.readString(java.nio.file.Path.of("../conf/rendezvous.json")));
    RendezvousConfig c = RendezvousConfig.fromJson(shipped);
    assertThat(RendezvousConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }
}
