package io.p2pquic.api.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SignallingProtocolTest {

  @Test
  void registrationPayloadIsDomainPrefixZeroNonce() {
    byte[] nonce = new byte[32];
    for (int i = 0; i < 32; i++) {
      nonce[i] = (byte) i;
    }
    byte[] p = SignallingProtocol.registrationPayload(nonce);
    byte[] prefix = "p2p-quic/signalling/register/v1".getBytes(StandardCharsets.US_ASCII);
    assertThat(p).hasSize(prefix.length + 1 + 32);
    for (int i = 0; i < prefix.length; i++) {
      assertThat(p[i]).isEqualTo(prefix[i]);
    }
    assertThat(p[prefix.length]).isEqualTo((byte) 0);
    assertThat(p[prefix.length + 1]).isEqualTo((byte) 0);
    assertThat(p[p.length - 1]).isEqualTo((byte) 31);
  }

  /** The registration example in docs/signalling.md (RFC 8032 TEST 1 key) is a valid registration. */
  @Test
  void documentedRegistrationExampleVerifies() {
    byte[] nonce = Base64.getDecoder().decode("U44I8b+hR3p0E37H6WEf1xaFiVy7UHtYx/GK9v7Fb1I=");
    String publicKey = "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    byte[] sig = Base64.getDecoder().decode(
        "nXY7YmRvhrGh5xoPaeqPIy+NYntFlHSJIEef4Ejzu8pM9QjIP9vkq2nSWlxKAaIDjklSlHhJfytgbvARcnOFCw==");
    assertThat(PeerId.of(PeerIdentity.decodePublicKey(publicKey)).value())
        .isEqualTo("pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q");
    assertThat(PeerIdentity.verify(PeerIdentity.decodePublicKey(publicKey),
        SignallingProtocol.registrationPayload(nonce), sig)).isTrue();
    assertThat(PeerIdentity.verify(PeerIdentity.decodePublicKey(publicKey), nonce, sig)).isFalse();
  }

  @Test
  void errorCodesRoundTrip() {
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(ErrorCode.fromWire(c.wire())).contains(c);
    }
    assertThat(ErrorCode.UNKNOWN_TARGET.wire()).isEqualTo("unknown-target");
    assertThat(ErrorCode.TOO_LARGE.status()).isEqualTo(413);
    assertThat(ErrorCode.fromWire("nope")).isEmpty();
  }

  @Test
  void messageAndPeerInfoJson() {
    PeerIdentity a = PeerIdentity.generate();
    SignallingMessage m = SignallingMessage.fromJson(new JsonObject()
        .put("type", "offer").put("from", a.peerId().value()).put("body", new JsonObject().put("sdp", "x")));
    assertThat(m.fromPeer()).isEqualTo(a.peerId());
    assertThat(m.isFromService()).isFalse();
    assertThat(m.body().getString("sdp")).isEqualTo("x");

    SignallingMessage s = SignallingMessage.fromJson(new JsonObject()
        .put("type", "bye").put("from", "service:turn").put("origin", "service"));
    assertThat(s.fromPeer()).isNull();
    assertThat(s.isFromService()).isTrue();
    assertThat(s.body().isEmpty()).isTrue();

    PeerInfo info = new PeerInfo(a.peerId(), true, a.publicKeyBase64(), "127.0.0.1:5000", 42L, "n1");
    assertThat(PeerInfo.fromJson(info.toJson()).toJson()).isEqualTo(info.toJson());
    assertThat(PeerInfo.offline(a.peerId()).toJson())
        .isEqualTo(new JsonObject().put("peerId", a.peerId().value()).put("online", false));
    assertThat(Addresses.signal(a.peerId())).isEqualTo("p2p.signal." + a.peerId().value());
  }
}
