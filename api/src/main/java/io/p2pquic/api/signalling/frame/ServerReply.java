package io.p2pquic.api.signalling.frame;

/**
 * A server frame that answers a client's request: it echoes the request's {@code id}. The rendezvous echoes
 * whatever valid id the client sent; a peer compares it as text with the ids it issued.
 */
public interface ServerReply extends ServerFrame {

  /** The echoed request id, or null. */
  Object id();

  /** The id as the peer compares it, or null. */
  default String idText() {
    return id() == null ? null : id().toString();
  }
}
