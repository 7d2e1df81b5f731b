package io.p2pquic.stun;

/** Input that is not a well-formed STUN message; the only exception the decoder throws. */
public final class StunDecodeException extends Exception {
  /** Why decoding failed; stable names for metrics tags and logs. */
  public enum Reason {
    TRUNCATED,
    NOT_STUN,
    BAD_MAGIC_COOKIE,
    BAD_LENGTH,
    BAD_ATTRIBUTE_LENGTH,
    MALFORMED_ATTRIBUTE,
    TOO_MANY_ATTRIBUTES,
    BAD_FINGERPRINT,
    MISPLACED_ATTRIBUTE
  }

  private final Reason reason;

  public StunDecodeException(Reason reason, String message) {
    super(message, null, false, false); // no stack trace: bad input is routine, not a bug
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
