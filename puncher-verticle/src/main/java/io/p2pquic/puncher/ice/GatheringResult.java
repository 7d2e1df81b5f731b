package io.p2pquic.puncher.ice;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.turn.RelayAllocation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The end of gathering: every candidate emitted, what each STUN server said, and timings.
 *
 * @param candidates in emission order (host first)
 * @param stun one entry per (socket, STUN server) binding
 * @param hostMillis from {@code gather()} to the host candidates being emitted
 * @param durationMillis from {@code gather()} to the end of gathering
 * @param timedOut true when the gathering timeout ended it with STUN bindings or TURN allocations still
 *     unanswered
 * @param relays one entry per (socket, TURN server) allocation attempt; the successful ones hold the
 *     {@link RelayAllocation} behind each relayed candidate, which the caller now owns (close it when the
 *     session ends; it also ends when its socket closes)
 */
public record GatheringResult(
    List<Candidate> candidates, List<StunBinding> stun, long hostMillis, long durationMillis, boolean timedOut,
    List<Relay> relays) {

  public GatheringResult {
    candidates = List.copyOf(candidates);
    stun = List.copyOf(stun);
    relays = List.copyOf(relays);
  }

  public GatheringResult(
      List<Candidate> candidates, List<StunBinding> stun, long hostMillis, long durationMillis, boolean timedOut) {
    this(candidates, stun, hostMillis, durationMillis, timedOut, List.of());
  }

  /** The allocations behind the relayed candidates, in emission order. */
  public List<RelayAllocation> allocations() {
    return relays.stream().filter(r -> r.allocation() != null).map(Relay::allocation).toList();
  }

  /** The allocation whose relayed address is {@code candidate}'s address, if it is a relayed candidate of this gathering. */
  public java.util.Optional<RelayAllocation> allocationFor(Candidate candidate) {
    return allocations().stream()
        .filter(a -> candidate.type() == CandidateType.RELAYED && SocketAddresses.sameEndpoint(a.relayedAddress(), candidate.address()))
        .findFirst();
  }

  /**
   * One TURN allocation attempt.
   *
   * @param server the TURN server as configured ({@code host:port})
   * @param local the socket's bound address
   * @param allocation the allocation, or null when it failed
   * @param error why it failed (the {@link io.p2pquic.puncher.turn.TurnException} message), or null
   */
  public record Relay(String server, InetSocketAddress local, RelayAllocation allocation, String error) {
    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("server", server).put("local", SocketAddresses.format(local));
      if (allocation != null) {
        j.put("relayedAddress", SocketAddresses.format(allocation.relayedAddress()));
        if (allocation.mappedAddress() != null) {
          j.put("mappedAddress", SocketAddresses.format(allocation.mappedAddress()));
        }
        j.put("lifetimeSeconds", allocation.lifetime().toSeconds());
      }
      if (error != null) {
        j.put("error", error);
      }
      return j;
    }
  }

  /**
   * One server-reflexive lookup.
   *
   * @param server the STUN server address used
   * @param local the socket's bound address
   * @param outcome MAPPED (candidate emitted), REDUNDANT (mapped equals the base: no NAT, pruned),
   *     TIMEOUT, ERROR (error response or send failure), PENDING (unanswered at the gathering timeout)
   * @param mapped the mapped address, or null
   * @param rttMillis round-trip time, or -1
   * @param detail error text, or null
   */
  public record StunBinding(
      InetSocketAddress server, InetSocketAddress local, Outcome outcome, InetSocketAddress mapped, long rttMillis,
      String detail) {

    public enum Outcome { MAPPED, REDUNDANT, TIMEOUT, ERROR, PENDING }

    public JsonObject toJson() {
      JsonObject j = new JsonObject()
          .put("server", SocketAddresses.format(server))
          .put("local", SocketAddresses.format(local))
          .put("outcome", outcome.name());
      if (mapped != null) {
        j.put("mappedAddress", SocketAddresses.format(mapped));
      }
      if (rttMillis >= 0) {
        j.put("rttMillis", rttMillis);
      }
      if (detail != null) {
        j.put("detail", detail);
      }
      return j;
    }
  }

  public List<Candidate> candidates(CandidateType type) {
    return candidates.stream().filter(c -> c.type() == type).toList();
  }

  public JsonObject toJson() {
    JsonArray cs = new JsonArray();
    candidates.forEach(c -> cs.add(c.toJson()));
    JsonArray ss = new JsonArray();
    stun.forEach(s -> ss.add(s.toJson()));
    JsonArray rs = new JsonArray();
    relays.forEach(r -> rs.add(r.toJson()));
    return new JsonObject()
        .put("candidates", cs)
        .put("stun", ss)
        .put("relays", rs)
        .put("hostMillis", hostMillis)
        .put("durationMillis", durationMillis)
        .put("timedOut", timedOut);
  }
}
