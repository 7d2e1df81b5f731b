package io.p2pquic.puncher.hardnat;

/**
 * Which half of hard-NAT punching a side plays, from the two NAT mappings of one session. Only a pair with
 * one per-destination (endpoint-dependent) mapping and one stable mapping can be punched this way: the
 * stable side keeps its one public port, the other opens many ports towards it and the stable side guesses
 * among them (the birthday paradox makes a hit likely within a few thousand guesses).
 */
public enum HardNatRole {
  /** Our NAT maps per destination: open many sockets, each sending to the peer's one public address. */
  MANY_SOCKETS,
  /** Our mapping is stable: send from the session socket to random ports of the peer's public IP. */
  SPRAY;

  /**
   * The role for this pair, or null when hard-NAT punching does not apply: both stable (ICE's own checks
   * find the path) or both per destination (no port of either side stays put; with random ports the odds
   * of two guesses meeting are about 1 in 64,000 per pair of packets, so the session stays relayed).
   */
  public static HardNatRole of(boolean localEndpointDependent, boolean remoteEndpointDependent) {
    if (localEndpointDependent == remoteEndpointDependent) {
      return null;
    }
    return localEndpointDependent ? MANY_SOCKETS : SPRAY;
  }
}
