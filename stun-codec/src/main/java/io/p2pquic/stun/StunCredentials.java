package io.p2pquic.stun;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;

/**
 * Keys for MESSAGE-INTEGRITY (RFC 8489 section 9): short-term (ICE) and long-term (TURN) credentials.
 *
 * <p>Passwords and realms are prepared with the OpaqueString profile (RFC 8265): non-ASCII spaces
 * become U+0020, "commonly mapped to nothing" characters (soft hyphen and the like) are removed, and
 * the result is NFKC-normalised. That is what RFC 5769's long-term vector needs
 * ("The&lt;U+00AD&gt;M&lt;U+00AA&gt;tr&lt;U+2168&gt;x" becomes "TheMatrIX").
 */
public final class StunCredentials {
  private StunCredentials() {}

  /** Short-term key: the prepared password's UTF-8 bytes. */
  public static byte[] shortTermKey(String password) {
    return opaqueString(password).getBytes(StandardCharsets.UTF_8);
  }

  /** Long-term key (MD5 algorithm): MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)). */
  public static byte[] longTermKey(String username, String realm, String password) {
    try {
      String material = username + ":" + opaqueString(realm) + ":" + opaqueString(password);
      return MessageDigest.getInstance("MD5").digest(material.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable in this JDK", e);
    }
  }

  static String opaqueString(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              if (isMappedToNothing(cp)) {
                return;
              }
              out.appendCodePoint(Character.isSpaceChar(cp) && cp != ' ' ? ' ' : cp);
            });
    return Normalizer.normalize(out, Normalizer.Form.NFKC);
  }

  // RFC 3454 table B.1 (commonly mapped to nothing).
  private static boolean isMappedToNothing(int cp) {
    return cp == 0x00AD
        || cp == 0x034F
        || cp == 0x1806
        || (cp >= 0x180B && cp <= 0x180D)
        || (cp >= 0x200B && cp <= 0x200D)
        || cp == 0x2060
        || (cp >= 0xFE00 && cp <= 0xFE0F)
        || cp == 0xFEFF;
  }
}
