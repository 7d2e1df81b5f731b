package io.p2pquic.puncher.nat;

/** How a NAT maps an internal address to a public one (RFC 4787 section 4.1, RFC 5780 section 4.3). */
public enum MappingBehavior {
  /** The mapped address equals the local address: no NAT between the host and the server. */
  NO_NAT("No NAT (the mapped address is the local address)"),
  /** One public address for all destinations: the "cone" behaviour hole punching relies on. */
  ENDPOINT_INDEPENDENT("Endpoint-independent mapping"),
  /** A new public address per destination IP. */
  ADDRESS_DEPENDENT("Address-dependent mapping"),
  /** A new public address per destination IP and port: the "symmetric" behaviour. */
  ADDRESS_AND_PORT_DEPENDENT("Address-and-port-dependent mapping"),
  /** Not determined; {@link NatBehavior#reason()} says why. */
  UNKNOWN("Unknown mapping");

  private final String phrase;

  MappingBehavior(String phrase) {
    this.phrase = phrase;
  }

  /** Plain words, capitalised, as the start of a sentence. */
  public String phrase() {
    return phrase;
  }
}
