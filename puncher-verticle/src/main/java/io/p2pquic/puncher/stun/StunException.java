package io.p2pquic.puncher.stun;

import java.net.InetSocketAddress;

/** A STUN client transaction that did not produce a usable response. */
public class StunException extends RuntimeException {
  private final InetSocketAddress server;

  public StunException(InetSocketAddress server, String message, Throwable cause) {
    super(message, cause);
    this.server = server;
  }

  /** The address the request was sent to. */
  public InetSocketAddress server() {
    return server;
  }
}
