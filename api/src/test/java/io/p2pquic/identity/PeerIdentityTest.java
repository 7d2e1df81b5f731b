package io.p2pquic.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerIdentityTest {

  // RFC 8032 section 7.1 TEST 2: one-byte message 0x72.
  static final String SECRET2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
  static final String PUBLIC2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
  static final String SIG2 = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

  static PeerIdentity rfc8032Test2() {
    return PeerIdentity.of(new KeyPair(Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(PUBLIC2)),
        Ed25519Keys.privateKeyFromRaw(Ed25519Keys.hex(SECRET2))));
  }

  @Test
  void signMatchesRfc8032Vector() {
    PeerIdentity id = rfc8032Test2();
    byte[] sig = id.sign(new byte[] {0x72});
    assertThat(sig).isEqualTo(Ed25519Keys.hex(SIG2));
    assertThat(id.peerId().value()).isEqualTo(PeerIdTest.TEST2_ID);
    assertThat(PeerIdentity.verify(id.publicKey(), new byte[] {0x72}, sig)).isTrue();
  }

  @Test
  void tamperedSignatureOrDataRejected() {
    PeerIdentity id = PeerIdentity.generate();
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sig = id.sign(data);
    assertThat(sig).hasSize(64);
    assertThat(PeerIdentity.verify(id.publicKey(), data, sig)).isTrue();

    byte[] bad = sig.clone();
    bad[10] ^= 0x01;
    assertThat(PeerIdentity.verify(id.publicKey(), data, bad)).isFalse();
    assertThat(PeerIdentity.verify(id.publicKey(), "hellp".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    assertThat(PeerIdentity.verify(PeerIdentity.generate().publicKey(), data, sig)).isFalse();
    assertThat(PeerIdentity.verify(id.publicKey(), data, new byte[63])).isFalse();
    assertThat(PeerIdentity.verify(id.publicKey(), data, null)).isFalse();
  }

  @Test
  void verifyWithEncodedKeyBytes() {
    PeerIdentity id = PeerIdentity.generate();
    byte[] data = {1, 2, 3};
    byte[] sig = id.sign(data);
    byte[] spki = Base64.getDecoder().decode(id.publicKeyBase64());
    assertThat(spki).hasSize(44);
    assertThat(PeerIdentity.verify(spki, data, sig)).isTrue();
    assertThat(PeerIdentity.verify(Ed25519Keys.rawPublicKey(id.publicKey()), data, sig)).isTrue();
    assertThat(PeerIdentity.verify(new byte[44], data, sig)).isFalse();
    assertThat(PeerIdentity.verify(new byte[7], data, sig)).isFalse();
    assertThat(PeerIdentity.verify((byte[]) null, data, sig)).isFalse();
  }

  @Test
  void publicKeyWireFormRoundTrips() {
    PeerIdentity id = rfc8032Test2();
    String wire = id.publicKeyBase64();
    // SPKI header 302a300506032b6570032100 + raw key, base64.
    assertThat(wire).isEqualTo(Base64.getEncoder().encodeToString(
        Ed25519Keys.hex("302a300506032b6570032100" + PUBLIC2)));
    assertThat(PeerId.of(PeerIdentity.decodePublicKey(wire))).isEqualTo(id.peerId());
    assertThatThrownBy(() -> PeerIdentity.decodePublicKey("not base64!"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base64");
    assertThatThrownBy(() -> PeerIdentity.decodePublicKey(Base64.getEncoder().encodeToString(new byte[40])))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
  }

  @Test
  void mismatchedKeyPairRejected() {
    KeyPair a = PeerIdentity.generate().keyPair();
    KeyPair b = PeerIdentity.generate().keyPair();
    assertThatThrownBy(() -> PeerIdentity.of(new KeyPair(a.getPublic(), b.getPrivate())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
  }

  @Test
  void saveLoadRoundTripWithOwnerOnlyMode(@TempDir Path dir) throws Exception {
    PeerIdentity id = PeerIdentity.generate();
    Path file = dir.resolve("sub/dir/identity.json");
    id.save(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    JsonObject json = new JsonObject(Files.readString(file));
    assertThat(json.getString("type")).isEqualTo("p2p-quic-identity");
    assertThat(json.getInteger("version")).isEqualTo(1);
    assertThat(json.getString("algorithm")).isEqualTo("Ed25519");
    assertThat(json.getString("peerId")).isEqualTo(id.peerId().value());
    assertThat(json.getString("publicKey")).isEqualTo(id.publicKeyBase64());

    PeerIdentity loaded = PeerIdentity.load(file);
    assertThat(loaded.peerId()).isEqualTo(id.peerId());
    byte[] data = {9, 9, 9};
    assertThat(loaded.sign(data)).isEqualTo(id.sign(data)); // Ed25519 is deterministic: same private key
    assertThat(loaded.keyPair().getPrivate().getEncoded()).isEqualTo(id.keyPair().getPrivate().getEncoded());
    // no temp files left behind
    try (var s = Files.list(file.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("identity.json");
    }
  }

  @Test
  void saveReplacesExistingFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("id.json");
    PeerIdentity.generate().save(file);
    PeerIdentity second = PeerIdentity.generate();
    second.save(file);
    assertThat(PeerIdentity.load(file).peerId()).isEqualTo(second.peerId());
  }

  @Test
  void loadOrCreateCreatesOnceThenLoads(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node/identity.json");
    PeerIdentity first = PeerIdentity.loadOrCreate(file);
    assertThat(Files.exists(file)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    PeerIdentity again = PeerIdentity.loadOrCreate(file);
    assertThat(again.peerId()).isEqualTo(first.peerId());
  }

  @Test
  void tamperedFilesRejectedNamingTheProblem(@TempDir Path dir) throws Exception {
    PeerIdentity id = PeerIdentity.generate();
    Path file = dir.resolve("id.json");

    JsonObject wrongId = id.toJson().put("peerId", PeerIdentity.generate().peerId().value());
    Files.writeString(file, wrongId.encode());
    assertThatThrownBy(() -> PeerIdentity.load(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining("\"peerId\"").hasMessageContaining("does not match");

    JsonObject otherPrivate = id.toJson().put("privateKey", PeerIdentity.generate().toJson().getString("privateKey"));
    Files.writeString(file, otherPrivate.encode());
    assertThatThrownBy(() -> PeerIdentity.load(file))
        .isInstanceOf(IdentityFileException.class).hasMessageContaining("\"privateKey\"");

    Files.writeString(file, id.toJson().put("algorithm", "RSA").encode());
    assertThatThrownBy(() -> PeerIdentity.load(file))
        .isInstanceOf(IdentityFileException.class).hasMessageContaining("\"algorithm\"");

    Files.writeString(file, id.toJson().put("publicKey", "AAAA").encode());
    assertThatThrownBy(() -> PeerIdentity.load(file))
        .isInstanceOf(IdentityFileException.class).hasMessageContaining("\"publicKey\"");

    Files.writeString(file, "{not json");
    assertThatThrownBy(() -> PeerIdentity.load(file))
        .isInstanceOf(IdentityFileException.class).hasMessageContaining("not a JSON object");
  }

  @Test
  void toStringHidesPrivateKey() {
    PeerIdentity id = PeerIdentity.generate();
    assertThat(id.toString()).isEqualTo("PeerIdentity[" + id.peerId() + "]");
  }
}
