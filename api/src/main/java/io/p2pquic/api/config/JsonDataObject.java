package io.p2pquic.api.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The shape every {@code *Options}/{@code *Config} of the project shares (the Vert.x data-object
 * convention): {@code DEFAULT_*} constants, a no-arg, a copy and a {@link JsonObject} constructor (read
 * through {@link StrictConfig}, so a wrong key or value names its full path), {@code setX} setters that
 * return {@code this} and check their value with {@link StrictConfig}'s checks, {@code x()} getters, and
 * {@link #toJson()}. Its JSON form is its identity: {@code equals}, {@code hashCode} and
 * {@code toString} are defined here, once, by it. {@code toString} never shows a secret: the values of
 * {@link #SECRET_KEYS} are masked at any depth, because options end up in logs.
 */
public abstract class JsonDataObject {
  /** Keys whose values {@link #toString} masks, wherever they sit. */
  public static final Set<String> SECRET_KEYS = Set.of("password", "secret", "authSecret", "authSecrets", "token",
      "grantToken", "clusterSecret", "credential");

  /** Every setting, defaults included; {@code new X(x.toJson())} equals {@code x}. */
  public abstract JsonObject toJson();

  @Override
  public final boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && toJson().equals(((JsonDataObject) o).toJson());
  }

  @Override
  public final int hashCode() {
    return toJson().hashCode();
  }

  /** The class name and the JSON form, secrets masked. */
  @Override
  public final String toString() {
    return getClass().getSimpleName() + redacted(toJson()).encode();
  }

  /** {@code json} with the value of every {@link #SECRET_KEYS} key, at any depth, replaced by "***". */
  public static JsonObject redacted(JsonObject json) {
    JsonObject copy = json.copy();
    redactInPlace(copy);
    return copy;
  }

  private static void redactInPlace(Object value) {
    if (value instanceof JsonObject o) {
      for (String key : o.fieldNames()) {
        if (SECRET_KEYS.contains(key) && o.getValue(key) != null) {
          o.put(key, "***");
        } else {
          redactInPlace(o.getValue(key));
        }
      }
    } else if (value instanceof JsonArray a) {
      a.forEach(JsonDataObject::redactInPlace);
    }
  }
}
