package io.p2pquic.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class JsonDataObjectTest {

  /** A data object whose JSON holds secrets at several depths. */
  static final class Sample extends JsonDataObject {
    private final JsonObject json;

    Sample(JsonObject json) {
      this.json = json;
    }

    @Override
    public JsonObject toJson() {
      return json.copy();
    }
  }

  /** Another class with the same JSON: not equal. */
  static final class Other extends JsonDataObject {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("a", 1);
    }
  }

  @Test
  void toStringMasksSecretsAtAnyDepthAndKeepsTheRest() {
    Sample s = new Sample(new JsonObject().put("port", 3478)
        .put("turn", new JsonObject().put("authSecrets", new JsonArray().add("s1").add("s2")).put("realm", "r"))
        .put("turnServers", new JsonArray().add(new JsonObject().put("username", "u").put("password", "p4ss")))
        .put("signalling", new JsonObject().put("grantToken", "t0k")));
    String text = s.toString();
    assertThat(text).startsWith("Sample{").contains("\"port\":3478", "\"realm\":\"r\"", "\"username\":\"u\"")
        .doesNotContain("s1", "s2", "p4ss", "t0k");
    assertThat(s.toJson().getJsonArray("turnServers").getJsonObject(0).getString("password"))
        .as("only the text is masked, not the data").isEqualTo("p4ss");
  }

  @Test
  void equalityIsTheClassAndTheJsonForm() {
    assertThat(new Sample(new JsonObject().put("a", 1))).isEqualTo(new Sample(new JsonObject().put("a", 1)))
        .hasSameHashCodeAs(new Sample(new JsonObject().put("a", 1)))
        .isNotEqualTo(new Sample(new JsonObject().put("a", 2)))
        .isNotEqualTo(new Other());
  }
}
