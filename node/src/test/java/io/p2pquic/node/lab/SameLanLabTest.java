package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 4: two peers behind one NAT, on one LAN. The router is symmetric (random ports) and
 * does no hairpinning, which is what Linux NAT (and many home routers) do with dynamic mappings: no
 * public address of either peer reaches the other. They connect directly anyway, over their host
 * candidates on the LAN, with method ice and with auto (which may start on the relay and moves to the
 * LAN path); the echo is compared by the CLI.
 */
class SameLanLabTest extends LabCastLifecycle {
  private static Path mdnsConfig;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .lanHost("a2", "a").lanHost("a3", "a"), "samelan");
    mdnsConfig = cast.dir.resolve("mdns.json");
    Files.writeString(mdnsConfig, new JsonObject().put("session", new JsonObject().put("mdns",
        new JsonObject().put("enabled", true))).encode());
    cast.rendezvous(LabCast.turnConfig()).echoPeers(List.of("a2"));
    cast.echoPeers(List.of("a3"), "--config", mdnsConfig.toString());
  }


  @Test
  void iceConnectsOverTheLanAddresses() {
    JsonObject session = cast.connectOk("a", "a2", "ice", "same lan", "--settle", "10000");
    JsonObject pair = LabCast.assertDirectTo(session, cast.lab.hostAddress("a2").getHostAddress());
    assertThat(pair.getString("remoteType")).isEqualTo("host");
  }

  /**
   * Item 5: both peers offer their LAN address as a random {@code .local} name (session.mdns.enabled) and
   * resolve the other's by mDNS on the LAN; the pair is the same host pair, the signalling never saw the
   * addresses.
   */
  @Test
  void mdnsNamesResolveOnTheLanAndTheHostPairWins() {
    JsonObject session = cast.connectOk("a", "a3", "ice", "mdns", "--config", mdnsConfig.toString());
    JsonObject pair = LabCast.assertDirectTo(session, cast.lab.hostAddress("a3").getHostAddress());
    assertThat(pair.getString("remoteType")).isEqualTo("host");
    String timeline = session.getJsonArray("timeline").encode();
    assertThat(timeline).containsPattern("offered as [^\"]* [0-9a-f-]{36}\\.local ")
        .containsPattern("remote candidate resolved\",\"detail\":\"[0-9a-f-]{36}\\.local is "
            + cast.lab.hostAddress("a3").getHostAddress().replace(".", "\\."))
        .containsPattern("offered as [^\"]* typ srflx raddr 0\\.0\\.0\\.0 rport 9");
  }

  @Test
  void autoEndsOnTheLanPath() {
    JsonObject session = cast.connectOk("a", "a2", "auto", "same lan", "--settle", "10000");
    assertThat(session.getString("finalPath")).as(session.encodePrettily()).isEqualTo("direct");
    assertThat(session.getJsonArray("timeline").encode()).contains("identical")
        .contains(cast.lab.hostAddress("a2").getHostAddress() + ":");
  }
}
