package io.p2pquic.api.session;

/**
 * Why a connect (or an accepted session) did not come up, in terms a program can act on. It travels as
 * the {@code failureCode} of the {@code ReplyException} of {@code p2p.peer.connect.<peer>} (the message
 * keeps the human explanation, with what to do next), as {@code reason} in the CLI's JSON output, and in
 * {@code lab report}. Codes are stable; docs/api.md lists them.
 */
public enum ConnectFailure {
  /** The request itself is wrong (not a peer id, an unknown method, this peer itself). */
  INVALID_REQUEST(400, "invalid-request"),
  /** The peer refused the session ({@code acceptFrom} or its {@code p2p.peer.incoming} consumer). */
  REJECTED(403, "rejected"),
  /** The method needs something this peer does not have (a TURN server, a STUN server for TCP). */
  UNAVAILABLE(501, "unavailable"),
  /** No direct path: every candidate pair (or TCP attempt, or QUIC probe) failed. */
  NO_DIRECT_PATH(520, "no-direct-path"),
  /** No path through a relay: allocation, permission or reachability of the TURN server failed. */
  NO_RELAYED_PATH(521, "no-relayed-path"),
  /** Signalling failed: the offer or answer could not be delivered, or the connection dropped mid-way. */
  SIGNALLING(522, "signalling"),
  /** The peer ended the attempt (a {@code bye} with its reason). */
  PEER_ENDED(523, "peer-ended"),
  /** A path worked but the QUIC (or TLS over TCP) handshake did not complete. */
  HANDSHAKE_FAILED(524, "handshake-failed"),
  /** The far end proved another identity than the peer asked for (a hostile rendezvous or relay). */
  IDENTITY_MISMATCH(525, "identity-mismatch"),
  /** Nothing decided within the connect timeout. */
  TIMEOUT(504, "timeout"),
  /** This peer is shutting down. */
  CLOSED(503, "closed"),
  /** Anything else (a local error: no socket, gathering failed). */
  FAILED(500, "failed");

  private final int code;
  private final String label;

  ConnectFailure(int code, String label) {
    this.code = code;
    this.label = label;
  }

  /** The event-bus {@code failureCode}. */
  public int code() {
    return code;
  }

  /** The word used in JSON output and reports, e.g. {@code no-direct-path}. */
  public String label() {
    return label;
  }

  /** The failure with this event-bus code; {@link #FAILED} for a code no failure has. */
  public static ConnectFailure fromCode(int code) {
    for (ConnectFailure f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return FAILED;
  }

  /** The failure a throwable carries (see {@link #find}), else {@link #FAILED}. */
  public static ConnectFailure of(Throwable t) {
    return find(t).orElse(FAILED);
  }

  /**
   * The failure carried by {@code t} or one of its causes: a {@link ConnectFailedException} (in this
   * JVM), or the {@code failureCode} of an event-bus reply from {@code p2p.peer.connect}.
   */
  public static java.util.Optional<ConnectFailure> find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ConnectFailedException e) {
        return java.util.Optional.of(e.reason());
      }
      if (c instanceof io.vertx.core.eventbus.ReplyException r
          && r.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
        return java.util.Optional.of(fromCode(r.failureCode()));
      }
    }
    return java.util.Optional.empty();
  }
}
