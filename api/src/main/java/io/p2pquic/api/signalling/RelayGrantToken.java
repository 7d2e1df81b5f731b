package io.p2pquic.api.signalling;

import io.p2pquic.identity.Ed25519Keys;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;

/**
 * A relay grant an operator signs for one of their peers, so a closed relay ({@code turn.grant}) can
 * admit users without listing each id: the rendezvous trusts the issuers named in {@code turn.grantIssuers}.
 *
 * <p>Text form: {@code p2pg1.<payload>.<signature>}, both base64url without padding; the payload is the
 * JSON {@code {"peer":"pq1...","exp":<epoch seconds>,"issuerKey":"<base64 SubjectPublicKeyInfo>"}}; the
 * signature is Ed25519 by the issuer's key over {@code "p2p-quic-relay-grant-v1:"} followed by the payload
 * bytes (its own domain, so no other signature of that key can pass for a grant). The token names the peer,
 * so it is useless to anyone else; it is not secret, but whoever holds it and the peer's key gets relaying.
 */
public record RelayGrantToken(PeerId peer, Instant expires, PeerId issuer) {
  public static final String PREFIX = "p2pg1.";
  /** Longer strings are refused before any decoding. */
  public static final int MAX_LENGTH = 1024;
  private static final byte[] DOMAIN = "p2p-quic-relay-grant-v1:".getBytes(StandardCharsets.US_ASCII);

  /** Signs a grant for {@code peer} until {@code expires}. */
  public static String mint(PeerIdentity issuer, PeerId peer, Instant expires) {
    byte[] payload = new JsonObject().put("peer", peer.value()).put("exp", expires.getEpochSecond())
        .put("issuerKey", issuer.publicKeyBase64()).encode().getBytes(StandardCharsets.UTF_8);
    byte[] sig = issuer.sign(signed(payload));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return PREFIX + b64.encodeToString(payload) + "." + b64.encodeToString(sig);
  }

  /**
   * Checks {@code token} for {@code peer} at {@code now} against the trusted {@code issuers}.
   *
   * @return the grant
   * @throws IllegalArgumentException saying why it is refused (malformed, bad signature, another peer,
   *     expired, untrusted issuer)
   */
  public static RelayGrantToken verify(String token, PeerId peer, Collection<PeerId> issuers, Instant now) {
    if (token == null || token.length() > MAX_LENGTH || !token.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a relay grant token (p2pg1....)");
    }
    String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("a relay grant token has a payload and a signature");
    }
    byte[] payload;
    byte[] sig;
    JsonObject json;
    PublicKey key;
    try {
      payload = Base64.getUrlDecoder().decode(parts[0]);
      sig = Base64.getUrlDecoder().decode(parts[1]);
      json = new JsonObject(new String(payload, StandardCharsets.UTF_8));
      key = Ed25519Keys.decodePublicKey(Base64.getDecoder().decode(String.valueOf(json.getValue("issuerKey"))));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed relay grant token: " + e.getMessage());
    }
    PeerId issuer = PeerId.of(key);
    if (!issuers.contains(issuer)) {
      throw new IllegalArgumentException("relay grant token issued by " + issuer + ", which turn.grantIssuers does not list");
    }
    if (!PeerIdentity.verify(key, signed(payload), sig)) {
      throw new IllegalArgumentException("relay grant token signature does not verify");
    }
    Object p = json.getValue("peer");
    Object exp = json.getValue("exp");
    if (!(p instanceof String) || !(exp instanceof Number)) {
      throw new IllegalArgumentException("relay grant token lacks \"peer\" or \"exp\"");
    }
    if (!p.equals(peer.value())) {
      throw new IllegalArgumentException("relay grant token is for " + p + ", not " + peer);
    }
    Instant expires = Instant.ofEpochSecond(((Number) exp).longValue());
    if (!now.isBefore(expires)) {
      throw new IllegalArgumentException("relay grant token expired at " + expires);
    }
    return new RelayGrantToken(peer, expires, issuer);
  }

  private static byte[] signed(byte[] payload) {
    byte[] m = new byte[DOMAIN.length + payload.length];
    System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
    System.arraycopy(payload, 0, m, DOMAIN.length, payload.length);
    return m;
  }
}
