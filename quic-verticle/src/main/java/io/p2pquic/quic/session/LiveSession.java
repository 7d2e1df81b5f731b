package io.p2pquic.quic.session;

import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;

/**
 * A session the quic verticle holds once its handshake is done, whatever carries it: QUIC
 * ({@link PeerSession}, every method but tcp) or TLS over a punched TCP connection
 * ({@link TlsStreamSession}, method tcp). Both serve the same event-bus addresses (docs/api.md); this
 * is what status output, the bridge's session list and shutdown see. Code that needs QUIC streams
 * (forward, pipe, ping) asks for a {@link PeerSession}.
 */
public sealed interface LiveSession permits PeerSession, TlsStreamSession {
  String sessionId();

  PeerId remotePeer();

  /** The connect method that made the session (as in its description), or null when unknown. */
  String method();

  /** When the session came up (epoch ms). */
  long startedAtMillis();

  /** False once the connection is closing or closed. */
  boolean isOpen();

  /** Bytes of application data sent and received so far (QUIC: whole packets, as quiche counts them). */
  Future<TrafficCounters> traffic();

  /** Closes the session, telling the peer {@code reason} where the transport can carry one. */
  Future<Void> close(String reason);

  /** What a session has moved: bytes each way and, for QUIC, the smoothed round-trip time (null for TCP). */
  record TrafficCounters(long bytesSent, long bytesReceived, Double rttMs) {}
}
