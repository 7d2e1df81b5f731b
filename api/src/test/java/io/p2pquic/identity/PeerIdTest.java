package io.p2pquic.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerIdTest {

  /** RFC 8032 section 7.1, TEST 1 public key. */
  static final String RFC8032_TEST1_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  /** RFC 8032 section 7.1, TEST 2 public key. */
  static final String RFC8032_TEST2_PUBLIC = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

  // Computed independently: "pq1" + base32(sha256(raw key)).lower().rstrip("=") in Python.
  static final String TEST1_ID = "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q";
  static final String TEST2_ID = "pq1hh3rhufgiqst6bcssqq3t5i3tmejphiiffmvtrhttehomf7vcopq";

  @Test
  void knownKeysGiveKnownIds() {
    PublicKey k1 = Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(RFC8032_TEST1_PUBLIC));
    PublicKey k2 = Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(RFC8032_TEST2_PUBLIC));
    assertThat(PeerId.of(k1).value()).isEqualTo(TEST1_ID);
    assertThat(PeerId.of(k2).toString()).isEqualTo(TEST2_ID);
    assertThat(PeerId.ofRawPublicKey(Ed25519Keys.hex(RFC8032_TEST1_PUBLIC)).value()).isEqualTo(TEST1_ID);
    assertThat(TEST1_ID).hasSize(PeerId.LENGTH).hasSize(55);
  }

  @Test
  void sameKeyAlwaysSameId() {
    PeerIdentity a = PeerIdentity.generate();
    PublicKey reDecoded = Ed25519Keys.decodePublicKey(a.publicKeyBase64());
    assertThat(PeerId.of(reDecoded)).isEqualTo(a.peerId());
    assertThat(PeerId.of(a.publicKey())).isEqualTo(PeerId.of(a.publicKey()));
    assertThat(PeerId.of(reDecoded).hashCode()).isEqualTo(a.peerId().hashCode());
    assertThat(PeerId.of(PeerIdentity.generate().publicKey())).isNotEqualTo(a.peerId());
  }

  @Test
  void parseRoundTripsAndMatchesKey() {
    PeerId id = PeerId.parse(TEST1_ID);
    assertThat(id.value()).isEqualTo(TEST1_ID);
    assertThat(id).isEqualTo(PeerId.of(Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(RFC8032_TEST1_PUBLIC))));
    assertThat(id.matches(Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(RFC8032_TEST1_PUBLIC)))).isTrue();
    assertThat(id.matches(Ed25519Keys.publicKeyFromRaw(Ed25519Keys.hex(RFC8032_TEST2_PUBLIC)))).isFalse();
    assertThat(id.hash()).hasSize(32);
    PeerIdentity g = PeerIdentity.generate();
    assertThat(PeerId.parse(g.peerId().value())).isEqualTo(g.peerId());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "pq1",
      // upper case
      "PQ1EH7DDX5BKSRGCYTL7BKAI36SE4NXX3KLNK7ELKSYQ57PI74XEG4Q",
      "pq1EH7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q",
      // wrong prefix
      "pq2eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q",
      "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
      // one char short / long
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4",
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4qa",
      // '1', '8', '0' are not base32
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg41",
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi84xeg4q",
      // padding
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4=",
      // non-canonical: last char carries non-zero trailing bits ('q' = 16 = 10000b is canonical, 'r' = 10001b is not)
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4r",
      " pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4",
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4 ",
      "pq1eh7ddx5bksrgcytl7bkai36se4nxx3kln.7elksyq57pi74xeg4q",
  })
  void badStringsRejectedWithTypedError(String bad) {
    assertThatThrownBy(() -> PeerId.parse(bad))
        .isInstanceOf(InvalidPeerIdException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid peer id");
    assertThat(PeerId.tryParse(bad)).isNull();
  }

  @Test
  void nullRejected() {
    assertThatThrownBy(() -> PeerId.parse(null)).isInstanceOf(InvalidPeerIdException.class);
  }

  @Test
  void errorMessagesSayWhatIsWrong() {
    assertThatThrownBy(() -> PeerId.parse("pq1abc"))
        .hasMessageContaining("length 6, must be 55");
    assertThatThrownBy(() -> PeerId.parse("xx" + TEST1_ID.substring(2)))
        .hasMessageContaining("missing prefix \"pq1\"");
    assertThatThrownBy(() -> PeerId.parse("pq1EH7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q"))
        .hasMessageContaining("character 'E' at index 3");
  }

  @Test
  void base32MatchesRfc4648Vectors() {
    // RFC 4648 section 10, lowercased, without padding.
    assertThat(PeerId.base32("".getBytes())).isEqualTo("");
    assertThat(PeerId.base32("f".getBytes())).isEqualTo("my");
    assertThat(PeerId.base32("fo".getBytes())).isEqualTo("mzxq");
    assertThat(PeerId.base32("foo".getBytes())).isEqualTo("mzxw6");
    assertThat(PeerId.base32("foob".getBytes())).isEqualTo("mzxw6yq");
    assertThat(PeerId.base32("fooba".getBytes())).isEqualTo("mzxw6ytb");
    assertThat(PeerId.base32("foobar".getBytes())).isEqualTo("mzxw6ytboi");
  }

  @Test
  void comparesByText() {
    assertThat(PeerId.parse(TEST1_ID).compareTo(PeerId.parse(TEST2_ID))).isLessThan(0);
  }
}
