package io.p2pquic.puncher.ice.virtual;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.nat.FilteringBehavior;
import io.p2pquic.puncher.nat.MappingBehavior;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A NAT box between a private network and the virtual internet, with one public IP. Mappings are
 * allocated sequentially from port 40000 and never expire; mapping and filtering follow the {@link
 * VirtualNatType}. Used by {@link VirtualNetwork} on its context only.
 */
public final class VirtualNat {
  private final InetAddress publicIp;
  private final VirtualNatType type;
  private final long latencyMillis;
  private final Map<String, Mapping> byKey = new HashMap<>();
  private final Map<Integer, Mapping> byPort = new HashMap<>();
  private int nextPort = 40_000;

  private static final class Mapping {
    final InetSocketAddress internal;
    final int port;
    final Set<InetAddress> contactedIps = new HashSet<>();
    final Set<InetSocketAddress> contacted = new HashSet<>();

    Mapping(InetSocketAddress internal, int port) {
      this.internal = internal;
      this.port = port;
    }
  }

  VirtualNat(InetAddress publicIp, VirtualNatType type, long latencyMillis) {
    this.publicIp = publicIp;
    this.type = type;
    this.latencyMillis = latencyMillis;
  }

  public InetAddress publicIp() {
    return publicIp;
  }

  public VirtualNatType type() {
    return type;
  }

  /** One-way delay of the NAT's WAN link, paid by every packet crossing it. */
  public long latencyMillis() {
    return latencyMillis;
  }

  /** Number of mappings created so far. */
  public int mappings() {
    return byPort.size();
  }

  /** Translates an outbound packet's source; creates the mapping and the filter permission. */
  InetSocketAddress outbound(InetSocketAddress internal, InetSocketAddress destination) {
    String key = SocketAddresses.format(internal)
        + (type.mapping() == MappingBehavior.ENDPOINT_INDEPENDENT ? "" : " -> " + SocketAddresses.format(destination));
    Mapping m = byKey.computeIfAbsent(key, k -> {
      Mapping fresh = new Mapping(internal, nextPort++);
      byPort.put(fresh.port, fresh);
      return fresh;
    });
    m.contactedIps.add(destination.getAddress());
    m.contacted.add(destination);
    return new InetSocketAddress(publicIp, m.port);
  }

  /** The internal address an inbound packet to {@code publicPort} goes to, or null when it is filtered. */
  InetSocketAddress inbound(InetSocketAddress from, int publicPort) {
    Mapping m = byPort.get(publicPort);
    if (m == null) {
      return null;
    }
    boolean allowed = type.filtering() == FilteringBehavior.ENDPOINT_INDEPENDENT
        || type.filtering() == FilteringBehavior.ADDRESS_DEPENDENT && m.contactedIps.contains(from.getAddress())
        || type.filtering() == FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT && m.contacted.contains(from);
    return allowed ? m.internal : null;
  }

  @Override
  public String toString() {
    return type + " NAT " + SocketAddresses.formatIp(publicIp);
  }
}
