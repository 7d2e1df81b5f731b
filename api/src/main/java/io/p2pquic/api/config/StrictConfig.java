package io.p2pquic.api.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one strict reader behind every {@code *Config}/{@code *Options.fromJson}: unknown keys and values
 * of the wrong type stop the program, and every message names the full key path. A section reads its
 * own keys with {@link #read}; a nested section's errors come back up with the parent key prefixed, so
 * {@code {"http": {"port": "abc"}}} reports {@code http.port has the wrong type: "abc" (expected a whole
 * number)} whichever class parses {@code http}.
 */
public final class StrictConfig {
  private StrictConfig() {}

  /** Reads one entry of a section. Cast errors and {@link IllegalArgumentException}s name the key. */
  @FunctionalInterface
  public interface EntryReader {
    void read(String key, Object value);
  }

  /**
   * Calls {@code reader} for each entry of {@code json} whose key is in {@code known}.
   *
   * @throws ConfigKeyException for the first unknown key, value of the wrong type or invalid value
   */
  public static void read(JsonObject json, Collection<String> known, EntryReader reader) {
    read(json, known, reader, "");
  }

  private static void read(JsonObject json, Collection<String> known, EntryReader reader, String section) {
    if (json == null) {
      return;
    }
    for (Map.Entry<String, Object> e : json) {
      String key = e.getKey();
      if (!known.contains(key)) {
        throw new ConfigKeyException(key, "is not a known key (known: " + String.join(", ", known) + ")");
      }
      readOne(key, e.getValue(), reader, section);
    }
  }

  /**
   * As {@link #read(JsonObject, Collection, EntryReader)} for a section that knows where it sits
   * ({@code "stun"}, {@code "gathering.turnServers[0]"}): its errors name the full path also when it is
   * parsed on its own, and a parent reading it through {@link #read} does not prefix it twice.
   */
  public static void read(String section, JsonObject json, Collection<String> known, EntryReader reader) {
    try {
      read(json, known, reader, section + ".");
    } catch (ConfigKeyException e) {
      throw e.under(section);
    }
  }

  /** {@code v} when it is above 0; else an {@link IllegalArgumentException} naming {@code key}. */
  public static long positive(String key, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be > 0, is " + v);
    }
    return v;
  }

  /** {@code v} when it is 0 or more; else an {@link IllegalArgumentException} naming {@code key}. */
  public static long nonNegative(String key, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(key + " must be >= 0, is " + v);
    }
    return v;
  }

  /** {@code v} when {@code min <= v <= max}; else an {@link IllegalArgumentException} naming {@code key}. */
  public static long inRange(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", is " + v);
    }
    return v;
  }

  /** Reads the elements of an array section ({@code turnServers[0]}, ...) with the index in the path. */
  public static void readArray(JsonArray array, EntryReader reader) {
    if (array == null) {
      return;
    }
    for (int i = 0; i < array.size(); i++) {
      readOne("[" + i + "]", array.getValue(i), reader, "");
    }
  }

  private static void readOne(String key, Object value, EntryReader reader, String section) {
    try {
      reader.read(key, value);
    } catch (ConfigKeyException inner) {
      // A typed getter (no path), a nested section read with read() (path below this key), or one read
      // with read(section, ...) that already names itself (path starts with this key).
      if (inner.path().isEmpty()) {
        throw new ConfigKeyException(key, inner.problem());
      }
      String p = inner.path();
      boolean prefixed = p.startsWith(key) && p.length() > key.length()
          && (p.charAt(key.length()) == '.' || p.charAt(key.length()) == '[');
      throw prefixed ? inner : inner.under(key);
    } catch (ClassCastException | NullPointerException wrongType) {
      throw new ConfigKeyException(key, "has the wrong type: " + describe(value));
    } catch (IllegalArgumentException invalid) {
      String m = String.valueOf(invalid.getMessage());
      if (!section.isEmpty() && m.startsWith(section)) {
        m = m.substring(section.length()); // "turn.portRange must ..." thrown inside section "turn"
      }
      // Validators phrase their message as "<key> must be ..." or "<key>.<sub> must be ...": keep the
      // path they give (it starts with this key) and the rest as the problem.
      int space = m.indexOf(' ');
      boolean named = space > 0 && m.startsWith(key)
          && (space == key.length() || m.charAt(key.length()) == '.' || m.charAt(key.length()) == '[');
      ConfigKeyException e = named ? new ConfigKeyException(m.substring(0, space), m.substring(space + 1))
          : new ConfigKeyException(key, "is invalid: " + m);
      e.initCause(invalid);
      throw e;
    }
  }

  // ---- typed values: the expected type goes into the message -------------------------------------

  public static String string(Object v) {
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(v, "a string");
  }

  /** A string or null (JSON null keeps the default "unset"). */
  public static String optionalString(Object v) {
    return v == null ? null : string(v);
  }

  public static boolean bool(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(v, "true or false");
  }

  public static long longValue(Object v) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
      return n.longValue();
    }
    throw wrongType(v, "a whole number");
  }

  public static int intValue(Object v) {
    long l = longValue(v);
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      throw wrongType(v, "a whole number of at most " + Integer.MAX_VALUE);
    }
    return (int) l;
  }

  /** A whole number in {@code [min, max]}. */
  public static int intValue(Object v, int min, int max) {
    int i = intValue(v);
    if (i < min || i > max) {
      throw new ConfigKeyException("", "must be between " + min + " and " + max + ", is " + i);
    }
    return i;
  }

  public static double doubleValue(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw wrongType(v, "a number");
  }

  public static JsonObject object(Object v) {
    if (v instanceof JsonObject o) {
      return o;
    }
    if (v instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) m;
      return new JsonObject(map);
    }
    throw wrongType(v, "an object {...}");
  }

  public static JsonArray array(Object v) {
    if (v instanceof JsonArray a) {
      return a;
    }
    if (v instanceof List<?> l) {
      return new JsonArray(new ArrayList<>(l));
    }
    throw wrongType(v, "an array [...]");
  }

  /** An array of strings; a single string is taken as a one-element list. */
  public static List<String> strings(Object v) {
    if (v instanceof String s) {
      return List.of(s);
    }
    JsonArray a = array(v);
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      Object e = a.getValue(i);
      if (!(e instanceof String s)) {
        throw new ConfigKeyException("[" + i + "]", "has the wrong type: " + describe(e) + " (expected a string)");
      }
      out.add(s);
    }
    return out;
  }

  private static ConfigKeyException wrongType(Object v, String expected) {
    return new ConfigKeyException("", "has the wrong type: " + describe(v) + " (expected " + expected + ")");
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    String s = v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
