package io.p2pquic.puncher.turn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Micrometer counters of the TURN client:
 *
 * <ul>
 *   <li>{@code p2p.turn.allocations{outcome=success|failure}}, {@code p2p.turn.deallocations}
 *   <li>{@code p2p.turn.refreshes{kind=allocation|permission|channel, outcome=success|failure}}
 *   <li>{@code p2p.turn.failures{reason}}: every failed TURN request by {@link TurnException.Reason#tag()}
 *   <li>{@code p2p.turn.stale.nonces}: 438 answers retried with the new nonce
 *   <li>{@code p2p.turn.client.nonce.reuses{outcome=accepted|refused}}: first Allocates sent with the realm
 *       and nonce an earlier client learnt from the same server (refused: the server challenged again)
 *   <li>{@code p2p.turn.relayed.packets{direction=out|in, via=channel|indication}} and {@code
 *       p2p.turn.relayed.bytes{...}} (payload bytes, without TURN framing)
 *   <li>{@code p2p.turn.dropped{reason}}: datagrams from the server that carried nothing usable
 * </ul>
 */
public final class TurnClientMetrics {
  private final MeterRegistry registry;
  private final Counter outChannelPackets;
  private final Counter outChannelBytes;
  private final Counter outIndicationPackets;
  private final Counter outIndicationBytes;
  private final Counter inChannelPackets;
  private final Counter inChannelBytes;
  private final Counter inIndicationPackets;
  private final Counter inIndicationBytes;

  public TurnClientMetrics(MeterRegistry registry) {
    this.registry = registry;
    outChannelPackets = relayed("packets", "out", "channel");
    outChannelBytes = relayed("bytes", "out", "channel");
    outIndicationPackets = relayed("packets", "out", "indication");
    outIndicationBytes = relayed("bytes", "out", "indication");
    inChannelPackets = relayed("packets", "in", "channel");
    inChannelBytes = relayed("bytes", "in", "channel");
    inIndicationPackets = relayed("packets", "in", "indication");
    inIndicationBytes = relayed("bytes", "in", "indication");
  }

  private Counter relayed(String what, String direction, String via) {
    return registry.counter("p2p.turn.client.relayed." + what, "direction", direction, "via", via);
  }

  void allocation(boolean success) {
    registry.counter("p2p.turn.client.allocations", "outcome", success ? "success" : "failure").increment();
  }

  void deallocation() {
    registry.counter("p2p.turn.client.deallocations").increment();
  }

  void refresh(String kind, boolean success) {
    registry.counter("p2p.turn.client.refreshes", "kind", kind, "outcome", success ? "success" : "failure").increment();
  }

  void failure(TurnException.Reason reason) {
    registry.counter("p2p.turn.client.failures", "reason", reason.tag()).increment();
  }

  /** A success response to an authenticated request without a MESSAGE-INTEGRITY that verifies. */
  void unauthenticatedResponse() {
    registry.counter("p2p.turn.client.unauthenticated.responses").increment();
  }

  void nonceReuse(boolean accepted) {
    registry.counter("p2p.turn.client.nonce.reuses", "outcome", accepted ? "accepted" : "refused").increment();
  }

  void staleNonce() {
    registry.counter("p2p.turn.client.stale.nonces").increment();
  }

  void sent(boolean channel, int bytes) {
    (channel ? outChannelPackets : outIndicationPackets).increment();
    (channel ? outChannelBytes : outIndicationBytes).increment(bytes);
  }

  void received(boolean channel, int bytes) {
    (channel ? inChannelPackets : inIndicationPackets).increment();
    (channel ? inChannelBytes : inIndicationBytes).increment(bytes);
  }

  void dropped(String reason) {
    registry.counter("p2p.turn.client.dropped", "reason", reason).increment();
  }
}
