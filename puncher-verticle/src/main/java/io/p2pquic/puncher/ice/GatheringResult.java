package io.p2pquic.puncher.ice;

import io.p2pquic.api.net.SocketAddresses;
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
 * @param timedOut true when the gathering timeout ended it with STUN bindings still unanswered
 */
public record GatheringResult(
    List<Candidate> candidates, List<StunBinding> stun, long hostMillis, long durationMillis, boolean timedOut) {

  public GatheringResult {
    candidates = List.copyOf(candidates);
    stun = List.copyOf(stun);
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
    return new JsonObject()
        .put("candidates", cs)
        .put("stun", ss)
        .put("hostMillis", hostMillis)
        .put("durationMillis", durationMillis)
        .put("timedOut", timedOut);
  }
}
