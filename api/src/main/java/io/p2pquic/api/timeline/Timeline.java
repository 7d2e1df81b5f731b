package io.p2pquic.api.timeline;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What happened during a long operation (a demo, a connection attempt), in milliseconds from its
 * start: the readable progress users see and the phase timings benchmarks report. Thread-safe; listeners
 * see each event as it is recorded, so progress prints live.
 */
public final class Timeline {
  private final LongSupplier nanoClock;
  private final long startNanos;
  private final List<TimelineEvent> events = new CopyOnWriteArrayList<>();
  private final List<Consumer<TimelineEvent>> listeners = new CopyOnWriteArrayList<>();

  public Timeline() {
    this(System::nanoTime);
  }

  /** With an injected clock, for deterministic tests. */
  public Timeline(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
  }

  public TimelineEvent mark(String actor, String event) {
    return mark(actor, event, "");
  }

  public TimelineEvent mark(String actor, String event, String detail) {
    TimelineEvent e = new TimelineEvent((nanoClock.getAsLong() - startNanos) / 1_000_000.0, actor, event, detail);
    events.add(e);
    listeners.forEach(l -> l.accept(e));
    return e;
  }

  public Timeline listener(Consumer<TimelineEvent> listener) {
    listeners.add(listener);
    return this;
  }

  public List<TimelineEvent> events() {
    return new ArrayList<>(events);
  }

  /** Milliseconds of the first event with this name, or -1. */
  public double at(String event) {
    for (TimelineEvent e : events) {
      if (e.event().equals(event)) {
        return e.atMillis();
      }
    }
    return -1;
  }

  public JsonArray toJson() {
    JsonArray a = new JsonArray();
    events.forEach(e -> a.add(e.toJson()));
    return a;
  }
}
