package io.p2pquic.testsupport;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The property every configuration file reader keeps, for fuzz tests: any text is either refused
 * (not a JSON object, or an {@link IllegalArgumentException} that names the key) or read into a
 * configuration that survives its own JSON unchanged.
 */
public final class ConfigFuzz {
  private ConfigFuzz() {}

  public static <T> void loadsOrRefuses(byte[] data, Function<JsonObject, T> fromJson, Function<T, JsonObject> toJson) {
    JsonObject json;
    try {
      json = new JsonObject(new String(data, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException notAnObject) {
      return;
    }
    T config;
    try {
      config = fromJson.apply(json);
    } catch (IllegalArgumentException refused) {
      return; // ConfigKeyException included: it names the key
    }
    JsonObject once = toJson.apply(config);
    JsonObject twice = toJson.apply(fromJson.apply(once));
    if (!once.equals(twice)) {
      throw new AssertionError("the configuration does not survive its own JSON:\n" + once.encode() + "\n" + twice.encode());
    }
  }
}
