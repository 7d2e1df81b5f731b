package io.p2pquic.stun;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/** The 96-bit STUN transaction id; random and unpredictable for requests (RFC 8489 section 6). */
public final class TransactionId {
  public static final int LENGTH = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] bytes;

  private TransactionId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static TransactionId random() {
    byte[] b = new byte[LENGTH];
    RANDOM.nextBytes(b);
    return new TransactionId(b);
  }

  public static TransactionId of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("transaction id must be 12 bytes, got " + bytes.length);
    }
    return new TransactionId(bytes.clone());
  }

  public static TransactionId fromHex(String hex) {
    return of(HexFormat.of().parseHex(hex));
  }

  public byte[] toByteArray() {
    return bytes.clone();
  }

  byte[] unsafeBytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransactionId t && Arrays.equals(bytes, t.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
