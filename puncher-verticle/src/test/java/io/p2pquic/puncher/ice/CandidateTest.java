package io.p2pquic.puncher.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.net.SocketAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Priority and foundation vectors (RFC 8445 5.1.2.1, 5.1.1.3) and the RFC 8839 SDP form. */
class CandidateTest {
  private static InetAddress ip(String s) {
    return SocketAddresses.parseIp(s);
  }

  @Test
  void priorityVectors() {
    assertThat(Candidate.priority(CandidateType.HOST, 65535, 1)).isEqualTo(2_130_706_431L);
    assertThat(Candidate.priority(CandidateType.HOST, 65535, 2)).isEqualTo(2_130_706_430L);
    assertThat(Candidate.priority(CandidateType.HOST, 65534, 1)).isEqualTo(2_130_706_175L);
    assertThat(Candidate.priority(CandidateType.PEER_REFLEXIVE, 65535, 1)).isEqualTo(1_862_270_975L);
    assertThat(Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, 1)).isEqualTo(1_694_498_815L);
    assertThat(Candidate.priority(CandidateType.RELAYED, 65535, 1)).isEqualTo(16_777_215L);
    assertThat(Candidate.priority(126, 65535, 1)).isLessThan(Candidate.MAX_PRIORITY);
    assertThat(Candidate.priority(CandidateType.RELAYED, 0, 256)).isZero();
    assertThat(CandidateType.HOST.typePreference()).isEqualTo(126);
    assertThat(CandidateType.PEER_REFLEXIVE.typePreference()).isEqualTo(110);
    assertThat(CandidateType.SERVER_REFLEXIVE.typePreference()).isEqualTo(100);
    assertThat(CandidateType.RELAYED.typePreference()).isEqualTo(0);
    assertThatThrownBy(() -> Candidate.priority(CandidateType.HOST, 65536, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Candidate.priority(CandidateType.HOST, 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void foundationVectors() {
    // Decimal CRC-32 of "type|baseIp|serverIp|transport".
    assertThat(Candidate.foundation(CandidateType.HOST, ip("192.0.2.1"), null, CandidateTransport.UDP))
        .isEqualTo("1908558084");
    assertThat(Candidate.foundation(CandidateType.HOST, ip("2001:db8:0:0:0:0:0:1"), null, CandidateTransport.UDP))
        .isEqualTo("1988402921");
    assertThat(Candidate.foundation(CandidateType.SERVER_REFLEXIVE, ip("192.0.2.1"), ip("198.51.100.1"), CandidateTransport.UDP))
        .isEqualTo("1630176239");
    assertThat(Candidate.foundation(CandidateType.SERVER_REFLEXIVE, ip("192.0.2.1"), ip("198.51.100.2"), CandidateTransport.UDP))
        .as("another STUN server: another foundation").isEqualTo("646641983");
    // Same type, base IP, server and transport: same foundation whatever the ports.
    Candidate a = Candidate.serverReflexive(new InetSocketAddress("203.0.113.7", 1000),
        new InetSocketAddress("192.0.2.1", 5000), ip("198.51.100.1"), 65535, 1);
    Candidate b = Candidate.serverReflexive(new InetSocketAddress("203.0.113.7", 2000),
        new InetSocketAddress("192.0.2.1", 6000), ip("198.51.100.1"), 100, 1);
    assertThat(a.foundation()).isEqualTo(b.foundation()).isEqualTo("1630176239");
    assertThat(Candidate.host(new InetSocketAddress("192.0.2.1", 5000), 65535, 1).foundation())
        .isNotEqualTo(a.foundation());
    assertThat(Candidate.foundation(CandidateType.HOST, ip("192.0.2.1"), null, CandidateTransport.TCP))
        .isNotEqualTo("1908558084");
  }

  @Test
  void hostCandidateSdpExactly() {
    Candidate c = Candidate.host(new InetSocketAddress("192.0.2.1", 50000), 65535, 1);
    String sdp = "candidate:1908558084 1 UDP 2130706431 192.0.2.1 50000 typ host";
    assertThat(c.toSdpAttribute()).isEqualTo(sdp);
    assertThat(c.toSdp()).isEqualTo(sdp.substring("candidate:".length()));
    assertThat(Candidate.parse(sdp)).isEqualTo(c);
    assertThat(Candidate.parse("a=" + sdp)).isEqualTo(c);
    assertThat(Candidate.parse(c.toSdp())).as("aioice form, no prefix").isEqualTo(c);
    assertThat(c.base()).isEqualTo(c.address());
  }

  @Test
  void serverReflexiveWithExtensionsRoundTripsExactly() {
    String sdp = "candidate:842163049 1 UDP 1694498815 203.0.113.7 54321 typ srflx"
        + " raddr 192.168.1.10 rport 54321 generation 0 network-id 1";
    Candidate c = Candidate.parse(sdp);
    assertThat(c.foundation()).isEqualTo("842163049");
    assertThat(c.component()).isEqualTo(1);
    assertThat(c.transport()).isEqualTo(CandidateTransport.UDP);
    assertThat(c.priority()).isEqualTo(1_694_498_815L);
    assertThat(c.type()).isEqualTo(CandidateType.SERVER_REFLEXIVE);
    assertThat(c.address()).isEqualTo(new InetSocketAddress("203.0.113.7", 54321));
    assertThat(c.relatedAddress()).isEqualTo(new InetSocketAddress("192.168.1.10", 54321));
    assertThat(c.base()).isEqualTo(c.relatedAddress());
    assertThat(c.extensions()).containsExactly(Map.entry("generation", "0"), Map.entry("network-id", "1"));
    assertThat(c.toSdpAttribute()).isEqualTo(sdp);
  }

  @Test
  void lowerCaseTransportIpv6AndMdnsParse() {
    Candidate lower = Candidate.parse("candidate:1 1 udp 2130706431 2001:db8:0:0::1 5000 typ host");
    assertThat(lower.transport()).isEqualTo(CandidateTransport.UDP);
    assertThat(lower.toSdpAttribute()).isEqualTo("candidate:1 1 UDP 2130706431 2001:db8::1 5000 typ host");
    Candidate mdns = Candidate.parse("candidate:2 1 UDP 2130706431 3f2a7c1e-0b5d-4c8e.local 5000 typ host");
    assertThat(mdns.address().isUnresolved()).isTrue();
    assertThat(mdns.toSdpAttribute()).isEqualTo("candidate:2 1 UDP 2130706431 3f2a7c1e-0b5d-4c8e.local 5000 typ host");
    Candidate tcp = Candidate.parse("candidate:3 1 TCP 2105524479 192.0.2.1 9 typ host tcptype active");
    assertThat(tcp.transport()).isEqualTo(CandidateTransport.TCP);
    assertThat(tcp.extensions()).containsEntry("tcptype", "active");
  }

  @Test
  void badSdpIsRejectedWithAReason() {
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP 2130706431 192.0.2.1 50000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 fields");
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP 2130706431 192.0.2.1 50000 type host"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("typ");
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP 2130706431 192.0.2.1 50000 typ bogus"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bogus");
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 SCTP 2130706431 192.0.2.1 50000 typ host"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SCTP");
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP 2130706431 192.0.2.1 70000 typ host"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP x 192.0.2.1 5 typ host"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Candidate.parse("candidate:1 1 UDP 1 192.0.2.1 5 typ host generation"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no value");
    assertThatThrownBy(() -> Candidate.parse("candidate:bad_foundation 1 UDP 1 192.0.2.1 5 typ host"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ice-chars");
  }

  @Test
  void jsonRoundTrip() {
    Candidate c = Candidate.parse("candidate:842163049 1 UDP 1694498815 203.0.113.7 54321 typ srflx"
        + " raddr 192.168.1.10 rport 54321 generation 0");
    var j = c.toJson();
    assertThat(j.getString("type")).isEqualTo("srflx");
    assertThat(j.getString("address")).isEqualTo("203.0.113.7");
    assertThat(j.getInteger("port")).isEqualTo(54321);
    assertThat(j.getString("relatedAddress")).isEqualTo("192.168.1.10");
    assertThat(j.getLong("priority")).isEqualTo(1_694_498_815L);
    assertThat(Candidate.fromJson(j)).isEqualTo(c);
    Candidate host = Candidate.host(new InetSocketAddress("2001:db8::1", 7), 100, 1);
    assertThat(host.toJson().getString("address")).isEqualTo("2001:db8::1");
    assertThat(Candidate.fromJson(host.toJson())).isEqualTo(host);
  }

  @Test
  void ipv6FormattingIsRfc5952() {
    assertThat(SocketAddresses.formatIp(ip("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
    assertThat(SocketAddresses.formatIp(ip("2001:0db8:0000:0000:0000:0000:0002:0001"))).isEqualTo("2001:db8::2:1");
    assertThat(SocketAddresses.formatIp(ip("::1"))).isEqualTo("::1");
    assertThat(SocketAddresses.formatIp(ip("::"))).isEqualTo("::");
    assertThat(SocketAddresses.formatIp(ip("fe80::1:0:0:0"))).isEqualTo("fe80::1:0:0:0");
    assertThat(SocketAddresses.formatIp(ip("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
    assertThat(SocketAddresses.format(new InetSocketAddress(ip("2001:db8::1"), 5))).isEqualTo("[2001:db8::1]:5");
    assertThat(SocketAddresses.parseHostPort("[2001:db8::1]:5")).isEqualTo(new InetSocketAddress(ip("2001:db8::1"), 5));
    assertThat(SocketAddresses.parseHostPort("stun.example.org:3478").isUnresolved()).isTrue();
    assertThat(SocketAddresses.isIpLiteral("1.2.3")).isFalse();
    assertThat(SocketAddresses.isIpLiteral("example.org")).isFalse();
  }
}
