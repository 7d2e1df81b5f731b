package io.p2pquic.puncher.nat;

/**
 * Which inbound packets a NAT (or firewall) lets through to a mapping (RFC 4787 section 5, RFC 5780
 * section 4.4).
 */
public enum FilteringBehavior {
  /** Anyone may send to the mapped address. */
  ENDPOINT_INDEPENDENT("endpoint-independent filtering"),
  /** Only IPs the host has sent to (any port of theirs). */
  ADDRESS_DEPENDENT("address-dependent filtering"),
  /** Only the exact IP and port the host has sent to. */
  ADDRESS_AND_PORT_DEPENDENT("address-and-port-dependent filtering"),
  /** Not determined; {@link NatBehavior#reason()} says why. */
  UNKNOWN("unknown filtering");

  private final String phrase;

  FilteringBehavior(String phrase) {
    this.phrase = phrase;
  }

  /** Plain words, lower case, for the middle of a sentence. */
  public String phrase() {
    return phrase;
  }
}
