package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 4, the router that hairpins: two peers behind one port-restricted router whose LAN isolates
 * its clients (a guest Wi-Fi: the hosts' LAN addresses do not reach each other), so their host candidates are
 * useless. Router a does hairpin NAT: the dialer's checks to the peer's server-reflexive candidate (the
 * router's own public address) turn around in the router and reach the peer, and the session goes direct on
 * that path. Router c is the same without hairpinning: the same pair can only be relayed, which shows the
 * hairpin is what made a's path.
 */
class HairpinLabTest extends LabCastLifecycle {
  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .lanHost("a2", "a").hairpin("a").clientIsolation("a")
        .peer("c", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .lanHost("c2", "c").clientIsolation("c"), "hairpin");
    cast.rendezvous(LabCast.turnConfig()).echoPeers(List.of("a2", "c2"));
  }


  @Test
  void aHairpinningRouterCarriesTheDirectPathThroughItsPublicAddress() {
    JsonObject session = cast.connectOk("a", "a2", "ice", "hairpin", "--settle", "10000");
    LabCast.assertDirectTo(session, cast.lab.routerWanAddress("a").getHostAddress());
  }

  @Test
  void withoutHairpinningTheIsolatedPeersAreRelayed() {
    JsonObject session = cast.connectOk("c", "c2", "auto", "hairpin", "--settle", "10000");
    assertThat(session.getString("finalPath")).as(session.encodePrettily()).isEqualTo("relayed");
  }
}
