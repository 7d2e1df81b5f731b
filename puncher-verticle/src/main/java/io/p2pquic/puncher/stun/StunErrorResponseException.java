package io.p2pquic.puncher.stun;

import io.p2pquic.api.net.SocketAddresses;
import java.net.InetSocketAddress;

/**
 * The server answered with an error response. {@link StunClient#request} completes with error
 * responses (the caller decides); the convenience methods that need a mapped address fail with this.
 */
public final class StunErrorResponseException extends StunException {
  private final StunResponse response;
  private final int code;

  public StunErrorResponseException(InetSocketAddress server, StunResponse response) {
    super(server, describe(server, response), null);
    this.response = response;
    this.code = response.errorCode().map(e -> e.code()).orElse(0);
  }

  private static String describe(InetSocketAddress server, StunResponse response) {
    String what = response.errorCode()
        .map(e -> "error " + e.code() + (e.reason().isEmpty() ? "" : " (" + e.reason() + ")"))
        .orElse(response.isSuccess() ? "a success response without a mapped address" : "an error response without ERROR-CODE");
    return "STUN server " + SocketAddresses.format(server) + " answered with " + what;
  }

  /** The ERROR-CODE value, 0 when the response had none. */
  public int code() {
    return code;
  }

  public StunResponse response() {
    return response;
  }
}
