package io.p2pquic.puncher.nat;

/**
 * The classic (RFC 3489) name for a mapping/filtering combination. RFC 5780 deliberately reports the
 * two behaviours separately; these names are what people search for.
 */
public enum NatType {
  /** No NAT, endpoint-independent filtering. */
  OPEN_INTERNET("open internet"),
  /** Endpoint-independent mapping and filtering. */
  FULL_CONE("a full cone NAT"),
  /** Endpoint-independent mapping, address-dependent filtering. */
  ADDRESS_RESTRICTED_CONE("an address-restricted cone NAT"),
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  PORT_RESTRICTED_CONE("a port-restricted cone NAT"),
  /** Address- or address-and-port-dependent mapping, whatever the filtering. */
  SYMMETRIC("a symmetric NAT"),
  /** No NAT, but a firewall that filters by address or address and port. */
  SYMMETRIC_UDP_FIREWALL("a symmetric UDP firewall (no NAT, but filtered)"),
  /** The STUN server never answered over UDP. */
  UDP_BLOCKED("UDP blocked"),
  /** Not classified; {@link NatBehavior#reason()} says why. */
  UNKNOWN("NAT type unknown");

  private final String phrase;

  NatType(String phrase) {
    this.phrase = phrase;
  }

  public String phrase() {
    return phrase;
  }

  /** The classic name for a mapping/filtering pair. */
  public static NatType of(MappingBehavior mapping, FilteringBehavior filtering) {
    return switch (mapping) {
      case NO_NAT -> switch (filtering) {
        case ENDPOINT_INDEPENDENT -> OPEN_INTERNET;
        case ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT -> SYMMETRIC_UDP_FIREWALL;
        case UNKNOWN -> UNKNOWN;
      };
      case ENDPOINT_INDEPENDENT -> switch (filtering) {
        case ENDPOINT_INDEPENDENT -> FULL_CONE;
        case ADDRESS_DEPENDENT -> ADDRESS_RESTRICTED_CONE;
        case ADDRESS_AND_PORT_DEPENDENT -> PORT_RESTRICTED_CONE;
        case UNKNOWN -> UNKNOWN;
      };
      case ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT -> SYMMETRIC;
      case UNKNOWN -> UNKNOWN;
    };
  }

  /** What this means for connecting to peers, in one or two sentences. */
  public String advice() {
    return switch (this) {
      case OPEN_INTERNET -> "Peers can reach this address directly; no hole punching is needed on this side.";
      case FULL_CONE -> "Anyone who learns the mapped address can reach you, so hole punching works with every"
          + " kind of peer, symmetric NATs included.";
      case ADDRESS_RESTRICTED_CONE -> "Hole punching works with cone NATs, and usually with a symmetric NAT too"
          + " (your NAT admits any port of an address you have sent to); against two symmetric NATs you will"
          + " need a relay.";
      case PORT_RESTRICTED_CONE -> "Hole punching works with cone NATs; against a symmetric NAT you will need a relay.";
      case SYMMETRIC -> "The public port changes with each destination, so peers cannot predict it: hole punching"
          + " works only with peers on the open internet or behind full cone or address-restricted cone NATs;"
          + " otherwise you will need a relay.";
      case SYMMETRIC_UDP_FIREWALL -> "Your address is public but unsolicited packets are dropped: hole punching"
          + " works as behind a cone NAT; against a symmetric NAT you may need a relay.";
      case UDP_BLOCKED -> "Only a relay reached over TCP or TLS can connect you.";
      case UNKNOWN -> "Hole punching may or may not work; keep a relay as fallback.";
    };
  }
}
