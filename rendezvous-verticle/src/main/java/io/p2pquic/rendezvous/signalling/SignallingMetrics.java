package io.p2pquic.rendezvous.signalling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Micrometer meters of the signalling service (names are part of the documented API). */
final class SignallingMetrics {

  static final String ERRORS = "p2p.signalling.errors";
  static final String RELAYED = "p2p.signalling.relayed";
  static final String REGISTRATIONS = "p2p.signalling.registrations";
  static final String LOOKUPS = "p2p.signalling.lookups";
  static final String STALE_REMOVED = "p2p.signalling.registry.stale";
  static final String CONNECTIONS = "p2p.signalling.connections";
  static final String PEERS = "p2p.signalling.peers";
  static final String ATTACHMENTS = "p2p.signalling.attachments";
  static final String QUIC_DROPPED = "p2p.signalling.quic.dropped";

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> relayed = new ConcurrentHashMap<>();
  private final Counter registrations;
  private final Counter lookupsOnline;
  private final Counter lookupsOffline;
  private final Counter staleRemoved;

  SignallingMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.registrations = Counter.builder(REGISTRATIONS)
        .description("successful peer registrations (key possession proven)").register(registry);
    this.lookupsOnline = Counter.builder(LOOKUPS).tag("result", "online")
        .description("peer lookups").register(registry);
    this.lookupsOffline = Counter.builder(LOOKUPS).tag("result", "offline")
        .description("peer lookups").register(registry);
    this.staleRemoved = Counter.builder(STALE_REMOVED)
        .description("registry entries removed because their node no longer held the peer").register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  void error(String code) {
    errors.computeIfAbsent(code, c -> Counter.builder(ERRORS).tag("code", c)
        .description("signalling errors answered, by code").register(registry)).increment();
  }

  void relayed(String type) {
    relayed.computeIfAbsent(type, t -> Counter.builder(RELAYED).tag("type", t)
        .description("signalling messages delivered to a peer, by type").register(registry)).increment();
  }

  void registered() {
    registrations.increment();
  }

  /** A per-session attachment (method quic-native) proved its key. */
  void attached(String transport) {
    Counter.builder(ATTACHMENTS).tag("transport", transport)
        .description("per-session attachments (quic-native signalling), by transport").register(registry).increment();
  }

  /** A QUIC signalling stream was dropped before any message (bad framing, oversized length, extra stream). */
  void quicDropped(String reason) {
    Counter.builder(QUIC_DROPPED).tag("reason", reason)
        .description("QUIC signalling streams or frames dropped, by reason").register(registry).increment();
  }

  void lookup(boolean online) {
    (online ? lookupsOnline : lookupsOffline).increment();
  }

  void staleRemoved() {
    staleRemoved.increment();
  }
}
