package io.p2pquic.puncher.stun;

import io.p2pquic.api.net.SocketAddresses;
import java.net.InetSocketAddress;

/** No response to a STUN request after every retransmission (RFC 8489 section 6.2.1) or TCP timeout. */
public final class StunTimeoutException extends StunException {
  private final int attempts;
  private final long elapsedMillis;

  public StunTimeoutException(InetSocketAddress server, String transport, int attempts, long elapsedMillis) {
    super(
        server,
        "no STUN response from " + SocketAddresses.format(server) + " over " + transport + " after "
            + attempts + (attempts == 1 ? " request" : " requests") + " in " + elapsedMillis + " ms",
        null);
    this.attempts = attempts;
    this.elapsedMillis = elapsedMillis;
  }

  /** Requests sent (1 for TCP). */
  public int attempts() {
    return attempts;
  }

  public long elapsedMillis() {
    return elapsedMillis;
  }
}
