package io.p2pquic.stun.turn;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited TURN credentials derived from a secret shared by the rendezvous and the relays: the
 * scheme coturn calls {@code use-auth-secret} (draft-uberti-behave-turn-rest). The username is
 * {@code <unix expiry>:<user id>} and the password is base64(HMAC-SHA1(secret, username)), so a relay can
 * check a password without any per-user state, and a leaked credential stops working at its expiry.
 */
public record TurnRestCredentials(String username, String password, Instant expiresAt) {

  /** Issues credentials for {@code userId} valid until {@code expiresAt}. */
  public static TurnRestCredentials issue(byte[] secret, String userId, Instant expiresAt) {
    if (userId.indexOf(':') >= 0) {
      throw new IllegalArgumentException("user id must not contain ':' (it separates expiry and user): " + userId);
    }
    String username = expiresAt.getEpochSecond() + ":" + userId;
    return new TurnRestCredentials(username, password(secret, username), expiresAt);
  }

  /** The password a relay expects for {@code username}. */
  public static String password(byte[] secret, String username) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret, "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 unavailable", e);
    }
  }

  /**
   * The expiry encoded in a username ({@code <unix seconds>[:<user>]}), or null when the username does not
   * follow the scheme.
   */
  public static Instant expiryOf(String username) {
    int colon = username.indexOf(':');
    String seconds = colon < 0 ? username : username.substring(0, colon);
    if (seconds.isEmpty() || seconds.length() > 12) {
      return null;
    }
    for (int i = 0; i < seconds.length(); i++) {
      if (!Character.isDigit(seconds.charAt(i))) {
        return null;
      }
    }
    return Instant.ofEpochSecond(Long.parseLong(seconds));
  }

  /** The user id part of a username, or the empty string when there is none. */
  public static String userOf(String username) {
    int colon = username.indexOf(':');
    return colon < 0 ? "" : username.substring(colon + 1);
  }

  /** Constant-time check that {@code password} is the one {@code secret} gives for {@code username}. */
  public static boolean verify(byte[] secret, String username, String password) {
    byte[] expected = password(secret, username).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.UTF_8));
  }
}
