package io.p2pquic.puncher.nat;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What RFC 5780 NAT behaviour discovery found out.
 *
 * @param mapping the mapping behaviour (NO_NAT when the mapped address is the local one)
 * @param filtering the filtering behaviour
 * @param natType the classic name for the combination
 * @param reason why something is UNKNOWN (what to configure or check), or null when fully classified
 * @param server the STUN server's primary address
 * @param localAddress the socket address the probes left from
 * @param mappedAddress the mapped address from test I, or null when the server never answered
 * @param otherAddress the server's OTHER-ADDRESS, or null when it has none
 * @param responseOrigin the server's RESPONSE-ORIGIN in test I, or null
 * @param probes every request made, in order, with outcome and timing
 * @param durationMillis wall time of the whole discovery
 */
public record NatBehavior(
    MappingBehavior mapping,
    FilteringBehavior filtering,
    NatType natType,
    String reason,
    InetSocketAddress server,
    InetSocketAddress localAddress,
    InetSocketAddress mappedAddress,
    InetSocketAddress otherAddress,
    InetSocketAddress responseOrigin,
    List<NatProbe> probes,
    long durationMillis) {

  public NatBehavior {
    probes = List.copyOf(probes);
  }

  /** Every distinct mapped address the probes saw, in order (more than one: the mapping varies). */
  public List<InetSocketAddress> mappedAddresses() {
    Set<InetSocketAddress> s = new LinkedHashSet<>();
    for (NatProbe p : probes) {
      if (p.mapped() != null) {
        s.add(p.mapped());
      }
    }
    return new ArrayList<>(s);
  }

  /** True when the type is known well enough to plan hole punching by it. */
  public boolean classified() {
    return natType != NatType.UNKNOWN;
  }

  /**
   * Plain words: the two behaviours, the classic name, what it means for peers, then the addresses.
   * For example: "Endpoint-independent mapping, address-and-port-dependent filtering: a
   * port-restricted cone NAT. Hole punching works with cone NATs; against a symmetric NAT you will
   * need a relay. Mapped address 203.0.113.7:40001 for local 192.168.1.20:51234 (STUN server
   * 198.51.100.1:3478, 1712 ms)."
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    switch (natType) {
      case UDP_BLOCKED -> sb.append("No answer from the STUN server over UDP: UDP blocked (or the server is down). ");
      case UNKNOWN -> {
        sb.append(mapping.phrase()).append(", ").append(filtering.phrase()).append(": NAT type unknown. ");
      }
      default -> sb.append(mapping.phrase()).append(", ").append(filtering.phrase()).append(": ")
          .append(natType.phrase()).append(". ");
    }
    sb.append(natType.advice());
    if (reason != null) {
      sb.append(" Why: ").append(reason).append(reason.endsWith(".") ? "" : ".");
    }
    sb.append(' ');
    if (mappedAddress != null) {
      sb.append("Mapped address ").append(SocketAddresses.format(mappedAddress)).append(" for local ")
          .append(SocketAddresses.format(localAddress));
    } else {
      sb.append("Local address ").append(SocketAddresses.format(localAddress));
    }
    sb.append(" (STUN server ").append(SocketAddresses.format(server));
    if (otherAddress != null) {
      sb.append(", alternate ").append(SocketAddresses.format(otherAddress));
    }
    return sb.append(", ").append(durationMillis).append(" ms).").toString();
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("natType", natType.name())
        .put("mapping", mapping.name())
        .put("filtering", filtering.name());
    if (reason != null) {
      j.put("reason", reason);
    }
    j.put("server", SocketAddresses.format(server));
    if (localAddress != null) {
      j.put("localAddress", SocketAddresses.format(localAddress));
    }
    if (mappedAddress != null) {
      j.put("mappedAddress", SocketAddresses.format(mappedAddress));
    }
    if (otherAddress != null) {
      j.put("otherAddress", SocketAddresses.format(otherAddress));
    }
    if (responseOrigin != null) {
      j.put("responseOrigin", SocketAddresses.format(responseOrigin));
    }
    JsonArray mapped = new JsonArray();
    mappedAddresses().forEach(a -> mapped.add(SocketAddresses.format(a)));
    JsonArray ps = new JsonArray();
    probes.forEach(p -> ps.add(p.toJson()));
    return j.put("mappedAddresses", mapped)
        .put("durationMillis", durationMillis)
        .put("description", describe())
        .put("probes", ps);
  }

  public static NatBehavior fromJson(JsonObject j) {
    List<NatProbe> probes = new ArrayList<>();
    JsonArray ps = j.getJsonArray("probes", new JsonArray());
    for (int i = 0; i < ps.size(); i++) {
      probes.add(NatProbe.fromJson(ps.getJsonObject(i)));
    }
    return new NatBehavior(
        MappingBehavior.valueOf(j.getString("mapping")),
        FilteringBehavior.valueOf(j.getString("filtering")),
        NatType.valueOf(j.getString("natType")),
        j.getString("reason"),
        NatProbe.addr(j.getString("server")),
        NatProbe.addr(j.getString("localAddress")),
        NatProbe.addr(j.getString("mappedAddress")),
        NatProbe.addr(j.getString("otherAddress")),
        NatProbe.addr(j.getString("responseOrigin")),
        probes,
        j.getLong("durationMillis", 0L));
  }
}
