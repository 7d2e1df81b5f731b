package io.p2pquic.puncher.turn;

import io.p2pquic.puncher.stun.StunException;
import java.net.InetSocketAddress;

/**
 * A TURN request failed. {@link #reason()} classifies it (and tags {@code p2p.turn.failures}); the
 * message says what happened and what to do next.
 */
public final class TurnException extends StunException {
  /** Why a TURN request failed. */
  public enum Reason {
    /** 401 after authenticating: wrong username/password (or secret, or an expired REST username). */
    WRONG_CREDENTIALS("wrong-credentials"),
    /** 438 again and again: the server keeps rejecting fresh nonces. */
    STALE_NONCE("stale-nonce"),
    /** 486: the user has as many allocations as the server allows. */
    QUOTA_REACHED("quota"),
    /** 403: the server refuses this request (peer address forbidden, or policy). */
    FORBIDDEN("forbidden"),
    /** 442: the server does not relay UDP. */
    UNSUPPORTED_TRANSPORT("unsupported-transport"),
    /** 437: no allocation on this 5-tuple (expired or deleted), or one already exists. */
    ALLOCATION_MISMATCH("allocation-mismatch"),
    /** 440 / 443: address family not supported or mismatched. */
    ADDRESS_FAMILY("address-family"),
    /** 508: the server has no relay ports left. */
    INSUFFICIENT_CAPACITY("insufficient-capacity"),
    /** 300: the server redirects to ALTERNATE-SERVER (not followed). */
    TRY_ALTERNATE("try-alternate"),
    /** Any other error response. */
    ERROR_RESPONSE("error-response"),
    /** A success response without what it must carry, or with a MESSAGE-INTEGRITY that does not verify. */
    BAD_RESPONSE("bad-response"),
    /** No response after every retransmission. */
    TIMEOUT("timeout"),
    /** The request could not be sent, or the client/allocation is closed. */
    SEND_FAILED("send-failed"),
    /** The server name does not resolve. */
    UNRESOLVED("unresolved");

    private final String tag;

    Reason(String tag) {
      this.tag = tag;
    }

    /** Metric tag value. */
    public String tag() {
      return tag;
    }
  }

  private final Reason reason;
  private final int code;

  public TurnException(InetSocketAddress server, Reason reason, int code, String message, Throwable cause) {
    super(server, message, cause);
    this.reason = reason;
    this.code = code;
  }

  public Reason reason() {
    return reason;
  }

  /** The STUN error code, 0 when the failure was no error response. */
  public int code() {
    return code;
  }
}
