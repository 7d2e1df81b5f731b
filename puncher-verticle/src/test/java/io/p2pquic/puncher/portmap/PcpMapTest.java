package io.p2pquic.puncher.portmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 6887 MAP request and response, byte by byte. */
class PcpMapTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] NONCE = HEX.parseHex("0102030405060708090a0b0c");

  @Test
  void encodesAnIpv4MapRequest() throws Exception {
    byte[] req = new PcpMap.Request(7200, InetAddress.getByName("10.1.0.2"), NONCE, PcpMap.UDP, 5000, 0).encode();
    assertThat(HEX.formatHex(req)).isEqualTo(
        "02010000" + "00001c20" // version 2, MAP, lifetime 7200
        + "00000000000000000000ffff0a010002" // client 10.1.0.2, IPv4-mapped
        + "0102030405060708090a0b0c" + "11000000" // nonce, UDP, reserved
        + "13880000" // internal port 5000, no suggested port
        + "00000000000000000000ffff00000000"); // no preferred external address (IPv4)
  }

  @Test
  void decodesASuccessResponse() {
    byte[] res = HEX.parseHex("02810000" + "00001c20" + "0000002a" + "000000000000000000000000"
        + "0102030405060708090a0b0c" + "11000000" + "13889c41" + "00000000000000000000ffff0b000065");
    PcpMap.Response r = PcpMap.decode(res, res.length);
    assertThat(r.resultCode()).isZero();
    assertThat(r.lifetimeSeconds()).isEqualTo(7200);
    assertThat(r.epochSeconds()).isEqualTo(42);
    assertThat(r.internalPort()).isEqualTo(5000);
    assertThat(r.externalPort()).isEqualTo(40001);
    assertThat(r.externalIp().getHostAddress()).isEqualTo("11.0.0.101");
    assertThat(r.nonce()).isEqualTo(NONCE);
  }

  @Test
  void dropsWhatIsNoMapResponse() {
    byte[] request = new byte[60];
    request[0] = 2;
    request[1] = 1; // a request, not a response
    assertThat(PcpMap.decode(request, 60)).isNull();
    assertThat(PcpMap.decode(new byte[] {2, (byte) 0x81, 0}, 3)).isNull();
    byte[] natPmp = HEX.parseHex("0080000100000000"); // NAT-PMP's "unsupported version"
    assertThat(PcpMap.decode(natPmp, natPmp.length)).isNull();
    assertThat(PcpMap.version(natPmp, natPmp.length)).isZero();
  }

  @Test
  void carriesAnErrorResultWithoutOpcodeData() {
    byte[] res = HEX.parseHex("02810002" + "00000000" + "00000005" + "000000000000000000000000");
    PcpMap.Response r = PcpMap.decode(res, res.length);
    assertThat(r.resultCode()).isEqualTo(2);
    assertThat(PcpMap.describe(2)).startsWith("NOT_AUTHORIZED");
  }
}
