package io.p2pquic.puncher.dcutr;

/** A control datagram that is not a well-formed DCUtR message; the text says what is wrong. */
public final class DcutrDecodeException extends Exception {
  public DcutrDecodeException(String message) {
    super(message);
  }
}
