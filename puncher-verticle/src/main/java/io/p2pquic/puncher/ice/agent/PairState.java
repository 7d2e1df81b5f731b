package io.p2pquic.puncher.ice.agent;

/** State of a candidate pair in the checklist (RFC 8445 section 6.1.2.6). */
public enum PairState {
  /** Waiting for a pair with the same foundation to succeed (or for nothing else to be waiting). */
  FROZEN,
  /** Ready to be checked when its turn comes (every Ta, highest priority first). */
  WAITING,
  /** A check was sent; no response yet. */
  IN_PROGRESS,
  /** A check produced an authenticated, symmetric success response. */
  SUCCEEDED,
  /** The check timed out, got an error response or the response came from the wrong address. */
  FAILED;

  public String label() {
    return name().toLowerCase().replace('_', '-');
  }
}
