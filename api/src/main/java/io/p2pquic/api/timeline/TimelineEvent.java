package io.p2pquic.api.timeline;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** One line of a {@link Timeline}: when (ms since start), who, what, and details. */
public record TimelineEvent(double atMillis, String actor, String event, String detail) {

  /** {@code t+  12.3 ms  alice       registered  pq1abc...}: fixed columns, like a capture. */
  public String format() {
    return String.format(Locale.ROOT, "t+%8.1f ms  %-10s  %-22s %s", atMillis, actor, event, detail).stripTrailing();
  }

  public JsonObject toJson() {
    return new JsonObject().put("atMs", Math.round(atMillis * 10) / 10.0).put("actor", actor)
        .put("event", event).put("detail", detail);
  }
}
