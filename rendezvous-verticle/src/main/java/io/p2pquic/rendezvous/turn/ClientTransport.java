package io.p2pquic.rendezvous.turn;

import io.vertx.core.buffer.Buffer;

/**
 * The way back to a TURN client: the STUN server's UDP socket and the client's address, or the client's
 * TCP connection. Implemented by the STUN server, which owns those sockets.
 */
public interface ClientTransport {
  AllocationKey key();

  /** True for TCP: ChannelData must be padded to a multiple of four (RFC 8656 section 12.5). */
  default boolean stream() {
    return key().protocol() == AllocationKey.Protocol.TCP;
  }

  /**
   * Sends one framed message; returns false when it was dropped (a TCP connection whose write queue is
   * full: the relay sheds load rather than buffering without bound).
   */
  boolean send(Buffer message);

  /** Closes a TCP connection (no-op for UDP). */
  default void close() {}
}
