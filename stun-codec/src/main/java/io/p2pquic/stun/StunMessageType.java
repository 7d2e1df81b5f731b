package io.p2pquic.stun;

/**
 * Method and class packed into the 14-bit STUN message type (RFC 8489 section 5, figure 3):
 * {@code M11..M7 C1 M6..M4 C0 M3..M0}.
 */
public record StunMessageType(StunMethod method, StunClass messageClass) {
  public static final StunMessageType BINDING_REQUEST =
      new StunMessageType(StunMethod.BINDING, StunClass.REQUEST);
  public static final StunMessageType BINDING_SUCCESS =
      new StunMessageType(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE);
  public static final StunMessageType BINDING_ERROR =
      new StunMessageType(StunMethod.BINDING, StunClass.ERROR_RESPONSE);
  public static final StunMessageType BINDING_INDICATION =
      new StunMessageType(StunMethod.BINDING, StunClass.INDICATION);

  public static StunMessageType of(StunMethod method, StunClass messageClass) {
    return new StunMessageType(method, messageClass);
  }

  public int toWire() {
    int m = method.code();
    int c = messageClass.bits();
    return (m & 0x000F) | ((c & 0b01) << 4) | ((m & 0x0070) << 1) | ((c & 0b10) << 7) | ((m & 0x0F80) << 2);
  }

  public static StunMessageType fromWire(int type) {
    int m = (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
    int c = ((type >> 4) & 0b01) | ((type >> 7) & 0b10);
    return new StunMessageType(StunMethod.of(m), StunClass.fromBits(c));
  }

  /** The success or error response type for this request type. */
  public StunMessageType response(boolean success) {
    return new StunMessageType(method, success ? StunClass.SUCCESS_RESPONSE : StunClass.ERROR_RESPONSE);
  }

  @Override
  public String toString() {
    return method + " " + switch (messageClass) {
      case REQUEST -> "request";
      case INDICATION -> "indication";
      case SUCCESS_RESPONSE -> "success response";
      case ERROR_RESPONSE -> "error response";
    };
  }
}
