package io.p2pquic.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 5769 test vectors, decoded and re-encoded byte for byte, integrity and fingerprint included. */
class Rfc5769VectorsTest {
  static final String SHORT_TERM_PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";
  static final TransactionId TID = TransactionId.fromHex("b7e7a701bc34d686fa87dfae");

  /** Section 2.1: sample request (padding bytes are spaces in the RFC). */
  static final byte[] REQUEST = hex(
      "000100582112a442b7e7a701bc34d686fa87dfae"
          + "80220010" + "5354554e2074657374" + "20636c69656e74"
          + "00240004" + "6e0001ff"
          + "80290008" + "932ff9b151263b36"
          + "00060009" + "6576746a3a68367659202020"
          + "00080014" + "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
          + "80280004" + "e57a3bcf");

  /** Section 2.2: sample IPv4 response. */
  static final byte[] IPV4_RESPONSE = hex(
      "0101003c2112a442b7e7a701bc34d686fa87dfae"
          + "8022000b" + "7465737420766563746f7220"
          + "00200008" + "0001a147e112a643"
          + "00080014" + "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"
          + "80280004" + "c07d4c96");

  /** Section 2.3: sample IPv6 response. */
  static final byte[] IPV6_RESPONSE = hex(
      "010100482112a442b7e7a701bc34d686fa87dfae"
          + "8022000b" + "7465737420766563746f7220"
          + "00200014" + "0002a147" + "0113a9faa5d3f179bc25f4b5bed2b9d9"
          + "00080014" + "a382954e4be67bf11784c97c8292c275bfe3ed41"
          + "80280004" + "c8fb0b4c");

  /** Section 2.4: sample request with long-term authentication (zero padding). */
  static final byte[] LONG_TERM_REQUEST = hex(
      "000100602112a44278ad3433c6ad72c029da412e"
          + "00060012" + "e3839ee38388e383aae38383e382afe382b90000"
          + "0015001c" + "662f2f3439396b39353464364f4c33346f4c394653547679363473 41".replace(" ", "")
          + "0014000b" + "6578616d706c652e6f726700"
          + "00080014" + "f67024656dd64a3e02b8e0712e85c9a28ca89666");

  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder spacePadded = new StunMessageEncoder((byte) ' ');

  @Test
  void sampleRequestDecodesAndVerifies() throws Exception {
    StunMessage m = decoder.decode(REQUEST.clone());
    assertThat(m.type()).isEqualTo(StunMessageType.BINDING_REQUEST);
    assertThat(m.transactionId()).isEqualTo(TID);
    assertThat(m.string(StunAttributeType.SOFTWARE)).hasValue("STUN test client");
    assertThat(m.uint32(StunAttributeType.PRIORITY)).hasValue(0x6e0001ffL);
    assertThat(m.uint64(StunAttributeType.ICE_CONTROLLED)).hasValue(0x932ff9b151263b36L);
    assertThat(m.string(StunAttributeType.USERNAME)).hasValue("evtj:h6vY");
    assertThat(m.hasFingerprint()).isTrue();
    assertThat(m.verifyMessageIntegrity(StunCredentials.shortTermKey(SHORT_TERM_PASSWORD))).isTrue();
    assertThat(m.verifyMessageIntegrity(StunCredentials.shortTermKey("wrong"))).isFalse();
  }

  @Test
  void sampleRequestEncodesByteForByte() {
    StunMessage m = StunMessage.builder(StunMessageType.BINDING_REQUEST, TID)
        .add(StunAttributes.software("STUN test client"))
        .add(StunAttributes.priority(0x6e0001ffL))
        .add(StunAttributes.iceControlled(0x932ff9b151263b36L))
        .add(StunAttributes.username("evtj:h6vY"))
        .messageIntegrity(StunCredentials.shortTermKey(SHORT_TERM_PASSWORD))
        .fingerprint()
        .build();
    assertThat(hex(spacePadded.encodeToBytes(m))).isEqualTo(hex(REQUEST));
  }

  @Test
  void ipv4ResponseDecodesAndEncodesByteForByte() throws Exception {
    StunMessage m = decoder.decode(IPV4_RESPONSE.clone());
    assertThat(m.type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
    assertResponseVector(IPV4_RESPONSE, new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
  }

  @Test
  void ipv6ResponseDecodesAndEncodesByteForByte() throws Exception {
    assertResponseVector(IPV6_RESPONSE,
        new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
  }

  /** Sections 2.2 and 2.3: the mapped address decodes, integrity verifies, and building it gives the same bytes. */
  private void assertResponseVector(byte[] vector, InetSocketAddress expected) throws Exception {
    StunMessage m = decoder.decode(vector.clone());
    assertThat(m.mappedAddress()).hasValue(expected);
    assertThat(m.verifyMessageIntegrity(StunCredentials.shortTermKey(SHORT_TERM_PASSWORD))).isTrue();

    StunMessage built = StunMessage.builder(StunMessageType.BINDING_SUCCESS, TID)
        .add(StunAttributes.software("test vector"))
        .add(StunAttributes.xorMappedAddress(expected))
        .messageIntegrity(StunCredentials.shortTermKey(SHORT_TERM_PASSWORD))
        .fingerprint()
        .build();
    assertThat(hex(spacePadded.encodeToBytes(built))).isEqualTo(hex(vector));
  }

  @Test
  void longTermRequestUsesPreparedPasswordAndEncodesByteForByte() throws Exception {
    String username = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9"; // "matrix" in katakana
    String password = "The\u00ADM\u00AAtr\u2168"; // OpaqueString -> "TheMatrIX"
    byte[] key = StunCredentials.longTermKey(username, "example.org", password);
    assertThat(key).isEqualTo(StunCredentials.longTermKey(username, "example.org", "TheMatrIX"));

    StunMessage m = decoder.decode(LONG_TERM_REQUEST.clone());
    assertThat(m.string(StunAttributeType.USERNAME)).hasValue(username);
    assertThat(m.string(StunAttributeType.NONCE)).hasValue("f//499k954d6OL34oL9FSTvy64sA");
    assertThat(m.string(StunAttributeType.REALM)).hasValue("example.org");
    assertThat(m.hasFingerprint()).isFalse();
    assertThat(m.verifyMessageIntegrity(key)).isTrue();

    StunMessage built = StunMessage.builder(
            StunMessageType.BINDING_REQUEST, TransactionId.fromHex("78ad3433c6ad72c029da412e"))
        .add(StunAttributes.username(username))
        .add(StunAttributes.nonce("f//499k954d6OL34oL9FSTvy64sA"))
        .add(StunAttributes.realm("example.org"))
        .messageIntegrity(key)
        .build();
    assertThat(hex(new StunMessageEncoder().encodeToBytes(built))).isEqualTo(hex(LONG_TERM_REQUEST));
  }

  @Test
  void anyFlippedBitIsDetected() throws Exception {
    byte[] key = StunCredentials.shortTermKey(SHORT_TERM_PASSWORD);
    for (int i = 20; i < REQUEST.length; i++) {
      byte[] tampered = REQUEST.clone();
      tampered[i] ^= 0x01;
      boolean rejected;
      try {
        StunMessage m = decoder.decode(tampered);
        // An ICE agent requires FINGERPRINT; a damaged FINGERPRINT header after MESSAGE-INTEGRITY turns
        // it into an ignored attribute (RFC 8489 14.5), so its absence is the detection there.
        rejected = !m.verifyMessageIntegrity(key) || !m.hasFingerprint();
      } catch (StunDecodeException e) {
        rejected = true;
      }
      assertThat(rejected).as("flipping a bit of byte %d must be detected", i).isTrue();
    }
  }

  @Test
  void tamperedFingerprintIsTypedError() {
    byte[] tampered = REQUEST.clone();
    tampered[27] = 23; // inside SOFTWARE, as coturn's negative test does
    assertThatThrownBy(() -> decoder.decode(tampered))
        .isInstanceOfSatisfying(
            StunDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(StunDecodeException.Reason.BAD_FINGERPRINT));
  }

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
