package io.p2pquic.rendezvous.turn;

import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.turn.TurnRestCredentials;
import java.time.Instant;
import java.util.List;

/**
 * Long-term credential checks (RFC 8489 section 9.2, RFC 8656 section 5) for the use-auth-secret scheme:
 * USERNAME is {@code <unix expiry>:<user>}, the password base64(HMAC-SHA1(secret, USERNAME)), and the
 * MESSAGE-INTEGRITY key MD5(USERNAME ":" REALM ":" password). Every configured secret is tried, so a
 * secret can be rotated without cutting off credentials issued under the previous one. Pure: no I/O.
 */
public final class TurnAuthenticator {

  /** What to do with a request. */
  public sealed interface Result permits Authenticated, Rejected {}

  /** The request is authentic; responses carry MESSAGE-INTEGRITY with {@code key}. */
  public record Authenticated(String username, byte[] key) implements Result {}

  /**
   * Answer with {@code code}; {@code challenge}: include REALM and a fresh NONCE. {@code failure} names the
   * reason for metrics, or is null for the ordinary first challenge (no credentials sent yet).
   */
  public record Rejected(int code, String reason, boolean challenge, String failure) implements Result {}

  private final String realm;
  private final List<byte[]> secrets;
  private final NonceManager nonces;

  public TurnAuthenticator(String realm, List<byte[]> secrets, NonceManager nonces) {
    this.realm = realm;
    this.secrets = List.copyOf(secrets);
    this.nonces = nonces;
  }

  public String realm() {
    return realm;
  }

  public String nonce(String clientIp, long nowMillis) {
    return nonces.issue(clientIp, nowMillis);
  }

  public Result authenticate(StunMessage request, String clientIp, long nowMillis) {
    if (!request.hasMessageIntegrity() && !request.hasMessageIntegritySha256()) {
      return new Rejected(ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", true, null);
    }
    String username = request.string(StunAttributeType.USERNAME).orElse(null);
    String requestRealm = request.string(StunAttributeType.REALM).orElse(null);
    String nonce = request.string(StunAttributeType.NONCE).orElse(null);
    if (username == null || requestRealm == null || nonce == null) {
      return new Rejected(ErrorCodeAttribute.BAD_REQUEST, "USERNAME, REALM and NONCE required", false, "incomplete");
    }
    if (!realm.equals(requestRealm)) {
      return new Rejected(ErrorCodeAttribute.UNAUTHENTICATED, "Wrong realm", true, "realm");
    }
    NonceManager.Check check = nonces.check(nonce, clientIp, nowMillis);
    if (check != NonceManager.Check.VALID) {
      return new Rejected(ErrorCodeAttribute.STALE_NONCE, "Stale Nonce", true,
          check == NonceManager.Check.STALE ? "stale-nonce" : "invalid-nonce");
    }
    Instant expiry = TurnRestCredentials.expiryOf(username);
    if (expiry == null) {
      return new Rejected(ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", true, "bad-username");
    }
    if (expiry.toEpochMilli() <= nowMillis) {
      return new Rejected(ErrorCodeAttribute.UNAUTHENTICATED, "Credentials expired", true, "expired-username");
    }
    for (byte[] secret : secrets) {
      String password = TurnRestCredentials.password(secret, username);
      byte[] key = StunCredentials.longTermKey(username, realm, password);
      if (request.verifyMessageIntegrity(key)) {
        return new Authenticated(username, key);
      }
    }
    return new Rejected(ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", true, "bad-integrity");
  }

  /** The user a username's quota is counted against: the part after the expiry. */
  public static String userOf(String username) {
    String user = TurnRestCredentials.userOf(username);
    return user.isEmpty() ? username : user;
  }
}
