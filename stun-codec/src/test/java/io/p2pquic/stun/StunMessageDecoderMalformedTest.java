package io.p2pquic.stun;

import static io.p2pquic.stun.StunDecodeException.Reason.MISPLACED_ATTRIBUTE;
import static io.p2pquic.stun.StunDecodeException.Reason.TOO_MANY_ATTRIBUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every malformation yields a typed {@link StunDecodeException}, never another exception. */
class StunMessageDecoderMalformedTest {
  private static final String HEADER_TAIL = "2112a442" + "000102030405060708090a0b";
  private final StunMessageDecoder decoder = new StunMessageDecoder();

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "empty,                               '',                                                   TRUNCATED",
    "short header,                        0001000021,                                           TRUNCATED",
    "top bits set (QUIC-like),            c001" + "0000" + HEADER_TAIL + ",                     NOT_STUN",
    "length not multiple of 4,            0001" + "0002" + HEADER_TAIL + "0000,                 BAD_LENGTH",
    "length beyond datagram,              0001" + "0008" + HEADER_TAIL + "00060000,             TRUNCATED",
    "trailing bytes,                      0001" + "0000" + HEADER_TAIL + "00000000,             BAD_LENGTH",
    "RFC 3489 (no cookie),                0001" + "0000" + "deadbeef000102030405060708090a0b,  BAD_MAGIC_COOKIE",
    "attribute past end,                  0001" + "0008" + HEADER_TAIL + "0006000800000000,     BAD_ATTRIBUTE_LENGTH",
    "padding missing,                     0001" + "0008" + HEADER_TAIL + "0006000561626364,     BAD_ATTRIBUTE_LENGTH",
    "address family 3,                    0001" + "000c" + HEADER_TAIL + "0020000800031234c0000201, MALFORMED_ATTRIBUTE",
    "IPv4 address with IPv6 length,       0001" + "000c" + HEADER_TAIL + "0020000800021234c0000201, MALFORMED_ATTRIBUTE",
    "address too short,                   0001" + "0008" + HEADER_TAIL + "0001000200010000,     MALFORMED_ATTRIBUTE",
    "error class 7,                       0101" + "0008" + HEADER_TAIL + "0009000400000700,     MALFORMED_ATTRIBUTE",
    "error number 100,                    0111" + "0008" + HEADER_TAIL + "0009000400000464,     MALFORMED_ATTRIBUTE",
    "PRIORITY of 2 bytes,                 0001" + "0008" + HEADER_TAIL + "0024000200010000,     MALFORMED_ATTRIBUTE",
    "USE-CANDIDATE with value,            0001" + "0008" + HEADER_TAIL + "0025000400000000,     MALFORMED_ATTRIBUTE",
    "ICE-CONTROLLING of 4 bytes,          0001" + "0008" + HEADER_TAIL + "802a000400000000,     MALFORMED_ATTRIBUTE",
    "MESSAGE-INTEGRITY of 4 bytes,        0001" + "0008" + HEADER_TAIL + "0008000400000000,     MALFORMED_ATTRIBUTE",
    "UNKNOWN-ATTRIBUTES odd length,       0111" + "0008" + HEADER_TAIL + "000a000300010200,     MALFORMED_ATTRIBUTE",
    "FINGERPRINT of 8 bytes,              0001" + "000c" + HEADER_TAIL + "80280008" + "0000000000000000, MALFORMED_ATTRIBUTE",
  })
  void rejectsWithTypedReason(String name, String hex, StunDecodeException.Reason reason) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    assertThatThrownBy(() -> decoder.decode(bytes))
        .isInstanceOfSatisfying(StunDecodeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void attributeAfterFingerprintIsMisplaced() {
    byte[] ok = new StunMessageEncoder()
        .encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build());
    byte[] extended = Arrays.copyOf(ok, ok.length + 4);
    extended[3] += 4; // message length covers a trailing empty attribute
    extended[ok.length] = 0x00;
    extended[ok.length + 1] = 0x25; // USE-CANDIDATE
    assertThatThrownBy(() -> decoder.decode(extended))
        .isInstanceOfSatisfying(StunDecodeException.class, e -> assertThat(e.reason()).isIn(MISPLACED_ATTRIBUTE));
  }

  @Test
  void hugeAttributeCountIsBounded() {
    int n = 10_000; // 10 000 empty attributes: 40 000 bytes, a cheap way to ask for much work
    byte[] m = new byte[20 + 4 * n];
    m[0] = 0x00;
    m[1] = 0x01;
    m[2] = (byte) ((4 * n) >>> 8);
    m[3] = (byte) (4 * n);
    System.arraycopy(HexFormat.of().parseHex(HEADER_TAIL), 0, m, 4, 16);
    for (int i = 0; i < n; i++) {
      m[20 + 4 * i + 1] = 0x25;
    }
    assertThatThrownBy(() -> decoder.decode(m))
        .isInstanceOfSatisfying(StunDecodeException.class, e -> assertThat(e.reason()).isEqualTo(TOO_MANY_ATTRIBUTES));
  }

  @Test
  void randomMutationsOnlyEverThrowTheTypedError() {
    SplittableRandom random = new SplittableRandom(5769);
    byte[][] seeds = {
      Rfc5769VectorsTest.REQUEST, Rfc5769VectorsTest.IPV4_RESPONSE,
      Rfc5769VectorsTest.IPV6_RESPONSE, Rfc5769VectorsTest.LONG_TERM_REQUEST
    };
    int decoded = 0;
    int rejected = 0;
    for (int i = 0; i < 200_000; i++) {
      byte[] seed = seeds[i % seeds.length];
      byte[] m = random.nextInt(10) == 0
          ? Arrays.copyOf(seed, random.nextInt(seed.length + 8))
          : seed.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips && m.length > 0; f++) {
        m[random.nextInt(m.length)] = (byte) random.nextInt(256);
      }
      try {
        decoder.decode(Unpooled.wrappedBuffer(m));
        decoded++;
      } catch (StunDecodeException e) {
        rejected++;
      } // any other exception fails the test
    }
    assertThat(decoded + rejected).isEqualTo(200_000);
    assertThat(rejected).isPositive();
  }

  @Test
  void looksLikeStunSeparatesStunFromQuicAndNoise() {
    assertThat(StunMessageDecoder.looksLikeStun(Unpooled.wrappedBuffer(Rfc5769VectorsTest.REQUEST))).isTrue();
    byte[] quicLongHeader = HexFormat.of().parseHex("c000000001" + "00".repeat(40));
    assertThat(StunMessageDecoder.looksLikeStun(Unpooled.wrappedBuffer(quicLongHeader))).isFalse();
    assertThat(StunMessageDecoder.looksLikeStun(Unpooled.wrappedBuffer(new byte[5]))).isFalse();
  }
}
