package io.p2pquic.stun;

import java.util.Objects;

/** ERROR-CODE (RFC 8489 section 14.8): a code from 300 to 699 and a UTF-8 reason phrase. */
public record ErrorCodeAttribute(int code, String reason) implements StunAttribute {
  public static final int TRY_ALTERNATE = 300;
  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHENTICATED = 401;
  public static final int FORBIDDEN = 403;
  public static final int UNKNOWN_ATTRIBUTE = 420;
  public static final int ALLOCATION_MISMATCH = 437;
  public static final int STALE_NONCE = 438;
  public static final int ADDRESS_FAMILY_NOT_SUPPORTED = 440;
  public static final int WRONG_CREDENTIALS = 441;
  public static final int UNSUPPORTED_TRANSPORT_PROTOCOL = 442;
  public static final int PEER_ADDRESS_FAMILY_MISMATCH = 443;
  public static final int ALLOCATION_QUOTA_REACHED = 486;
  public static final int ROLE_CONFLICT = 487;
  public static final int SERVER_ERROR = 500;
  public static final int INSUFFICIENT_CAPACITY = 508;

  public ErrorCodeAttribute {
    if (code < 300 || code > 699) {
      throw new IllegalArgumentException("STUN error code must be 300-699: " + code);
    }
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public int type() {
    return StunAttributeType.ERROR_CODE;
  }
}
