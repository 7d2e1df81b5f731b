package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 4: two peers behind one NAT, on one LAN. The router is symmetric (random ports) and
 * does no hairpinning, which is what Linux NAT (and many home routers) do with dynamic mappings: no
 * public address of either peer reaches the other. They connect directly anyway, over their host
 * candidates on the LAN, with method ice and with auto (which may start on the relay and moves to the
 * LAN path); the echo is compared by the CLI.
 */
class SameLanLabTest {
  private static LabCast cast;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .lanHost("a2", "a"), "samelan");
    cast.rendezvous(LabCast.turnConfig()).echoPeers(List.of("a2"));
  }

  @AfterAll
  static void down() throws Exception {
    if (cast != null) {
      cast.close();
    }
  }

  private static JsonObject connect(String method) {
    JsonObject session = cast.connect("a", "a2", method, "same lan " + method, Duration.ofSeconds(90), "--timeout", "15000",
        "--settle", "10000");
    assertThat(session.getInteger("exitCode")).as(session.encodePrettily()).isZero();
    return session;
  }

  @Test
  void iceConnectsOverTheLanAddresses() {
    JsonObject session = connect("ice");
    assertThat(session.getString("path")).isEqualTo("direct");
    JsonObject pair = session.getJsonObject("selectedPair");
    assertThat(pair.getString("remote")).as(session.encodePrettily())
        .startsWith(cast.lab.hostAddress("a2").getHostAddress() + ":");
    assertThat(pair.getString("remoteType")).isEqualTo("host");
  }

  @Test
  void autoEndsOnTheLanPath() {
    JsonObject session = connect("auto");
    assertThat(session.getString("finalPath")).as(session.encodePrettily()).isEqualTo("direct");
    assertThat(session.getJsonArray("timeline").encode()).contains("identical")
        .contains(cast.lab.hostAddress("a2").getHostAddress() + ":");
  }
}
