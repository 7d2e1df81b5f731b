package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * {@code register}: the answer to the challenge. Decoded, {@code peerId} is known to derive from
 * {@code publicKey}; whether {@code signature} signs this connection's nonce only the rendezvous can tell.
 *
 * @param attach true for a per-session attachment (method quic-native) that leaves the peer's main
 *     registration in place
 * @param grantToken an optional relay grant token ({@link io.p2pquic.api.signalling.RelayGrantToken}), not
 *     checked here: whoever issues relay credentials checks it
 */
public record RegisterRequest(Object id, PeerId peerId, PublicKey publicKey, byte[] signature, boolean attach,
    String grantToken) implements ClientFrame {

  public RegisterRequest {
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(publicKey, "publicKey");
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  /** The register message for {@code me} answering a challenge with {@code nonce}. */
  public static RegisterRequest signed(PeerIdentity me, Object id, byte[] nonce, boolean attach, String grantToken) {
    return new RegisterRequest(id, me.peerId(), me.publicKey(),
        me.sign(SignallingProtocol.registrationPayload(nonce)), attach, grantToken);
  }

  @Override
  public String type() {
    return SignallingProtocol.REGISTER;
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type()), id)
        .put(SignallingProtocol.F_PEER_ID, peerId.value())
        .put(SignallingProtocol.F_PUBLIC_KEY, PeerIdentity.encodePublicKey(publicKey))
        .put(SignallingProtocol.F_SIGNATURE, Base64.getEncoder().encodeToString(signature));
    if (attach) {
      j.put(SignallingProtocol.F_ATTACH, true);
    }
    if (grantToken != null) {
      j.put(ClientFrameDecoder.F_GRANT_TOKEN, grantToken);
    }
    return j;
  }

  // A record compares arrays by reference and keys by their class's equals: compare what goes on the wire.
  @Override
  public boolean equals(Object o) {
    return o instanceof RegisterRequest r && Objects.equals(id, r.id) && peerId.equals(r.peerId)
        && Arrays.equals(publicKey.getEncoded(), r.publicKey.getEncoded()) && Arrays.equals(signature, r.signature)
        && attach == r.attach && Objects.equals(grantToken, r.grantToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, peerId, Arrays.hashCode(signature), attach, grantToken);
  }

  @Override
  public String toString() {
    return "RegisterRequest" + toJson().encode();
  }
}
