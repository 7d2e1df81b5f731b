package io.p2pquic.puncher.ice.agent;

/**
 * Which side of an ICE session decides (RFC 8445 section 6.1.1): the controlling agent nominates the
 * candidate pair, the controlled agent follows. A role conflict (both claim the same role) is resolved
 * with the 64-bit tie-breakers carried in ICE-CONTROLLING / ICE-CONTROLLED (section 7.3.1.1).
 */
public enum IceRole {
  CONTROLLING,
  CONTROLLED;

  public IceRole opposite() {
    return this == CONTROLLING ? CONTROLLED : CONTROLLING;
  }

  /** Lower case, as logs and events print it. */
  public String label() {
    return name().toLowerCase();
  }
}
