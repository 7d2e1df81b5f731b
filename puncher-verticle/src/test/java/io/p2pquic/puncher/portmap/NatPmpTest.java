package io.p2pquic.puncher.portmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 6886 requests and responses, byte by byte. */
class NatPmpTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void encodesRequests() {
    assertThat(HEX.formatHex(NatPmp.externalAddressRequest())).isEqualTo("0000");
    assertThat(HEX.formatHex(NatPmp.mapRequest(NatPmp.OPCODE_MAP_UDP, 5000, 5000, 7200)))
        .isEqualTo("00010000" + "13881388" + "00001c20");
    assertThat(HEX.formatHex(NatPmp.mapRequest(NatPmp.OPCODE_MAP_UDP, 5000, 0, 0))).isEqualTo("000100001388000000000000");
  }

  @Test
  void decodesResponses() {
    byte[] ext = HEX.parseHex("00800000" + "0000002a" + "0b000065");
    NatPmp.ExternalAddress a = NatPmp.decodeExternalAddress(ext, ext.length);
    assertThat(a.resultCode()).isZero();
    assertThat(a.epochSeconds()).isEqualTo(42);
    assertThat(a.address().getHostAddress()).isEqualTo("11.0.0.101");
    byte[] map = HEX.parseHex("00810000" + "0000002a" + "13889c41" + "00000e10");
    NatPmp.Mapping m = NatPmp.decodeMapping(map, map.length);
    assertThat(m.opcode()).isEqualTo(NatPmp.OPCODE_MAP_UDP);
    assertThat(m.internalPort()).isEqualTo(5000);
    assertThat(m.externalPort()).isEqualTo(40001);
    assertThat(m.lifetimeSeconds()).isEqualTo(3600);
  }

  @Test
  void dropsShortAndForeignPackets() {
    assertThat(NatPmp.decodeExternalAddress(HEX.parseHex("008000"), 3)).isNull();
    assertThat(NatPmp.decodeExternalAddress(HEX.parseHex("0080000000000000"), 8)).isNull(); // success without address
    assertThat(NatPmp.decodeMapping(HEX.parseHex("00800000000000000b000065"), 12)).isNull(); // not a mapping
    assertThat(NatPmp.decodeMapping(HEX.parseHex("0281000000000000"), 8)).isNull(); // PCP
    NatPmp.Mapping refused = NatPmp.decodeMapping(HEX.parseHex("0081000200000000"), 8);
    assertThat(refused.resultCode()).isEqualTo(2);
  }
}
