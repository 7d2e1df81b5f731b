package io.p2pquic.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictConfigTest {

  /** A two-level section shaped like the real ones: {"http": {"port": N, "bind": S}, "name": S, "servers": [{"host"}]}. */
  private static List<String> parse(JsonObject json) {
    List<String> seen = new ArrayList<>();
    StrictConfig.read(json, List.of("http", "name", "servers"), (k, v) -> {
      switch (k) {
        case "http" -> StrictConfig.read(StrictConfig.object(v), List.of("port", "bind"), (hk, hv) -> {
          switch (hk) {
            case "port" -> seen.add("port=" + StrictConfig.intValue(hv, 0, 65535));
            case "bind" -> seen.add("bind=" + StrictConfig.string(hv));
            default -> throw new AssertionError(hk);
          }
        });
        case "name" -> seen.add("name=" + (String) v);
        case "servers" -> StrictConfig.readArray(StrictConfig.array(v), (i, s) ->
            StrictConfig.read(StrictConfig.object(s), List.of("host"), (sk, sv) -> {
              if (StrictConfig.string(sv).isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
              }
              seen.add("host=" + sv);
            }));
        default -> throw new AssertionError(k);
      }
    });
    return seen;
  }

  @Test
  void readsKnownKeysOfEveryLevel() {
    assertThat(parse(new JsonObject("{\"http\":{\"port\":8088,\"bind\":\"127.0.0.1\"},\"name\":\"x\","
        + "\"servers\":[{\"host\":\"a\"},{\"host\":\"b\"}]}")))
        .containsExactly("port=8088", "bind=127.0.0.1", "name=x", "host=a", "host=b");
  }

  @Test
  void unknownKeyAtAnyDepthIsNamedWithItsFullPath() {
    assertThatThrownBy(() -> parse(new JsonObject("{\"http\":{\"prot\":1}}")))
        .isInstanceOf(ConfigKeyException.class)
        .hasMessage("http.prot is not a known key (known: port, bind)")
        .extracting(e -> ((ConfigKeyException) e).path()).isEqualTo("http.prot");
    assertThatThrownBy(() -> parse(new JsonObject("{\"servers\":[{\"host\":\"a\"},{\"hots\":\"b\"}]}")))
        .hasMessage("servers[1].hots is not a known key (known: host)");
    assertThatThrownBy(() -> parse(new JsonObject("{\"nmae\":1}")))
        .hasMessage("nmae is not a known key (known: http, name, servers)");
  }

  @Test
  void wrongTypesNameTheKeyPathAndTheExpectedType() {
    assertThatThrownBy(() -> parse(new JsonObject("{\"http\":{\"port\":\"abc\"}}")))
        .hasMessage("http.port has the wrong type: \"abc\" (expected a whole number)");
    assertThatThrownBy(() -> parse(new JsonObject("{\"http\":{\"port\":80.5}}")))
        .hasMessage("http.port has the wrong type: 80.5 (expected a whole number)");
    assertThatThrownBy(() -> parse(new JsonObject("{\"http\":8088}")))
        .hasMessage("http has the wrong type: 8088 (expected an object {...})");
    // A plain cast in a reader is caught too.
    assertThatThrownBy(() -> parse(new JsonObject("{\"name\":5}")))
        .hasMessage("name has the wrong type: 5");
  }

  @Test
  void invalidValuesKeepTheValidatorsWordsUnderTheFullPath() {
    assertThatThrownBy(() -> parse(new JsonObject("{\"http\":{\"port\":70000}}")))
        .hasMessage("http.port must be between 0 and 65535, is 70000");
    assertThatThrownBy(() -> parse(new JsonObject("{\"servers\":[{\"host\":\" \"}]}")))
        .hasMessage("servers[0].host must not be blank");
  }

  @Test
  void stringListsAcceptOneStringAndNameABadElement() {
    assertThat(StrictConfig.strings("a")).containsExactly("a");
    assertThat(StrictConfig.strings(new JsonArray().add("a").add("b"))).containsExactly("a", "b");
    assertThatThrownBy(() -> StrictConfig.read(new JsonObject().put("list", new JsonArray().add("a").add(3)),
        List.of("list"), (k, v) -> StrictConfig.strings(v)))
        .hasMessage("list[1] has the wrong type: 3 (expected a string)");
  }

  @Test
  void aSectionThatNamesItselfIsNotPrefixedTwice() {
    StrictConfig.EntryReader stun = (k, v) -> StrictConfig.read("stun", StrictConfig.object(v), List.of("port"),
        (sk, sv) -> StrictConfig.intValue(sv, 0, 65535));
    // Parsed on its own: full path.
    assertThatThrownBy(() -> StrictConfig.read("stun", new JsonObject().put("prot", 1), List.of("port"), (k, v) -> { }))
        .hasMessage("stun.prot is not a known key (known: port)");
    // Parsed through its parent: the same path, once.
    assertThatThrownBy(() -> StrictConfig.read(new JsonObject("{\"stun\":{\"port\":\"x\"}}"), List.of("stun"), stun))
        .hasMessage("stun.port has the wrong type: \"x\" (expected a whole number)");
  }
}
