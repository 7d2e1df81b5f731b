package io.p2pquic.stun;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC for MESSAGE-INTEGRITY (SHA-1) and MESSAGE-INTEGRITY-SHA256 (RFC 8489 sections 14.5, 14.6).
 * The HMAC covers the message up to the attribute, with the header length field set as if the
 * attribute were the last one; encoder and verifier share this one routine.
 */
final class MessageIntegrity {
  // Mac.getInstance walks the provider list on every call; one instance per thread (init() resets it).
  private static final ThreadLocal<Mac> SHA1 = ThreadLocal.withInitial(() -> mac("HmacSHA1"));
  private static final ThreadLocal<Mac> SHA256 = ThreadLocal.withInitial(() -> mac("HmacSHA256"));

  private MessageIntegrity() {}

  private static Mac mac(String alg) {
    try {
      return Mac.getInstance(alg);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(alg + " unavailable in this JDK", e);
    }
  }

  /**
   * HMAC over {@code message[0, attributeOffset)} with the length field patched to
   * {@code attributeOffset - 20 + 4 + valueLength}.
   */
  static byte[] compute(byte[] message, int attributeOffset, int valueLength, byte[] key, boolean sha256) {
    try {
      String alg = sha256 ? "HmacSHA256" : "HmacSHA1";
      Mac mac = (sha256 ? SHA256 : SHA1).get();
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, alg));
      int patchedLength = attributeOffset - StunMessage.HEADER_LENGTH + 4 + valueLength;
      mac.update(message, 0, 2);
      mac.update((byte) (patchedLength >>> 8));
      mac.update((byte) patchedLength);
      mac.update(message, 4, attributeOffset - 4);
      byte[] full = mac.doFinal();
      if (valueLength == full.length) {
        return full;
      }
      byte[] truncated = new byte[valueLength];
      System.arraycopy(full, 0, truncated, 0, valueLength);
      return truncated;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC unavailable in this JDK", e);
    }
  }

  static boolean verify(byte[] message, int attributeOffset, int valueLength, byte[] key, boolean sha256) {
    byte[] expected = compute(message, attributeOffset, valueLength, key, sha256);
    byte[] actual = new byte[valueLength];
    System.arraycopy(message, attributeOffset + 4, actual, 0, valueLength);
    return MessageDigest.isEqual(expected, actual); // constant time
  }
}
