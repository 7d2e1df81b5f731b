package io.p2pquic.rendezvous.relay;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide directory of TURN relays: the Vert.x AsyncMap {@code p2p.relays} (Hazelcast's map when
 * clustered, a local map otherwise), {@code nodeId -> }{@link RelayEntry}.
 *
 * <p>A node with a relay announces it every {@code announceIntervalMs} with a TTL of three intervals, so a
 * dead node's entry goes by itself; a clean {@link #stop} removes it at once. Every node (relay or not)
 * reads the whole map on the same period into a local snapshot, so {@link #select} on the registration
 * path is synchronous and never waits for the cluster. An entry counts as live when it was at most a TTL
 * old at the read that produced the snapshot (Hazelcast's own expiry may lag a little); this node's own
 * entry is always taken fresh from its relay. While the map cannot be read (e.g. for the seconds Hazelcast
 * needs to recover partitions after a member crashed), the last snapshot is kept as it was read: a grant
 * may then still list a relay that just died, which costs the peer one failed allocation out of several,
 * rather than listing none.
 */
public final class RelayDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(RelayDirectory.class);

  private final Vertx vertx;
  private final RelayDirectoryConfig config;
  private final String nodeId;
  private final Supplier<RelayEntry> local;
  private final LongSupplier clock;

  private Context context;
  private AsyncMap<String, JsonObject> map;
  private volatile Snapshot snapshot = new Snapshot(Map.of(), 0);
  private long timer = -1;
  private boolean ticking;
  private boolean failing;
  private volatile boolean running;
  private volatile boolean stopped;

  /** The directory as read at {@code readAt} (this node's clock). */
  private record Snapshot(Map<String, RelayEntry> entries, long readAt) {}

  /**
   * @param local this node's relay as it is now (load included), or null when this node runs no relay
   *     and only reads the directory
   */
  public RelayDirectory(Vertx vertx, RelayDirectoryConfig config, String nodeId, Supplier<RelayEntry> local) {
    this(vertx, config, nodeId, local, System::currentTimeMillis);
  }

  RelayDirectory(Vertx vertx, RelayDirectoryConfig config, String nodeId, Supplier<RelayEntry> local,
      LongSupplier clock) {
    this.vertx = vertx;
    this.config = config.validate();
    this.nodeId = nodeId;
    this.local = local;
    this.clock = clock;
  }

  /** Opens the map, announces (if a relay) and reads once, then keeps doing so periodically. */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    running = true; // the local relay is bound by now (the verticle starts the STUN server first)
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> vertx.sharedData().<String, JsonObject>getAsyncMap(config.mapName())
        .compose(m -> {
          map = m;
          timer = vertx.setPeriodic(config.announceIntervalMs(), t -> tick());
          return tick();
        })
        .onSuccess(x -> LOG.info("relay directory: node {} {} in map {} every {} ms ({} relay(s) known)", nodeId,
            local != null ? "announces its relay" : "reads relays", config.mapName(), config.announceIntervalMs(),
            size()))
        .onComplete(started));
    return started.future();
  }

  /** Stops announcing and reading, and removes this node's entry (the TTL would, later). */
  public Future<Void> stop() {
    if (context == null || stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    running = false;
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      Future<?> removal = map != null && local != null ? guarded(() -> map.remove(nodeId)) : Future.succeededFuture();
      removal.<Void>mapEmpty().otherwiseEmpty().onComplete(done);
    });
    return done.future();
  }

  /** Announce, then read the whole directory into the snapshot. Failures keep the old snapshot. */
  private Future<Void> tick() {
    if (ticking || stopped) {
      return Future.succeededFuture();
    }
    ticking = true;
    Future<Void> announced = local != null
        ? guarded(() -> map.put(nodeId, local.get().withUpdatedAt(clock.getAsLong()).toJson(), config.entryTtlMs()))
        : Future.succeededFuture();
    return announced
        .compose(v -> guarded(map::entries))
        .map(entries -> {
          long readAt = clock.getAsLong();
          Map<String, RelayEntry> next = new HashMap<>();
          entries.forEach((k, json) -> {
            try {
              next.put(k, RelayEntry.fromJson(json));
            } catch (IllegalArgumentException e) {
              LOG.debug("relay directory: ignoring {}: {}", k, e.getMessage());
            }
          });
          snapshot = new Snapshot(Map.copyOf(next), readAt);
          if (failing) {
            failing = false;
            LOG.info("relay directory: map {} readable again ({} relay(s))", config.mapName(), next.size());
          }
          return (Void) null;
        })
        .recover(err -> {
          if (!failing && !stopped) {
            failing = true;
            LOG.warn("relay directory: cannot announce or read map {} ({}); keeping the last snapshot, whose "
                + "entries age out after {} ms", config.mapName(), err.toString(), config.entryTtlMs());
          }
          return Future.succeededFuture();
        })
        .onComplete(x -> ticking = false);
  }

  /** The cluster manager may throw instead of failing the future (e.g. Hazelcast shut down under us). */
  private static <T> Future<T> guarded(Supplier<Future<T>> op) {
    try {
      return op.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Announces and re-reads now (tests; the timer does this every interval). */
  Future<Void> refresh() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> tick().onComplete(done));
    return done.future();
  }

  /**
   * The live relays: the snapshot's entries at most a TTL old when read, this node's own taken fresh; each
   * with {@code updatedAt} as announced.
   */
  public List<RelayEntry> live() {
    Snapshot snap = snapshot;
    List<RelayEntry> out = new ArrayList<>();
    for (RelayEntry e : snap.entries().values()) {
      if (!e.nodeId().equals(nodeId) && RelaySelection.isLive(e, snap.readAt(), config.entryTtlMs())) {
        out.add(e);
      }
    }
    if (local != null && running) {
      out.add(local.get().withUpdatedAt(clock.getAsLong()));
    }
    return out;
  }

  /** Relays for a grant signed with the secret {@code secretId}: see {@link RelaySelection}. */
  public List<RelayEntry> select(String secretId) {
    return RelaySelection.select(live(), nodeId, secretId, config.maxPerGrant());
  }

  /** Number of live relays known (this node's included). */
  public int size() {
    return live().size();
  }

  public String nodeId() {
    return nodeId;
  }

  public RelayDirectoryConfig config() {
    return config;
  }
}
