package io.p2pquic.puncher.dcutr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.vertx.core.buffer.Buffer;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import io.netty.buffer.Unpooled;
import io.p2pquic.puncher.transport.DatagramKind;
import org.junit.jupiter.api.Test;

/** The DCUtR wire format, byte for byte, and what the decoder refuses. */
class DcutrCodecTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String CONNECT_HEX = "dc0101"          // magic, CONNECT, attempt 1
      + "04" + "61626364"                                      // ufrag "abcd"
      + "16" + "303132333435363738396162636465666768696a6b6c"  // pwd "0123456789abcdefghijkl" (22)
      + "01"                                                   // one address
      + "002b" + HEX.formatHex("1 1 UDP 2130706431 192.0.2.1 50000 typ host".getBytes());

  private static DcutrMessage.Connect connect() {
    return new DcutrMessage.Connect(1, new IceCredentials("abcd", "0123456789abcdefghijkl"),
        List.of(Candidate.parse("1 1 UDP 2130706431 192.0.2.1 50000 typ host")));
  }

  /** Found by DcutrDecoderFuzzTest: 0xB2 in an address became U+FFFD, which a candidate took for a host name. */
  @Test
  void aNonAsciiByteInATextFieldIsRefused() {
    byte[] sdp = "candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    sdp[37] = (byte) 0xB2;
    Buffer b = Buffer.buffer().appendUnsignedByte((short) 0xDC).appendUnsignedByte((short) 1).appendUnsignedByte((short) 1)
        .appendUnsignedByte((short) 4).appendString("abcd").appendUnsignedByte((short) 22)
        .appendString("pppppppppppppppppppppp").appendUnsignedByte((short) 1).appendUnsignedShort(sdp.length)
        .appendBytes(sdp);
    assertThatThrownBy(() -> DcutrDecoder.decode(b)).isInstanceOf(DcutrDecodeException.class)
        .hasMessageContaining("0xb2");
  }

  @Test
  void connectEncodesToTheDocumentedBytesAndBack() throws Exception {
    assertThat(HEX.formatHex(DcutrEncoder.encode(connect()).getBytes())).isEqualTo(CONNECT_HEX);
    DcutrMessage back = DcutrDecoder.decode(Buffer.buffer(HEX.parseHex(CONNECT_HEX)));
    assertThat(back).isEqualTo(connect());
  }

  @Test
  void syncIsThreeBytes() throws Exception {
    assertThat(HEX.formatHex(DcutrEncoder.encode(new DcutrMessage.Sync(2)).getBytes())).isEqualTo("dc0202");
    assertThat(DcutrDecoder.decode(Buffer.buffer(HEX.parseHex("dc0203")))).isEqualTo(new DcutrMessage.Sync(3));
  }

  @Test
  void aConnectWithSrflxAndRelatedAddressRoundTrips() throws Exception {
    DcutrMessage.Connect c = new DcutrMessage.Connect(3, IceCredentials.random(), List.of(
        Candidate.parse("2 1 UDP 1694498815 203.0.113.101 40000 typ srflx raddr 10.0.1.2 rport 5000"),
        Candidate.parse("1 1 UDP 2130706431 10.0.1.2 5000 typ host")));
    assertThat(DcutrDecoder.decode(DcutrEncoder.encode(c))).isEqualTo(c);
  }

  @Test
  void malformedMessagesAreRefusedWithAReason() {
    String[][] cases = {
        {"", "truncated"},
        {"01", "not a DCUtR message"},
        {"dc02", "truncated"},
        {"dc0200", "attempt 0"},
        {"dc0701", "unknown type 0x7"},
        {"dc020100", "1 trailing bytes"},
        {"dc010104616263", "truncated"},
        {"dc01010461626364" + "03616263", "bad field"},                  // pwd too short for ICE
        {CONNECT_HEX.substring(0, CONNECT_HEX.length() - 2), "truncated"},
        {CONNECT_HEX + "00", "1 trailing bytes"},
        {CONNECT_HEX.replace("01002b", "11002b"), "17 addresses"},
        {CONNECT_HEX.replace("002b312031", "0003787878"), "bad field"},  // "xxx" is no candidate
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> DcutrDecoder.decode(Buffer.buffer(HEX.parseHex(c[0]))))
          .as(c[0]).isInstanceOf(DcutrDecodeException.class).hasMessageContaining(c[1]);
    }
  }

  @Test
  void randomBytesNeverEscapeAsAnythingButADecodeException() {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[random.nextInt(0, 80)];
      random.nextBytes(b);
      if (b.length > 0 && random.nextBoolean()) {
        b[0] = (byte) 0xDC;
      }
      try {
        DcutrDecoder.decode(Buffer.buffer(b));
      } catch (DcutrDecodeException expected) {
        // counted and dropped by DcutrUpgrade
      }
    }
  }

  @Test
  void punchNoiseIsNeitherStunNorQuic() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 1_000; i++) {
      byte[] p = PunchNoise.packet(random);
      assertThat(p.length).isBetween(64, 128);
      assertThat(DatagramKind.of(Unpooled.wrappedBuffer(p))).isEqualTo(DatagramKind.OTHER);
    }
  }
}
