package io.p2pquic.puncher.session;

import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One attempt to connect with one peer by one {@link ConnectMethod}, from the first signal to a QUIC (or
 * TLS over TCP) session or a failure. {@link PeerSessions} keeps every session of a peer in one registry
 * by session id and routes the peer's signalling messages to {@link #onSignal}; starting is method
 * specific (each session class has its own {@code start}).
 */
public interface PunchSession {

  String sessionId();

  /** The peer at the other end; only its messages reach {@link #onSignal}. */
  PeerId remotePeer();

  ConnectMethod method();

  /** True on the side that asked for the session (sent the offer), false on the side that accepted it. */
  boolean dialer();

  /**
   * Completes with the session description ({@link SessionDescription#toJson()}) once up; fails with a
   * {@link io.p2pquic.api.session.ConnectFailedException} (the reason and what to do next).
   */
  Future<JsonObject> result();

  /** A signalling message of this session from {@link #remotePeer()}, decoded. */
  void onSignal(SessionSignal signal);

  /** Ends the attempt with {@code reason} and {@code detail} (for a person) if it is not over yet, then closes it. */
  void fail(ConnectFailure reason, String detail);

  /** Releases the session's sockets and relays; the QUIC connection, once adopted, goes with its channel. */
  Future<Void> close();

  /**
   * Where the session's packets go now, for status and ping: {@code method}, {@code path} ("direct",
   * "relayed" or "none") and, where known, {@code via} and {@code remote}.
   */
  default JsonObject pathJson() {
    return new JsonObject().put("method", method().label()).put("path", "direct");
  }

  /** The signalling connection dropped; a session that cannot complete without it fails now. */
  default void onSignallingLost() {
  }

  /** The first 8 characters of a session id, for timelines (a peer's id may be shorter: no exception). */
  static String shortId(String sessionId) {
    return sessionId == null ? "?" : sessionId.length() <= 8 ? sessionId : sessionId.substring(0, 8);
  }

  /**
   * Why a {@code bye} ended an attempt: the sender's {@code failure} label when it gave one (e.g.
   * "rejected"), else {@link ConnectFailure#PEER_ENDED}.
   */
  static ConnectFailure byeReason(SessionSignal.Bye bye) {
    String label = bye.failure();
    for (ConnectFailure f : ConnectFailure.values()) {
      if (f.label().equals(label)) {
        return f;
      }
    }
    return ConnectFailure.PEER_ENDED;
  }

  /** A QUIC (or TLS) hand-over that failed: a wrong peer identity, or any other handshake failure. */
  static ConnectFailure handshakeFailure(Throwable cause) {
    // The quic-verticle's adopt reply carries the code (525 another peer id, 524 no handshake).
    return ConnectFailure.find(cause).filter(f -> f == ConnectFailure.IDENTITY_MISMATCH).orElse(ConnectFailure.HANDSHAKE_FAILED);
  }
}
