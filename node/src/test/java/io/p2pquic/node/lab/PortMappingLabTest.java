package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 2: port mapping against a real server. Both peers sit behind symmetric NATs (random
 * ports per destination), the pair every other method leaves on the relay; a's router runs Debian's
 * miniupnpd (PCP and NAT-PMP). a's sessions map their socket's port and offer the mapped address as a
 * candidate; b's checks reach a through it, so the pair goes direct. Checked from both ends: b dialing a
 * selects a's mapped candidate (11.0.0.101, the router's mapping address); a dialing b with auto ends
 * direct. When a session closes its mapping is deleted from the router. c's router speaks UPnP-IGD only.
 */
class PortMappingLabTest extends LabCastLifecycle {
  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("c", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .portMapping("a").upnpGateway("c"), "portmap");
    cast.rendezvous(LabCast.turnConfig()).echoPeers(List.of("a", "b", "c"));
  }


  private static String mapped() {
    return cast.lab.mappedAddress("a").getHostAddress();
  }

  @Test
  void theDialerReachesTheMappedPortOfItsPeer() {
    JsonObject session = cast.connectOk("b", "a", "ice", "port mapping", "--settle", "10000");
    JsonObject pair = LabCast.assertDirectTo(session, mapped());
    assertThat(pair.getString("remoteType")).isEqualTo("srflx");
  }

  /** c's router speaks UPnP-IGD only: the same pair goes direct through the port its SOAP action mapped. */
  @Test
  void aUpnpGatewayMapsToo() {
    JsonObject session = cast.connectOk("b", "c", "ice", "upnp", "--settle", "10000");
    JsonObject pair = LabCast.assertDirectTo(session, cast.lab.mappedAddress("c").getHostAddress());
    assertThat(pair.getString("remoteType")).isEqualTo("srflx");
  }

  @Test
  void theMappedSideDialsDirectWithAutoAndDeletesItsMapping() throws Exception {
    JsonObject session = cast.connectOk("a", "b", "auto", "port mapping", "--settle", "10000");
    assertThat(session.getString("finalPath")).as(session.encodePrettily()).isEqualTo("direct");
    String timeline = session.getJsonArray("timeline").encode();
    assertThat(timeline).contains("port mapped").contains(mapped() + ":").contains("by PCP");
    // The connect process has exited: its session's mapping must be gone from the router. The echo peer's
    // own sessions keep theirs until the dialer's QUIC close reaches them, so look for this port only.
    String detail = session.getJsonArray("timeline").stream().map(JsonObject.class::cast)
        .filter(e -> "port mapped".equals(e.getString("event"))).map(e -> e.getString("detail")).findFirst().orElseThrow();
    String port = detail.substring(mapped().length() + 1, detail.indexOf(' '));
    assertThat(port).as(detail).matches("\\d+");
    long deadline = System.nanoTime() + 10_000_000_000L;
    String rules = "";
    while (System.nanoTime() < deadline) {
      rules = cast.lab.run(cast.lab.routerNamespace("a"), Duration.ofSeconds(10),
          List.of("nft", "list", "chain", "inet", "miniupnpd", "prerouting_miniupnpd")).stdout();
      if (!rules.contains("dport " + port + " ")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(rules).as("the router still forwards the closed session's port %s", port).doesNotContain("dport " + port + " ");
  }
}
