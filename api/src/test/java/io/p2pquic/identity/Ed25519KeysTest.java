package io.p2pquic.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict public keys: canonical encodings of points of large order only (issue 15). */
class Ed25519KeysTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest
  @ValueSource(strings = {
      "0100000000000000000000000000000000000000000000000000000000000000", // identity (order 1)
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p-1 (order 2)
      "0000000000000000000000000000000000000000000000000000000000000000", // y = 0 (order 4)
      "0000000000000000000000000000000000000000000000000000000000000080", // y = 0, other x (order 4)
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8, other x
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8, other x
  })
  void smallOrderKeysAreRefused(String hex) {
    assertThatThrownBy(() -> Ed25519Keys.publicKeyFromRaw(HEX.parseHex(hex)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("small order");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = 2^255 - 1
      "0100000000000000000000000000000000000000000000000000000000000080", // x = -0
  })
  void nonCanonicalEncodingsAreRefused(String hex) {
    assertThatThrownBy(() -> Ed25519Keys.publicKeyFromRaw(HEX.parseHex(hex)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not canonical");
  }

  @Test
  void aYWithoutAPointIsRefused() {
    // y = 2: (y^2 - 1) / (d y^2 + 1) has no square root mod p.
    assertThatThrownBy(() -> Ed25519Keys.publicKeyFromRaw(
        HEX.parseHex("0200000000000000000000000000000000000000000000000000000000000000")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a point");
  }

  @Test
  void generatedKeysAndTheRfc8032VectorAreAccepted() {
    for (int i = 0; i < 50; i++) {
      PeerIdentity id = PeerIdentity.generate();
      byte[] raw = Ed25519Keys.rawPublicKey(id.publicKey());
      assertThat(Ed25519Keys.publicKeyFromRaw(raw)).isEqualTo(id.publicKey());
    }
    // RFC 8032 section 7.1, test 1.
    byte[] rfc = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assertThat(Ed25519Keys.rawPublicKey(Ed25519Keys.publicKeyFromRaw(rfc))).isEqualTo(rfc);
  }

  @Test
  void aSignatureOverTheIdentityPointDoesNotVerify() {
    // The attack: the identity point as the key, R = identity, S = 0 "verifies" any message without a
    // private key under a cofactorless check that does not look at the key.
    byte[] identityPoint = HEX.parseHex("0100000000000000000000000000000000000000000000000000000000000000");
    byte[] forged = new byte[64];
    forged[0] = 1;
    assertThat(PeerIdentity.verify(identityPoint, "register".getBytes(), forged)).isFalse();
  }
}
