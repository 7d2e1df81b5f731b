package io.p2pquic.rendezvous.relay;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A short public fingerprint of a TURN shared secret: base64url(HMAC-SHA256(secret, label))[0..11]. Relays
 * announce the fingerprints of the secrets they accept, so a rendezvous lists in a grant only the relays
 * that will accept the credentials it signs (a node with another or a random secret is left out).
 */
public final class SecretId {
  private static final byte[] LABEL = "p2p-quic/relay-directory/secret-id/v1".getBytes(StandardCharsets.US_ASCII);

  private SecretId() {}

  public static String of(byte[] secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(LABEL)).substring(0, 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public static String of(String secret) {
    return of(secret.getBytes(StandardCharsets.UTF_8));
  }
}
