package io.p2pquic.api.timeline;

import io.vertx.core.json.JsonArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What happened during a long operation (a demo, a connection attempt), in milliseconds from its
 * start: the readable progress users see and the phase timings benchmarks report. Thread-safe; listeners
 * see each event as it is recorded, so progress prints live.
 *
 * <p>It keeps the newest {@link #DEFAULT_RETAINED} events (or the number given): a connect or a demo makes a
 * few hundred, but a peer that runs for months marks a few dozen every session, and kept them all before (heap
 * and, with a copy-on-write list, a copy of all of them on every mark). Listeners see every event.
 */
public final class Timeline {
  /** Events kept for {@link #events()}, {@link #at} and {@link #toJson()}; older ones are forgotten. */
  public static final int DEFAULT_RETAINED = 10_000;

  private final LongSupplier nanoClock;
  private final long startNanos;
  private final int retained;
  /** Guarded by itself. */
  private final ArrayDeque<TimelineEvent> events = new ArrayDeque<>();
  private long forgotten;
  private final List<Consumer<TimelineEvent>> listeners = new CopyOnWriteArrayList<>();

  public Timeline() {
    this(System::nanoTime);
  }

  /** With an injected clock, for deterministic tests. */
  public Timeline(LongSupplier nanoClock) {
    this(nanoClock, DEFAULT_RETAINED);
  }

  /** With an injected clock, keeping the newest {@code retained} events. */
  public Timeline(LongSupplier nanoClock, int retained) {
    if (retained < 1) {
      throw new IllegalArgumentException("retained must be >= 1, is " + retained);
    }
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
    this.retained = retained;
  }

  public TimelineEvent mark(String actor, String event) {
    return mark(actor, event, "");
  }

  public TimelineEvent mark(String actor, String event, String detail) {
    TimelineEvent e = new TimelineEvent((nanoClock.getAsLong() - startNanos) / 1_000_000.0, actor, event, detail);
    synchronized (events) {
      if (events.size() == retained) {
        events.pollFirst();
        forgotten++;
      }
      events.addLast(e);
    }
    listeners.forEach(l -> l.accept(e));
    return e;
  }

  public Timeline listener(Consumer<TimelineEvent> listener) {
    listeners.add(listener);
    return this;
  }

  /** The events kept, oldest first. */
  public List<TimelineEvent> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /** Events no longer kept because newer ones filled the timeline. */
  public long forgotten() {
    synchronized (events) {
      return forgotten;
    }
  }

  /** Milliseconds of the first kept event with this name, or -1. */
  public double at(String event) {
    synchronized (events) {
      for (TimelineEvent e : events) {
        if (e.event().equals(event)) {
          return e.atMillis();
        }
      }
    }
    return -1;
  }

  public JsonArray toJson() {
    JsonArray a = new JsonArray();
    events().forEach(e -> a.add(e.toJson()));
    return a;
  }
}
