package io.p2pquic.rendezvous.signalling;

import java.net.InetSocketAddress;

/**
 * One client connection of the signalling service, whatever carries it: a WebSocket
 * ({@link WebSocketConnection}) or a QUIC stream ({@link QuicSignallingConnection}). {@link Session}
 * holds the protocol; this holds only the transport, so both transports share one piece of logic.
 */
interface SignallingConnection {

  /** The address the client connected from (its server-reflexive address on this transport). */
  InetSocketAddress remoteAddress();

  /** Short name for metrics and logs: "ws" or "quic". */
  String transport();

  boolean isClosed();

  boolean writeQueueFull();

  /** Writes one JSON text message. */
  void writeText(String text);

  /** Stops reading until the write queue drained (back-pressure). */
  void pauseUntilDrained();

  /** Closes the connection; {@code code} is a WebSocket close code (the QUIC transport uses it as error code). */
  void close(short code, String reason);
}
