package io.p2pquic.puncher.ice;

/** ICE candidate types with their recommended type preferences (RFC 8445 section 5.1.2.2). */
public enum CandidateType {
  HOST("host", 126),
  PEER_REFLEXIVE("prflx", 110),
  SERVER_REFLEXIVE("srflx", 100),
  RELAYED("relay", 0);

  private final String sdpName;
  private final int typePreference;

  CandidateType(String sdpName, int typePreference) {
    this.sdpName = sdpName;
    this.typePreference = typePreference;
  }

  /** The name in SDP ({@code typ host}) and in JSON. */
  public String sdpName() {
    return sdpName;
  }

  /** 0-126; higher is preferred. */
  public int typePreference() {
    return typePreference;
  }

  public static CandidateType fromSdpName(String name) {
    for (CandidateType t : values()) {
      if (t.sdpName.equalsIgnoreCase(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown candidate type '" + name + "' (expected host, srflx, prflx or relay)");
  }
}
