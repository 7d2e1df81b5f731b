package io.p2pquic.node.report;

/** What a method should give between two lab NATs. */
public enum Expectation {
  /** Connects, and the path that wins is direct. */
  DIRECT("direct"),
  /** Connects through a relay (no direct path exists, or the method never tries one). */
  RELAYED("relayed"),
  /** Fails cleanly, with a reason, within the connect timeout. */
  FAILS("fails"),
  /** Nobody has said yet (a method added without expectations). */
  UNKNOWN("?");

  private final String label;

  Expectation(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
