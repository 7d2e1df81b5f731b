package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificateException.Reason;
import io.p2pquic.quic.PeerCertificates.PeerCertificate;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.junit.jupiter.api.Test;

class PeerCertificatesTest {
  private final PeerIdentity alice = PeerIdentity.generate();
  private final PeerIdentity mallory = PeerIdentity.generate();

  private static KeyPair p256() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static Reason reasonOf(Certificate[] chain) {
    return reasonOf(chain, Instant.now());
  }

  private static Reason reasonOf(Certificate[] chain, Instant now) {
    try {
      PeerCertificates.verify(chain, now);
      throw new AssertionError("verified");
    } catch (PeerCertificateException e) {
      return e.reason();
    }
  }

  @Test
  void generatedCertificateProvesItsPeerId() throws Exception {
    PeerCertificate pc = PeerCertificates.generate(alice);
    X509Certificate cert = pc.certificate();
    assertThat(PeerCertificates.verify(new Certificate[] {cert}, Instant.now())).isEqualTo(alice.peerId());
    assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=" + alice.peerId());
    assertThat(cert.getCriticalExtensionOIDs()).containsExactly(PeerCertificates.EXTENSION_OID);
    // extension value: SEQUENCE { OCTET STRING (32), OCTET STRING (64) }
    byte[] value = ASN1OctetString.getInstance(cert.getExtensionValue(PeerCertificates.EXTENSION_OID)).getOctets();
    assertThat(value[0]).isEqualTo((byte) 0x30);
    assertThat(value.length).isEqualTo(2 + 2 + 32 + 2 + 64);
  }

  @Test
  void aCertificateSeenBeforeIsStillCheckedForItsValidityPeriodAndAForgeryNextToItIsNot() throws Exception {
    KeyPair tls = p256();
    byte[] ext = PeerCertificates.encodeExtension(io.p2pquic.identity.Ed25519Keys.rawPublicKey(alice.publicKey()),
        alice.sign(PeerCertificates.signedPayload(tls.getPublic().getEncoded())));
    X509Certificate cert = PeerCertificates.build(alice.peerId(), tls, ext, Duration.ofHours(1));
    Certificate[] chain = {cert};
    assertThat(PeerCertificates.verify(chain, Instant.now())).isEqualTo(alice.peerId());
    assertThat(PeerCertificates.verify(chain, Instant.now())).as("again, from the cache").isEqualTo(alice.peerId());
    assertThat(reasonOf(chain, Instant.now().plus(Duration.ofHours(2))))
        .as("a verified certificate expires all the same").isEqualTo(Reason.NOT_VALID_NOW);
    // Mallory's signature next to Alice's key, on the same TLS key: other bytes, verified afresh.
    byte[] forgedExt = PeerCertificates.encodeExtension(io.p2pquic.identity.Ed25519Keys.rawPublicKey(alice.publicKey()),
        mallory.sign(PeerCertificates.signedPayload(tls.getPublic().getEncoded())));
    X509Certificate forged = PeerCertificates.build(alice.peerId(), tls, forgedExt, Duration.ofHours(1));
    assertThat(reasonOf(new Certificate[] {forged})).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void signatureByAnotherIdentityIsRejected() throws Exception {
    KeyPair tls = p256();
    // Mallory signs, but the extension claims Alice's key.
    byte[] sig = mallory.sign(PeerCertificates.signedPayload(tls.getPublic().getEncoded()));
    byte[] ext = PeerCertificates.encodeExtension(
        io.p2pquic.identity.Ed25519Keys.rawPublicKey(alice.publicKey()), sig);
    X509Certificate forged = PeerCertificates.build(alice.peerId(), tls, ext, Duration.ofHours(1));
    assertThatThrownBy(() -> PeerCertificates.verify(new Certificate[] {forged}, Instant.now()))
        .isInstanceOf(PeerCertificateException.class)
        .hasMessageContaining(alice.peerId().value())
        .hasMessageContaining("does not verify");
  }

  /** Issue 15: a small-order identity key with a forged signature (R = identity, S = 0) claims an id. */
  @Test
  void aSmallOrderIdentityKeyIsRejected() throws Exception {
    byte[] identityPoint = new byte[32];
    identityPoint[0] = 1;
    byte[] forged = new byte[64];
    forged[0] = 1;
    io.p2pquic.identity.PeerId claimed = io.p2pquic.identity.PeerId.ofRawPublicKey(identityPoint);
    X509Certificate cert = PeerCertificates.build(claimed, p256(),
        PeerCertificates.encodeExtension(identityPoint, forged), Duration.ofHours(1));
    assertThatThrownBy(() -> PeerCertificates.verify(new Certificate[] {cert}, Instant.now()))
        .isInstanceOf(PeerCertificateException.class).hasMessageContaining("small order");
    assertThat(reasonOf(new Certificate[] {cert})).isEqualTo(Reason.MALFORMED_EXTENSION);
  }

  @Test
  void extensionCopiedOntoAnotherKeyIsRejected() throws Exception {
    // Alice's genuine extension, but over someone else's TLS key: the signed SPKI differs.
    KeyPair aliceTls = p256();
    byte[] ext = PeerCertificates.extensionValue(alice, aliceTls.getPublic());
    X509Certificate replayed = PeerCertificates.build(alice.peerId(), p256(), ext, Duration.ofHours(1));
    assertThat(reasonOf(new Certificate[] {replayed})).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void structuralRules() throws Exception {
    KeyPair tls = p256();
    byte[] good = PeerCertificates.extensionValue(alice, tls.getPublic());
    assertThat(reasonOf(new Certificate[0])).isEqualTo(Reason.NO_CERTIFICATE);
    X509Certificate ok = PeerCertificates.build(alice.peerId(), tls, good, Duration.ofHours(1));
    assertThat(reasonOf(new Certificate[] {ok, ok})).isEqualTo(Reason.CHAIN_LENGTH);
    // expired: valid from 1 h ago for 1 ms
    X509Certificate expired = PeerCertificates.build(alice.peerId(), tls, good, Duration.ofMillis(-1));
    assertThat(reasonOf(new Certificate[] {expired})).isEqualTo(Reason.NOT_VALID_NOW);
    // malformed extension: one element only
    byte[] bad = new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.DEROctetString(new byte[32])).getEncoded();
    X509Certificate malformed = PeerCertificates.build(alice.peerId(), tls, bad, Duration.ofHours(1));
    assertThat(reasonOf(new Certificate[] {malformed})).isEqualTo(Reason.MALFORMED_EXTENSION);
    // wrong sizes
    byte[] shortSig = PeerCertificates.encodeExtension(new byte[32], new byte[10]);
    X509Certificate sized = PeerCertificates.build(alice.peerId(), tls, shortSig, Duration.ofHours(1));
    assertThat(reasonOf(new Certificate[] {sized})).isEqualTo(Reason.MALFORMED_EXTENSION);
    assertThat(ASN1Primitive.fromByteArray(good)).isNotNull();
  }

  @Test
  void policiesNameBothIds() {
    var expect = PeerTrustManager.Policy.expect(alice.peerId());
    assertThatThrownBy(() -> expect.check(mallory.peerId()))
        .isInstanceOfSatisfying(PeerCertificateException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PEER_ID_MISMATCH))
        .hasMessageContaining(alice.peerId().value()).hasMessageContaining(mallory.peerId().value());
    var allow = PeerTrustManager.Policy.allow(id -> id.equals(alice.peerId()));
    assertThatThrownBy(() -> allow.check(mallory.peerId()))
        .isInstanceOfSatisfying(PeerCertificateException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PEER_NOT_ALLOWED));
  }

  @Test
  void optionsJsonRoundTripAndValidation() {
    QuicOptions o = new QuicOptions().setIdleTimeoutMs(1234).setMaxData(1 << 20).setMaxStreamData(1 << 18)
        .setMaxBidiStreams(7).setMaxUniStreams(3).setDatagrams(false).setCongestionControl("BBR").setKeyLog(true)
        .setKeyLogFile("/tmp/k").setQlogDir("/tmp/q").setHandshakeTimeoutMs(999).setDatagramQueueLength(16);
    JsonObject json = o.toJson();
    assertThat(QuicOptions.fromJson(json)).isEqualTo(o);
    assertThat(QuicOptions.fromJson(new JsonObject(json.encode())).toJson()).isEqualTo(json);
    assertThat(new QuicOptions().toJson()).isEqualTo(QuicOptions.fromJson(new JsonObject()).toJson());
    assertThatThrownBy(() -> QuicOptions.fromJson(new JsonObject().put("idleTimeout", 5)))
        .hasMessageStartingWith("idleTimeout is not a known key (known: idleTimeoutMs,");
    assertThatThrownBy(() -> QuicOptions.fromJson(new JsonObject().put("congestionControl", "vegas")))
        .hasMessageContaining("congestionControl");
    assertThatThrownBy(() -> QuicOptions.fromJson(new JsonObject().put("maxData", -1)))
        .hasMessageContaining("maxData");
  }
}
