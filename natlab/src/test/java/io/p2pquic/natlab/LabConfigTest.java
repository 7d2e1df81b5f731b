package io.p2pquic.natlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.natlab.junit.LabTestSupport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration, parsing, rule generation and state files: no root needed. */
class LabConfigTest {

  @Test
  void natBehaviourNamesParse() {
    assertThat(RouterNat.parse("port-restricted")).isEqualTo(RouterNat.PORT_RESTRICTED);
    assertThat(RouterNat.parse("PORT_RESTRICTED")).isEqualTo(RouterNat.PORT_RESTRICTED);
    assertThat(RouterNat.parse(" Symmetric ")).isEqualTo(RouterNat.SYMMETRIC);
    assertThat(RouterNat.parse("full-cone")).isEqualTo(RouterNat.FULL_CONE);
    assertThat(RouterNat.parse("restricted")).isEqualTo(RouterNat.ADDRESS_RESTRICTED);
    assertThat(RouterNat.parse("none")).isEqualTo(RouterNat.NONE);
    for (RouterNat b : RouterNat.values()) {
      assertThat(RouterNat.parse(b.cliName())).isEqualTo(b);
    }
    assertThatThrownBy(() -> RouterNat.parse("carrier-grade"))
        .hasMessageContaining("carrier-grade").hasMessageContaining("port-restricted");
    assertThat(RouterNat.SYMMETRIC.mapping())
        .isEqualTo(RouterNat.Mapping.ADDRESS_AND_PORT_DEPENDENT);
    assertThat(RouterNat.ADDRESS_RESTRICTED.filtering())
        .isEqualTo(RouterNat.Filtering.ADDRESS_DEPENDENT);
  }

  @Test
  void peerNamesMustFitInterfaceNames() {
    assertThat(PeerSpec.of("a", RouterNat.NONE, LinkConditions.none()).name()).isEqualTo("a");
    assertThat(PeerSpec.of("peer12345678", RouterNat.NONE, LinkConditions.none()).name())
        .hasSize(12);
    for (String bad : List.of("", "A", "1a", "a-b", "peer123456789", "a b")) {
      assertThatThrownBy(() -> PeerSpec.of(bad, RouterNat.NONE, LinkConditions.none()))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void builderRejectsDuplicatesAndEmptyLabsAndCreatesNothing() {
    assertThatThrownBy(() -> NatLab.builder().peer("a", RouterNat.NONE).peer("a", RouterNat.SYMMETRIC))
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> NatLab.builder().build()).hasMessageContaining("at least one");
    assertThatThrownBy(() -> NatLab.builder().prefix("lab-")).hasMessageContaining("prefix");
    NatLab lab = NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.SYMMETRIC)
        .build();
    assertThat(lab.prefix()).matches("pq[0-9a-f]{6}-");
    assertThat(lab.isUp()).isFalse();
    assertThat(lab.hostNamespace("a")).isEqualTo(lab.prefix() + "h-a");
    assertThat(lab.routerNamespace("b")).isEqualTo(lab.prefix() + "r-b");
    assertThat(lab.serverNamespace()).isEqualTo(lab.prefix() + "srv");
    assertThat(lab.routerWanAddress("a").getHostAddress()).isEqualTo("203.0.113.101");
    assertThat(lab.routerWanAddress("b").getHostAddress()).isEqualTo("203.0.113.102");
    assertThat(lab.hostAddress("b").getHostAddress()).isEqualTo("10.2.0.2");
    assertThat(lab.routerLanAddress("b").getHostAddress()).isEqualTo("10.2.0.1");
    assertThat(lab.serverAddresses()).extracting(a -> a.getHostAddress())
        .containsExactly("203.0.113.10", "203.0.113.11");
    assertThat(lab.namespaces()).allMatch(n -> NatLab.LAB_NAMESPACE.matcher(n).matches());
    assertThatThrownBy(() -> lab.hostNamespace("c")).hasMessageContaining("no peer 'c'");
    assertThatThrownBy(() -> lab.exec(lab.hostNamespace("a"), List.of("true")))
        .isInstanceOf(IllegalStateException.class);
    lab.close(); // closing a lab that never came up is fine
  }

  @Test
  void linkConditions() {
    assertThat(LinkConditions.none().needsForwarder()).isFalse();
    assertThat(LinkConditions.loss(5).needsForwarder()).isFalse();
    assertThat(LinkConditions.delayMillis(20).needsForwarder()).isTrue();
    assertThat(LinkConditions.none().withJitter(Duration.ofMillis(3)).needsForwarder()).isTrue();
    assertThatThrownBy(() -> LinkConditions.loss(101)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LinkConditions.delay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(LinkConditions.delayMillis(20).withLoss(2.5).toString())
        .isEqualTo("delay 20 ms, loss 2.5 %");
  }

  @Test
  void peersOptionParses() {
    List<PeerSpec> specs = PeerListParser.parse("a=port-restricted, b=symmetric,c", "a=20",
        "5", null, "b=30");
    assertThat(specs).extracting(PeerSpec::name).containsExactly("a", "b", "c");
    assertThat(specs).extracting(PeerSpec::nat).containsExactly(RouterNat.PORT_RESTRICTED,
        RouterNat.SYMMETRIC, RouterNat.PORT_RESTRICTED);
    assertThat(specs.get(0).link().delay()).isEqualTo(Duration.ofMillis(20));
    assertThat(specs.get(1).link().delay()).isZero();
    assertThat(specs).allSatisfy(s -> assertThat(s.link().jitter()).isEqualTo(Duration.ofMillis(5)));
    assertThat(specs.get(1).udpTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(specs.get(0).udpTimeout()).isNull();
    assertThat(PeerListParser.parsePerPeer("2.5", List.of("x", "y"), "loss"))
        .isEqualTo(Map.of("x", 2.5, "y", 2.5));
    assertThatThrownBy(() -> PeerListParser.parsePeers("a=sym,a=none")).hasMessageContaining("twice");
    assertThatThrownBy(() -> PeerListParser.parsePeers(" , ")).hasMessageContaining("no peers");
    assertThatThrownBy(() -> PeerListParser.parse("a", "z=5", null, null, null))
        .hasMessageContaining("no peer named 'z'");
    assertThatThrownBy(() -> PeerListParser.parse("a", "-5", null, null, null))
        .hasMessageContaining("non-negative");
    assertThatThrownBy(() -> PeerListParser.parse("a=weird", null, null, null, null))
        .hasMessageContaining("unknown NAT behaviour");
  }

  @Test
  void nftRulesPerBehaviour() {
    Topology t = new Topology("pq000001-", List.of(
        PeerSpec.of("none", RouterNat.NONE, LinkConditions.none()),
        PeerSpec.of("full", RouterNat.FULL_CONE, LinkConditions.none()),
        PeerSpec.of("addr", RouterNat.ADDRESS_RESTRICTED, LinkConditions.none())
            .withUdpTimeout(Duration.ofSeconds(30)),
        PeerSpec.of("port", RouterNat.PORT_RESTRICTED, LinkConditions.none()),
        PeerSpec.of("sym", RouterNat.SYMMETRIC, LinkConditions.none())));
    assertThat(NftRules.natScript(t.peer("none")))
        .isEqualTo("table ip natlab {}\ndelete table ip natlab\n");
    assertThat(NftRules.natScript(t.peer("full")))
        .contains("meta l4proto . th dport @contacted dnat to 10.2.0.2")
        .contains("update @contacted { meta l4proto . th sport timeout 120s }")
        .contains("ct status dnat accept")
        .contains("oifname \"wan\" masquerade\n");
    assertThat(NftRules.natScript(t.peer("addr")))
        .contains("ip saddr . meta l4proto . th dport @contacted dnat to 10.3.0.2")
        .contains("ip daddr . meta l4proto . th sport timeout 30s");
    String port = NftRules.natScript(t.peer("port"));
    assertThat(port).contains("oifname \"wan\" masquerade\n")
        .doesNotContain("@contacted").doesNotContain("ct status dnat");
    assertThat(port.split("ct state new drop", -1)).as("input and forward").hasSize(3);
    assertThat(NftRules.natScript(t.peer("sym"))).contains("masquerade random,fully-random")
        .contains("iifname \"wan\" ct state new drop");
    assertThat(NftRules.linkScript(0, List.of())).doesNotContain("drop");
    assertThat(NftRules.linkScript(2.5, List.of("203.0.113.102")))
        .contains("numgen random mod 10000 < 250 drop")
        .contains("ip saddr { 203.0.113.102 } drop")
        .contains("ip daddr { 203.0.113.102 } drop");
    assertThat(NftRules.linkScript(100, List.of())).contains("iifname \"wan\" drop");
  }

  @Test
  void routerExtrasRules() {
    Topology t = new Topology("pq000001-", List.of(
        PeerSpec.of("a", RouterNat.PORT_RESTRICTED, LinkConditions.none()),
        PeerSpec.of("m", RouterNat.SYMMETRIC, LinkConditions.none())), java.util.Map.of("a2", "a"),
        java.util.Map.of("a", new Topology.RouterExtras(Topology.PortMapping.NONE, true, true),
            "m", new Topology.RouterExtras(Topology.PortMapping.PCP_AND_NAT_PMP, false, false)));
    String hairpin = NftRules.natScript(t.peer("a"));
    assertThat(hairpin)
        .contains("update @mappings { meta l4proto . th sport : ct original ip saddr . ct original proto-src }")
        .contains("iifname \"lan\" ip daddr 203.0.113.101 meta l4proto { tcp, udp } dnat ip to meta l4proto . th dport map @mappings")
        .contains("oifname \"lan\" ip saddr 10.1.0.0/24 ct status dnat snat ip to 203.0.113.101")
        .doesNotContain("ct status dnat accept");
    assertThat(NftRules.clientIsolationScript(t.peer("a")))
        .contains("ip saddr 10.1.0.0/24 ip saddr != 10.1.0.1 drop").contains("ip daddr 10.1.0.0/24 ip daddr != 10.1.0.1 drop");
    String mapping = NftRules.natScript(t.peer("m"));
    assertThat(mapping).contains("iifname \"wan\" ct state new ct status dnat accept").doesNotContain("@mappings");
    assertThat(t.peer("m").mappedIp()).isEqualTo("11.0.0.102");
    assertThat(NftRules.miniupnpdScript()).contains("jump prerouting_miniupnpd").contains("chain postrouting_miniupnpd");
    assertThatThrownBy(() -> NatLab.builder().peer("n", RouterNat.NONE).portMapping("n"))
        .hasMessageContaining("has no NAT");
    assertThatThrownBy(() -> NatLab.builder().hairpin("x")).hasMessageContaining("no peer 'x'");
  }

  @Test
  void stateRoundTripsThroughJson() {
    LabState s = new LabState("pq00abcd-", 4242, 1700000000123L, true, "2024-01-01T00:00:00Z",
        List.of(PeerSpec.of("a", RouterNat.PORT_RESTRICTED,
                LinkConditions.delayMillis(20).withJitter(Duration.ofMillis(3)).withLoss(1.5))
                .withUdpTimeout(Duration.ofSeconds(7)),
            PeerSpec.of("b", RouterNat.FULL_CONE, LinkConditions.none())),
        Map.of("a", 777L));
    String json = s.toJson();
    assertThat(json).contains("\"hostNamespace\": \"pq00abcd-h-a\"")
        .contains("\"wanAddress\": \"203.0.113.102\"");
    assertThat(LabState.fromJson(json)).isEqualTo(s);
    assertThat(Json.parse("{\"s\": \"a\\\"b\\u0041\", \"n\": [1, 2.5, true, null]}"))
        .isEqualTo(Map.of("s", "a\"bA", "n", java.util.Arrays.asList(1L, 2.5, true, null)));
    assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessageContaining("bad JSON");
  }

  @Test
  void labTestSupportSkipsOrFailsByCi() {
    Prerequisites noRoot = new Prerequisites(List.of("root (running as uid 1000)"), List.of());
    Prerequisites fine = new Prerequisites(List.of(), List.of());
    assertThat(LabTestSupport.decide(fine, null)).isEqualTo(LabTestSupport.Decision.RUN);
    assertThat(LabTestSupport.decide(fine, "true")).isEqualTo(LabTestSupport.Decision.RUN);
    assertThat(LabTestSupport.decide(noRoot, null)).isEqualTo(LabTestSupport.Decision.SKIP);
    assertThat(LabTestSupport.decide(noRoot, "false")).isEqualTo(LabTestSupport.Decision.SKIP);
    assertThat(LabTestSupport.decide(noRoot, "TRUE")).isEqualTo(LabTestSupport.Decision.FAIL);
    assertThat(LabTestSupport.reason(noRoot, false))
        .startsWith("NAT-lab tests need root (running as uid 1000)")
        .contains("Run them as root").contains("CI=true");
    assertThat(LabTestSupport.reason(noRoot, true)).contains("CI must run");
    assertThat(noRoot.describe()).isEqualTo("NAT lab needs: root (running as uid 1000)");
  }
}
