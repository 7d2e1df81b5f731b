package io.p2pquic.api.signalling.frame;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;

/** JSON helpers both decoders share; each is linear in the size of what it looks at. */
final class FrameJson {
  private FrameJson() {
  }

  /** One JSON object from a text frame, or null when the text is not one (any parse failure). */
  static JsonObject parseObject(String text) {
    if (text == null) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException | StackOverflowError e) {
      // DecodeException, Jackson's read constraints (nesting, number length), a non-object top level
      return null;
    }
  }

  /** The value if it is a string, else null. */
  static String string(JsonObject json, String key) {
    Object v = json.getValue(key);
    return v instanceof String s ? s : null;
  }

  /**
   * Whether every number inside {@code value} is finite. Jackson reads {@code 1e400} as an infinite double,
   * which encodes as the string {@code "Infinity"}: forwarded, the receiver would see a string where the
   * sender wrote a number, so a frame carrying one is refused instead. Iterative, so any nesting depth is
   * fine.
   */
  static boolean finiteNumbers(Object value) {
    Deque<Object> todo = new ArrayDeque<>();
    todo.push(value == null ? JsonObject.of() : value);
    while (!todo.isEmpty()) {
      Object v = todo.pop();
      if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
        return false;
      }
      if (v instanceof JsonObject o) {
        for (String key : o.fieldNames()) {
          Object child = o.getValue(key);
          if (child != null) {
            todo.push(child);
          }
        }
      } else if (v instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          Object child = a.getValue(i);
          if (child != null) {
            todo.push(child);
          }
        }
      }
    }
    return true;
  }
}
