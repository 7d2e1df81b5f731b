package io.p2pquic.puncher.ice;

/** Transport of a candidate. Only UDP is gathered today; TCP (RFC 6544) candidates parse and print. */
public enum CandidateTransport {
  UDP,
  TCP;

  /** Case-insensitive, as RFC 8839 transport tokens are ("UDP", "udp"). */
  public static CandidateTransport parse(String s) {
    for (CandidateTransport t : values()) {
      if (t.name().equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unsupported candidate transport '" + s + "'");
  }
}
