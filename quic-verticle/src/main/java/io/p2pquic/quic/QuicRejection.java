package io.p2pquic.quic;

import java.net.InetSocketAddress;

/**
 * An accepting endpoint refused a handshake because of the peer's certificate.
 *
 * @param remote the address the handshake came from (null if unknown)
 * @param cause which rule failed, with a message naming the peer id where one was proven
 */
public record QuicRejection(InetSocketAddress remote, PeerCertificateException cause) {
  @Override
  public String toString() {
    return "rejected QUIC handshake from " + remote + ": " + cause.reason() + ": " + cause.getMessage();
  }
}
