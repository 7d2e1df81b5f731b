package io.p2pquic.rendezvous.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rates the dashboard charts, read from the Micrometer registry (the same counters {@code /metrics}
 * shows): sampled every interval, each series' per-second rate kept for the last {@code samples}
 * intervals. Only {@link #sample(long)} writes; call it and the readers on one context.
 */
public final class CounterRates {

  /** Series name to the counter family summed over its tags. */
  static final Map<String, String> SERIES = series();

  private static Map<String, String> series() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("stunRequests", "p2p.stun.requests");
    m.put("turnRequests", "p2p.turn.requests");
    m.put("signallingRelayed", "p2p.signalling.relayed");
    m.put("registrations", "p2p.signalling.registrations");
    m.put("relayedBytes", "p2p.turn.relayed.bytes");
    return java.util.Collections.unmodifiableMap(m);
  }

  private final MeterRegistry registry;
  private final int samples;
  private final Deque<JsonObject> history = new ArrayDeque<>();
  private Map<String, Double> lastTotals;
  private long lastAt;
  private JsonObject current = new JsonObject();

  public CounterRates(MeterRegistry registry, int samples) {
    this.registry = registry;
    this.samples = samples;
  }

  /** Reads the counters now ({@code nowMillis}) and appends one point of per-second rates. */
  public void sample(long nowMillis) {
    Map<String, Double> totals = totals();
    if (lastTotals != null && nowMillis > lastAt) {
      double seconds = (nowMillis - lastAt) / 1000.0;
      JsonObject point = new JsonObject().put("t", nowMillis);
      totals.forEach((k, v) -> point.put(k, round(Math.max(0, v - lastTotals.getOrDefault(k, 0.0)) / seconds)));
      history.addLast(point);
      while (history.size() > samples) {
        history.removeFirst();
      }
      current = point;
    }
    lastTotals = totals;
    lastAt = nowMillis;
  }

  /** Each series' total since start: the counters summed over all their tags. */
  public Map<String, Double> totals() {
    Map<String, Double> out = new LinkedHashMap<>();
    SERIES.forEach((k, name) -> out.put(k, registry.find(name).counters().stream().mapToDouble(Counter::count).sum()));
    return out;
  }

  /** {@code {"totals": {...}, "perSecond": {...latest point}, "history": [{t, series...}...]}} */
  public JsonObject toJson() {
    JsonObject totals = new JsonObject();
    totals().forEach((k, v) -> totals.put(k, v.longValue()));
    return new JsonObject().put("totals", totals).put("perSecond", current.copy())
        .put("history", new JsonArray(new java.util.ArrayList<>(history)));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
