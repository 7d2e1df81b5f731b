package io.p2pquic.rendezvous.turn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The relay's Micrometer meters (names in docs/turn.md). Counters on the data path are looked up once;
 * tagged ones are cached by tag value.
 */
public final class TurnMetrics {
  public static final String ALLOCATIONS_ACTIVE = "p2p.turn.allocations.active";
  public static final String ALLOCATIONS_CREATED = "p2p.turn.allocations.created";
  public static final String ALLOCATIONS_EXPIRED = "p2p.turn.allocations.expired";
  public static final String ALLOCATIONS_DELETED = "p2p.turn.allocations.deleted";
  public static final String REQUESTS = "p2p.turn.requests";
  public static final String ERRORS = "p2p.turn.errors";
  public static final String AUTH_CHALLENGES = "p2p.turn.auth.challenges";
  public static final String AUTH_FAILURES = "p2p.turn.auth.failures";
  public static final String QUOTA_REJECTIONS = "p2p.turn.quota.rejections";
  public static final String RELAYED_BYTES = "p2p.turn.relayed.bytes";
  public static final String RELAYED_PACKETS = "p2p.turn.relayed.packets";
  public static final String DROPPED = "p2p.turn.dropped";
  public static final String PERMISSIONS_CREATED = "p2p.turn.permissions.created";
  public static final String CHANNELS_BOUND = "p2p.turn.channels.bound";

  private final MeterRegistry registry;
  private final Counter created;
  private final Counter expired;
  private final Counter deleted;
  private final Counter challenges;
  private final Counter bytesToPeer;
  private final Counter bytesToClient;
  private final Counter packetsToPeer;
  private final Counter packetsToClient;
  private final Counter permissions;
  private final Counter channels;
  private final Map<String, Counter> tagged = new ConcurrentHashMap<>();

  public TurnMetrics(MeterRegistry registry, Supplier<Number> activeAllocations) {
    this.registry = registry;
    Gauge.builder(ALLOCATIONS_ACTIVE, activeAllocations).description("TURN allocations on this node")
        .register(registry);
    created = registry.counter(ALLOCATIONS_CREATED);
    expired = registry.counter(ALLOCATIONS_EXPIRED);
    deleted = registry.counter(ALLOCATIONS_DELETED);
    challenges = registry.counter(AUTH_CHALLENGES);
    bytesToPeer = registry.counter(RELAYED_BYTES, "direction", "to-peer");
    bytesToClient = registry.counter(RELAYED_BYTES, "direction", "to-client");
    packetsToPeer = registry.counter(RELAYED_PACKETS, "direction", "to-peer");
    packetsToClient = registry.counter(RELAYED_PACKETS, "direction", "to-client");
    permissions = registry.counter(PERMISSIONS_CREATED);
    channels = registry.counter(CHANNELS_BOUND);
  }

  void allocationCreated() {
    created.increment();
  }

  void allocationExpired() {
    expired.increment();
  }

  /** Deleted by the client (Refresh with LIFETIME 0) or by its TCP connection closing. */
  void allocationDeleted() {
    deleted.increment();
  }

  void request(String method) {
    tag(REQUESTS, "method", method).increment();
  }

  void error(int code) {
    tag(ERRORS, "code", Integer.toString(code)).increment();
  }

  void challenge() {
    challenges.increment();
  }

  void authFailure(String reason) {
    tag(AUTH_FAILURES, "reason", reason).increment();
  }

  void quotaRejected(String quota) {
    tag(QUOTA_REJECTIONS, "quota", quota).increment();
  }

  void relayedToPeer(int bytes) {
    packetsToPeer.increment();
    bytesToPeer.increment(bytes);
  }

  void relayedToClient(int bytes) {
    packetsToClient.increment();
    bytesToClient.increment(bytes);
  }

  void dropped(String reason) {
    tag(DROPPED, "reason", reason).increment();
  }

  void permissionCreated() {
    permissions.increment();
  }

  void channelBound() {
    channels.increment();
  }

  private Counter tag(String name, String key, String value) {
    return tagged.computeIfAbsent(name + '\0' + value, k -> registry.counter(name, key, value));
  }

  /** Bytes relayed both ways since this relay started. */
  long relayedBytes() {
    return (long) (bytesToPeer.count() + bytesToClient.count());
  }
}
