package io.p2pquic.rendezvous.turn;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which peers the relay sends to, by verdict; IPv4-mapped forms are judged as IPv4 (issue 15). */
class PeerAddressPolicyTest {
  private final PeerAddressPolicy policy = new PeerAddressPolicy(List.of(), Set.of(ip("198.51.100.10")));

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, LOOPBACK",
      "::ffff:127.0.0.1, LOOPBACK",
      "169.254.169.254, LINK_LOCAL",
      "10.1.2.3, PRIVATE",
      "::ffff:10.1.2.3, PRIVATE",
      "100.64.0.1, PRIVATE",
      "fd00::2, PRIVATE",
      "0.0.0.0, UNSPECIFIED",
      "224.0.0.1, MULTICAST",
      "255.255.255.255, RESERVED",
      "192.0.2.7, RESERVED",
      "198.51.100.7, RESERVED",
      "203.0.113.7, RESERVED",
      "198.18.0.1, RESERVED",
      "198.19.255.254, RESERVED",
      "2001:db8::1, RESERVED",
      "64:ff9b::a01:203, RESERVED",
      "2002:a01:203::1, RESERVED",
      "198.51.100.10, RELAY_ITSELF",
      "::ffff:198.51.100.10, RELAY_ITSELF",
      "8.8.8.8, ALLOWED",
      "2606:4700::1111, ALLOWED",
  })
  void verdicts(String address, PeerAddressPolicy.Verdict expected) {
    assertThat(policy.check(ip(address))).isEqualTo(expected);
  }

  @Test
  void anAllowedRangeWinsForALab() {
    PeerAddressPolicy lab = new PeerAddressPolicy(List.of(Cidr.parse("203.0.113.0/24")), Set.of());
    assertThat(lab.check(ip("203.0.113.101"))).isEqualTo(PeerAddressPolicy.Verdict.ALLOWED);
    assertThat(lab.check(ip("198.51.100.7"))).isEqualTo(PeerAddressPolicy.Verdict.RESERVED);
  }
}
