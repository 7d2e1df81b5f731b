package io.p2pquic.node.report;

import io.p2pquic.natlab.RouterNat;

/**
 * The expected outcome of every method between every pair of the lab's NATs, in one place: the lab
 * report marks cells that deviate, and the lab tests assert against it. Add a method's row here.
 */
public final class Expectations {
  private Expectations() {}

  /**
   * Whether any direct UDP path exists between the two NATs: not when both map per destination
   * (symmetric), nor when one is symmetric and the other filters by address and port (its checks leave
   * from a port the other never contacted). RFC 4787 behaviours as the lab builds them.
   */
  public static boolean directUdpPath(RouterNat a, RouterNat b) {
    boolean aSym = a == RouterNat.SYMMETRIC;
    boolean bSym = b == RouterNat.SYMMETRIC;
    if (aSym && bSym) {
      return false;
    }
    RouterNat other = aSym ? b : a;
    return !(aSym || bSym) || other != RouterNat.PORT_RESTRICTED;
  }

  /**
   * Whether hard-NAT punching reaches a direct path where ICE's checks cannot: one NAT maps per destination
   * (symmetric) and the other keeps one mapping but filters by address and port (port-restricted). The
   * symmetric side opens many ports towards the other's one mapping and the other guesses among them
   * (docs/ice.md, "Hard-NAT punching"). Two symmetric NATs leave nothing stable to aim at.
   */
  public static boolean hardNatPunchable(RouterNat a, RouterNat b) {
    return a == RouterNat.SYMMETRIC && b == RouterNat.PORT_RESTRICTED || b == RouterNat.SYMMETRIC && a == RouterNat.PORT_RESTRICTED;
  }

  /**
   * The expected outcome of {@code method} for {@code pair}, its variant included: on one LAN the host
   * candidates meet; a mapped port on the peer's router is reachable from any NAT; global IPv6 behind
   * stateful firewalls punches like a port-restricted NAT. Methods that do not use those (relay: by design)
   * keep the outcome of the NATs alone.
   */
  public static Expectation of(String method, NatPair pair) {
    Expectation plain = of(method, pair.from(), pair.to());
    if (pair.variant() == NatPair.Variant.NONE || method.equals("relay") || plain == Expectation.UNKNOWN) {
      return plain;
    }
    return switch (pair.variant()) {
      // every method finds the host candidates (tcp: the LAN address is among its targets)
      case SAME_LAN -> Expectation.DIRECT;
      // the mapping is UDP, for the methods that gather through ICE's gatherer; quic-native gathers its own
      // candidates and tcp needs a TCP mapping, so they keep the NATs' outcome
      case PORT_MAPPING -> switch (method) {
        case "ice", "auto", "dcutr" -> Expectation.DIRECT;
        default -> plain;
      };
      // IPv6 host candidates for every UDP method; tcp learns its public address by STUN over IPv4 only
      case IPV6 -> method.equals("tcp") ? plain : Expectation.DIRECT;
      case NONE -> plain;
    };
  }

  /** The expected outcome of {@code method} from a host behind {@code from} to one behind {@code to}. */
  public static Expectation of(String method, RouterNat from, RouterNat to) {
    boolean direct = directUdpPath(from, to);
    return switch (method) {
      case "ice", "quic-native" -> direct ? Expectation.DIRECT : Expectation.FAILS;
      // auto starts on the relay and moves to the direct path hard-NAT punching finds (within the settle time)
      case "auto" -> direct || hardNatPunchable(from, to) ? Expectation.DIRECT : Expectation.RELAYED;
      case "dcutr" -> direct ? Expectation.DIRECT : Expectation.RELAYED;
      case "relay" -> Expectation.RELAYED;
      // As UDP: a symmetric NAT gives the SYN towards the peer another port than the one STUN over TCP
      // saw, so that SYN only gets in where the other NAT filters by address alone or not at all; the
      // other side's listener on the punched port then accepts it (measured in the lab).
      case "tcp" -> direct ? Expectation.DIRECT : Expectation.FAILS;
      default -> Expectation.UNKNOWN;
    };
  }
}
