package io.p2pquic.natlab;

import java.util.Locale;

/**
 * How a lab router translates and filters, in RFC 4787 terms. Each constant is made by the
 * nftables rules described in docs/natlab.md and proven by the natlab tests.
 */
public enum RouterNat {

  /** Plain routing, no translation, no filtering: the host's 10.x address is reachable. */
  NONE("none", Mapping.NONE, Filtering.NONE),

  /** Endpoint-independent mapping and endpoint-independent filtering ("full cone"). */
  FULL_CONE("full-cone", Mapping.ENDPOINT_INDEPENDENT, Filtering.ENDPOINT_INDEPENDENT),

  /** Endpoint-independent mapping, address-dependent filtering ("restricted cone"). */
  ADDRESS_RESTRICTED("address-restricted", Mapping.ENDPOINT_INDEPENDENT, Filtering.ADDRESS_DEPENDENT),

  /** Endpoint-independent mapping, address-and-port-dependent filtering (typical home router). */
  PORT_RESTRICTED("port-restricted", Mapping.ENDPOINT_INDEPENDENT,
      Filtering.ADDRESS_AND_PORT_DEPENDENT),

  /** Address-and-port-dependent mapping (a new random public port per destination). */
  SYMMETRIC("symmetric", Mapping.ADDRESS_AND_PORT_DEPENDENT, Filtering.ADDRESS_AND_PORT_DEPENDENT);

  /** RFC 4787 section 4.1 mapping behaviour. */
  public enum Mapping { NONE, ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT }

  /** RFC 4787 section 5 filtering behaviour ({@code NONE}: nothing filtered, no NAT at all). */
  public enum Filtering { NONE, ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT }

  private final String cliName;
  private final Mapping mapping;
  private final Filtering filtering;

  RouterNat(String cliName, Mapping mapping, Filtering filtering) {
    this.cliName = cliName;
    this.mapping = mapping;
    this.filtering = filtering;
  }

  /** Lower-case dashed name used on the command line and in the state file, e.g. {@code port-restricted}. */
  public String cliName() {
    return cliName;
  }

  public Mapping mapping() {
    return mapping;
  }

  public Filtering filtering() {
    return filtering;
  }

  /**
   * Parses a behaviour name: the CLI name, the enum name, case-insensitive, '-' and '_'
   * interchangeable; also accepts {@code cone}/{@code full} (FULL_CONE), {@code restricted}
   * (ADDRESS_RESTRICTED), {@code port} (PORT_RESTRICTED), {@code sym} (SYMMETRIC).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static RouterNat parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (RouterNat b : values()) {
      if (b.cliName.equals(t)) {
        return b;
      }
    }
    switch (t) {
      case "cone":
      case "full":
      case "fullcone":
        return FULL_CONE;
      case "restricted":
      case "address":
      case "restricted-cone":
        return ADDRESS_RESTRICTED;
      case "port":
      case "port-restricted-cone":
        return PORT_RESTRICTED;
      case "sym":
        return SYMMETRIC;
      case "no":
      case "off":
      case "routed":
        return NONE;
      default:
        throw new IllegalArgumentException("unknown NAT behaviour '" + text
            + "' (use none, full-cone, address-restricted, port-restricted or symmetric)");
    }
  }

  @Override
  public String toString() {
    return cliName;
  }
}
