package io.p2pquic.rendezvous.turn;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless NONCEs (RFC 8489 section 9.2): {@code <expiry, hex seconds>-<MAC>} where the MAC is
 * HMAC-SHA256 over the expiry, the realm and the client's IP, keyed with a key derived from the shared
 * auth secret. Any relay node holding the same secret verifies a nonce another node issued, nothing is
 * stored per client, and a nonce replayed from another IP is refused.
 */
public final class NonceManager {
  /** The outcome of checking a NONCE a client sent. */
  public enum Check { VALID, STALE, INVALID }

  private static final byte[] LABEL = "p2p-quic turn nonce v1".getBytes(StandardCharsets.US_ASCII);
  private static final int MAC_BYTES = 12;

  private final List<byte[]> keys = new ArrayList<>();
  private final String realm;
  private final long lifetimeMillis;

  /** @param secrets the auth secrets, newest (the one used to issue) first */
  public NonceManager(List<byte[]> secrets, String realm, long lifetimeMillis) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one secret");
    }
    for (byte[] s : secrets) {
      keys.add(hmac(s, LABEL));
    }
    this.realm = realm;
    this.lifetimeMillis = lifetimeMillis;
  }

  /** A fresh nonce for a client at {@code clientIp}, valid for the configured lifetime from {@code nowMillis}. */
  public String issue(String clientIp, long nowMillis) {
    long expiry = (nowMillis + lifetimeMillis + 999) / 1000;
    String e = Long.toHexString(expiry);
    return e + "-" + mac(keys.get(0), e, clientIp);
  }

  public Check check(String nonce, String clientIp, long nowMillis) {
    int dash = nonce.indexOf('-');
    if (dash <= 0 || dash > 12) {
      return Check.INVALID;
    }
    String e = nonce.substring(0, dash);
    long expiry;
    try {
      expiry = Long.parseLong(e, 16);
    } catch (NumberFormatException x) {
      return Check.INVALID;
    }
    byte[] given = nonce.substring(dash + 1).getBytes(StandardCharsets.US_ASCII);
    for (byte[] key : keys) {
      if (MessageDigest.isEqual(given, mac(key, e, clientIp).getBytes(StandardCharsets.US_ASCII))) {
        return expiry * 1000 > nowMillis ? Check.VALID : Check.STALE;
      }
    }
    return Check.INVALID;
  }

  private String mac(byte[] key, String expiryHex, String clientIp) {
    byte[] full = hmac(key, (expiryHex + "|" + realm + "|" + clientIp).getBytes(StandardCharsets.UTF_8));
    byte[] cut = new byte[MAC_BYTES];
    System.arraycopy(full, 0, cut, 0, MAC_BYTES);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(cut);
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
