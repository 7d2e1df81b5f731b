package io.p2pquic.puncher;

import java.security.SecureRandom;

/**
 * ICE short-term credentials (RFC 8445 section 5.3, RFC 8839 section 5.4): ice-ufrag of at least 4 and
 * ice-pwd of at least 22 ice-chars (ALPHA / DIGIT / "+" / "/"), i.e. 24 and 128 random bits.
 */
public record IceCredentials(String ufrag, String pwd) {
  private static final char[] ICE_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  public IceCredentials {
    if (ufrag == null || ufrag.length() < 4 || ufrag.length() > 256 || !iceChars(ufrag)) {
      throw new IllegalArgumentException("ufrag must be 4-256 ice-chars (letters, digits, + or /)");
    }
    if (pwd == null || pwd.length() < 22 || pwd.length() > 256 || !iceChars(pwd)) {
      throw new IllegalArgumentException("pwd must be 22-256 ice-chars (letters, digits, + or /)");
    }
  }

  public static IceCredentials random() {
    return new IceCredentials(random(8), random(24));
  }

  private static String random(int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = ICE_CHARS[RANDOM.nextInt(ICE_CHARS.length)];
    }
    return new String(c);
  }

  private static boolean iceChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (!(Character.isLetterOrDigit(ch) && ch < 128) && ch != '+' && ch != '/') {
        return false;
      }
    }
    return true;
  }
}
