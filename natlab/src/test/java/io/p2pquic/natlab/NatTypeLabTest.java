package io.p2pquic.natlab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.junit.LabTestSupport;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves each router behaves as its {@link RouterNat} says, from behind it: mapping (the public
 * address seen by four server endpoints: two addresses x two ports), filtering (which answers
 * from endpoints the host never contacted get through), the conntrack trap (an unsolicited
 * packet must not change the host's later mapping), and peer-to-peer hole punching.
 */
class NatTypeLabTest {

  private static NatLab lab;

  @BeforeAll
  static void up() throws Exception {
    lab = LabTestSupport.start(NatLab.builder()
        .peer("none", RouterNat.NONE)
        .peer("full", RouterNat.FULL_CONE)
        .peer("addr", RouterNat.ADDRESS_RESTRICTED)
        .peer("port", RouterNat.PORT_RESTRICTED)
        .peer("port2", RouterNat.PORT_RESTRICTED)
        .peer("sym", RouterNat.SYMMETRIC));
    Probe.startServer(lab, lab.serverNamespace(), lab.serverAddress().getHostAddress(),
        lab.serverAlternateAddress().getHostAddress());
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  private static String wan(String peer, int port) {
    return lab.routerWanAddress(peer).getHostAddress() + ":" + port;
  }

  private static void assertMappings(Map<String, String> r, String expected) {
    assertThat(List.of(r.get("map_a1"), r.get("map_a2"), r.get("map_b1"), r.get("map_b2")))
        .as("mapped address towards every server endpoint (%s)", r)
        .containsOnly(expected);
  }

  /** What the probe found on the filtering side: a packet from another port, another address, unsolicited. */
  private static void assertFiltering(Map<String, String> r, String portChange, String addrChange, String unsolicited) {
    assertThat(r).containsEntry("filter_port_change", portChange)
        .containsEntry("filter_addr_change", addrChange)
        .containsEntry("trap_unsolicited", unsolicited);
  }

  /**
   * A cone NAT (endpoint-independent mapping) on {@code peer}'s router: the router's WAN address at the local
   * port towards every server endpoint, the given filtering, and the conntrack trap's second mapping keeping
   * its port too (without the WAN firewall it would differ on a port-restricted router).
   */
  private static void assertCone(String peer, String portChange, String addrChange, String unsolicited) {
    Map<String, String> r = Probe.client(lab, peer, 40000);
    assertMappings(r, wan(peer, 40000));
    assertFiltering(r, portChange, addrChange, unsolicited);
    assertThat(r).containsEntry("trap_map_before", wan(peer, 40001))
        .containsEntry("trap_map_after", wan(peer, 40001));
  }

  @Test
  void noneRoutesWithoutTranslationOrFiltering() {
    Map<String, String> r = Probe.client(lab, "none", 40000);
    assertMappings(r, lab.hostAddress("none").getHostAddress() + ":40000");
    assertFiltering(r, "open", "open", "open");
  }

  @Test
  void fullConeIsEndpointIndependentMappingAndFiltering() {
    assertCone("full", "open", "open", "open");
  }

  @Test
  void addressRestrictedIsEndpointIndependentMappingAddressDependentFiltering() {
    assertCone("addr", "open", "blocked", "blocked");
  }

  @Test
  void portRestrictedIsEndpointIndependentMappingAddressAndPortDependentFiltering() {
    assertCone("port", "blocked", "blocked", "blocked");
  }

  @Test
  void symmetricGivesANewPortPerDestination() {
    Map<String, String> r = Probe.client(lab, "sym", 40000);
    List<String> maps = List.of(r.get("map_a1"), r.get("map_a2"), r.get("map_b1"),
        r.get("map_b2"));
    assertThat(maps).as("%s", r).doesNotContainNull()
        .allSatisfy(m -> assertThat(m).startsWith(lab.routerWanAddress("sym").getHostAddress() + ":"));
    assertThat(Set.copyOf(maps)).as("one public port per destination: %s", maps).hasSize(4);
    assertFiltering(r, "blocked", "blocked", "blocked");
  }

  @Test
  void holePunchingBetweenPortRestrictedPeersSucceeds() throws Exception {
    // EIM keeps the local port, so each side knows the other's public endpoint in advance
    List<Map<String, String>> r = Probe.punch(lab,
        "port", 41000, lab.routerWanAddress("port2").getHostAddress(), 41001,
        "port2", 41001, lab.routerWanAddress("port").getHostAddress(), 41000);
    assertThat(Integer.parseInt(r.get(0).get("received"))).as("port <- port2 %s", r).isPositive();
    assertThat(Integer.parseInt(r.get(1).get("received"))).as("port2 <- port %s", r).isPositive();
    assertThat(r.get(0).get("from")).isEqualTo(wan("port2", 41001));
    assertThat(r.get(1).get("from")).isEqualTo(wan("port", 41000));
  }

  @Test
  void holePunchingBetweenSymmetricAndPortRestrictedFails() throws Exception {
    List<Map<String, String>> r = Probe.punch(lab,
        "sym", 42000, lab.routerWanAddress("port2").getHostAddress(), 42001,
        "port2", 42001, lab.routerWanAddress("sym").getHostAddress(), 42000);
    assertThat(r.get(0).get("received")).as("sym <- port2 %s", r).isEqualTo("0");
    assertThat(r.get(1).get("received")).as("port2 <- sym %s", r).isEqualTo("0");
  }

  @Test
  void rulesLiveInTheLabsOwnTable() {
    assertThat(lab.routerRuleset("sym")).contains("table ip natlab ")
        .contains("masquerade random,fully-random").contains("table ip natlab_link");
    assertThat(lab.routerRuleset("none")).doesNotContain("table ip natlab {")
        .contains("table ip natlab_link");
  }
}
