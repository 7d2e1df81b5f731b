package io.p2pquic.stun;

/** The class of a STUN message (RFC 8489 section 5): two bits spread over the 14-bit message type. */
public enum StunClass {
  REQUEST(0b00),
  INDICATION(0b01),
  SUCCESS_RESPONSE(0b10),
  ERROR_RESPONSE(0b11);

  private final int bits;

  StunClass(int bits) {
    this.bits = bits;
  }

  public int bits() {
    return bits;
  }

  public boolean isResponse() {
    return this == SUCCESS_RESPONSE || this == ERROR_RESPONSE;
  }

  static StunClass fromBits(int bits) {
    return values()[bits & 0b11];
  }
}
