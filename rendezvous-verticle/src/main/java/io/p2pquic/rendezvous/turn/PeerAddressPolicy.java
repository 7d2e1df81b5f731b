package io.p2pquic.rendezvous.turn;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;

/**
 * Which peers a relay may send to (CreatePermission, ChannelBind). Refused unless an allowed range
 * covers them: loopback, link-local, private (RFC 1918, RFC 6598 shared space, IPv6 ULA), unspecified,
 * "this network", multicast, broadcast, reserved, documentation (TEST-NET-1/2/3, 2001:db8::/32) and
 * benchmarking (198.18.0.0/15) ranges, and the IPv6 prefixes that embed IPv4 addresses (NAT64
 * 64:ff9b::/96, 6to4 2002::/16). The relay's own addresses (every address of the host) are
 * {@link Verdict#RELAY_ITSELF}: the server permits them, for relay-to-relay paths between two peers whose
 * allocations are on the same node, but forwards to and from them only at ports of live allocations
 * (never to another service on the host). So the relay cannot be used to reach the operator's internal
 * network or the host's other listeners.
 */
public final class PeerAddressPolicy {
  /** Why a peer address is refused; {@link #ALLOWED} when it is not. */
  public enum Verdict {
    ALLOWED, LOOPBACK, LINK_LOCAL, PRIVATE, UNSPECIFIED, MULTICAST, RESERVED, RELAY_ITSELF
  }

  private static final List<Cidr> PRIVATE = List.of(
      Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"),
      Cidr.parse("100.64.0.0/10"), Cidr.parse("fc00::/7"));
  private static final List<Cidr> RESERVED = List.of(
      Cidr.parse("0.0.0.0/8"), Cidr.parse("240.0.0.0/4"), Cidr.parse("192.0.0.0/24"),
      Cidr.parse("192.0.2.0/24"), Cidr.parse("198.51.100.0/24"), Cidr.parse("203.0.113.0/24"),
      Cidr.parse("198.18.0.0/15"), Cidr.parse("192.88.99.0/24"), Cidr.parse("2001:db8::/32"),
      Cidr.parse("64:ff9b::/96"), Cidr.parse("64:ff9b:1::/48"), Cidr.parse("2002::/16"));

  private final List<Cidr> allowed;
  private final Set<InetAddress> own;

  /**
   * @param allowed ranges allowed whatever else applies (e.g. a lab's private ranges, 127.0.0.0/8 in tests)
   * @param ownAddresses the relay's own addresses (relay and advertised address, listening addresses)
   */
  public PeerAddressPolicy(List<Cidr> allowed, Set<InetAddress> ownAddresses) {
    this.allowed = List.copyOf(allowed);
    this.own = Set.copyOf(ownAddresses);
  }

  public Verdict check(InetAddress peer) {
    InetAddress a = unmapped(peer);
    for (Cidr c : allowed) {
      if (c.contains(a) || c.contains(peer)) {
        return Verdict.ALLOWED;
      }
    }
    if (own.contains(a)) {
      // Checked before the range rules: the relay's own addresses (loopback or private ones too) are
      // reachable only at live allocations' relay ports, which the server checks per datagram.
      return Verdict.RELAY_ITSELF;
    }
    if (a.isAnyLocalAddress()) {
      return Verdict.UNSPECIFIED;
    }
    if (a.isLoopbackAddress()) {
      return Verdict.LOOPBACK;
    }
    if (a.isLinkLocalAddress()) {
      return Verdict.LINK_LOCAL;
    }
    if (a.isMulticastAddress()) {
      return Verdict.MULTICAST;
    }
    for (Cidr c : PRIVATE) {
      if (c.contains(a)) {
        return Verdict.PRIVATE;
      }
    }
    for (Cidr c : RESERVED) {
      if (c.contains(a)) {
        return Verdict.RESERVED;
      }
    }
    if (a instanceof Inet6Address && (a.getAddress()[0] & 0xFF) == 0xFE && (a.getAddress()[1] & 0xC0) == 0xC0) {
      return Verdict.RESERVED; // fec0::/10, deprecated site-local
    }
    return Verdict.ALLOWED;
  }

  /** Whether {@code peer} is one of the relay's own addresses (IPv4-mapped forms included). */
  public boolean isOwn(InetAddress peer) {
    return own.contains(unmapped(peer));
  }

  /** ::ffff:a.b.c.d judged as a.b.c.d, so IPv4-mapped addresses cannot slip past the IPv4 rules. */
  private static InetAddress unmapped(InetAddress a) {
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      for (int i = 0; i < 10; i++) {
        if (b[i] != 0) {
          return a;
        }
      }
      if ((b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
        try {
          return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
          return a;
        }
      }
    }
    return a;
  }
}
