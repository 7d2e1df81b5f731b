package io.p2pquic.puncher.ice.agent;

/**
 * Something the agent did or learnt, for a connection timeline: {@link IceAgent#eventHandler}
 * receives these in order on the agent's context.
 *
 * @param atMillis milliseconds since the agent was created
 * @param type what kind of step it was
 * @param detail one line in plain words, e.g. {@code host 10.0.0.2:5000 -> srflx 203.0.113.9:40000 succeeded, rtt 3 ms}
 * @param pair the pair concerned, or null
 */
public record IceEvent(long atMillis, Type type, String detail, CandidatePair pair) {

  public enum Type {
    CANDIDATE("candidate"),
    CREDENTIALS("credentials"),
    PAIR_ADDED("pair added"),
    CHECK_SENT("check sent"),
    CHECK_SUCCEEDED("check succeeded"),
    CHECK_FAILED("check failed"),
    CHECK_REJECTED("check rejected"),
    PEER_REFLEXIVE("prflx learnt"),
    ROLE_SWITCHED("role switched"),
    NOMINATING("nominating"),
    NOMINATED("nominated"),
    SELECTED("selected"),
    STATE("state"),
    CONSENT("consent"),
    RESTART("restart"),
    END_OF_CANDIDATES("end of candidates"),
    FAILED("failed");

    private final String label;

    Type(String label) {
      this.label = label;
    }

    /** Short lower-case name for a timeline ("check succeeded"). */
    public String label() {
      return label;
    }
  }

  /** The short name of the step, e.g. {@code "nominated"}. */
  public String name() {
    return type.label();
  }

  @Override
  public String toString() {
    return atMillis + " ms " + type.label() + ": " + detail;
  }
}
