package io.p2pquic.puncher.ice.agent;

/**
 * How the controlling agent nominates. RFC 8445 has only regular nomination (section 8.1.1): checks
 * run without USE-CANDIDATE; once a stopping criterion is met, the controlling agent re-checks the
 * chosen valid pair with USE-CANDIDATE. Aggressive nomination (RFC 5245) is deprecated and not offered.
 */
public enum NominationMode {
  REGULAR;

  public String label() {
    return name().toLowerCase();
  }

  public static NominationMode parse(String s) {
    for (NominationMode m : values()) {
      if (m.name().equalsIgnoreCase(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("nomination must be 'regular' (aggressive nomination is deprecated by RFC 8445), is '" + s + "'");
  }
}
