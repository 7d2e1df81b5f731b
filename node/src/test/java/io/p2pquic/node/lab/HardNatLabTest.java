package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 1: hard-NAT punching in the NAT lab. A port-restricted cone NAT and a symmetric NAT with
 * random ports (nftables {@code masquerade random,fully-random}), 20 ms one-way per router, our rendezvous
 * with its TURN relay and a second STUN address (RFC 5780, for the mapping probe). Method auto: every
 * session echoes on the relay at once, then hard-NAT punching looks for a direct path; the session must
 * move there within 20 s in at least 18 of 20 runs (both directions) and echo again, intact, on it. Two
 * symmetric NATs stay relayed, and the timeline says why.
 */
class HardNatLabTest extends LabCastLifecycle {
  private static final int RUNS_EACH_WAY = 10;
  private static final long SETTLE_MS = 20_000;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("c", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20)), "hardnat");
    cast.rendezvous(LabCast.turnConfig(), cast.server, "--alt-address",
        cast.lab.serverAlternateAddress().getHostAddress());
    cast.echoPeers(List.of("a", "b", "c"));
  }

  /** {@code connect --json} from {@code from} to the echo peer behind {@code to}; the JSON it printed. */
  private static JsonObject connect(String from, String to, int repeat, long settleMs) {
    Duration bound = Duration.ofMillis(repeat * (15_000 + settleMs + 10_000) + 60_000);
    return cast.connect(from, to, "auto", "hard-nat " + from + " to " + to, bound, "--timeout", "15000",
        "--repeat", Integer.toString(repeat), "--keep-going", "--settle", Long.toString(settleMs));
  }

  @Test
  void portRestrictedAndSymmetricMoveFromTheRelayToADirectPath() {
    List<JsonObject> runs = new ArrayList<>();
    for (String[] way : new String[][] {{"a", "b"}, {"b", "a"}}) {
      JsonArray list = connect(way[0], way[1], RUNS_EACH_WAY, SETTLE_MS).getJsonArray("runs");
      assertThat(list).hasSize(RUNS_EACH_WAY);
      list.forEach(o -> runs.add(((JsonObject) o).put("way", way[0] + "->" + way[1])));
    }
    List<Double> directAfter = new ArrayList<>();
    int direct = 0;
    for (JsonObject run : runs) {
      assertThat(run.containsKey("error")).as("every session connects and echoes: %s", run.encode()).isFalse();
      assertThat(run.getJsonObject("timings").getDouble("firstByteMs")).as(run.encode()).isNotNull();
      assertThat(run.getString("path")).as("data flows on the relay from the start: %s", run.encode()).isEqualTo("relayed");
      if ("direct".equals(run.getString("finalPath"))) {
        direct++;
        directAfter.add(run.getDouble("directAfterMs"));
      }
    }
    directAfter.sort(Double::compare);
    System.out.printf("hard-NAT punching: %d of %d sessions direct within %d ms; direct after (ms from connect) "
        + "median %.0f, all %s%n", direct, runs.size(), SETTLE_MS,
        directAfter.isEmpty() ? Double.NaN : directAfter.get(directAfter.size() / 2), directAfter);
    assertThat(direct).as("direct in at least 90 %% of runs: %s", runs).isGreaterThanOrEqualTo(runs.size() * 9 / 10);
    assertThat(directAfter).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(SETTLE_MS + 1_000.0));
  }

  /** One session's own account: the probe, the hit, the move and the echo on the new path. */
  @Test
  void theTimelineShowsThePunchAndTheEchoOnTheNewPath() {
    JsonObject session = connect("a", "b", 1, SETTLE_MS);
    String timeline = session.getJsonArray("timeline").encode();
    assertThat(session.getString("finalPath")).as(timeline).isEqualTo("direct");
    assertThat(timeline).contains("endpoint-independent").contains("peer's nat mapping")
        .contains("endpoint-dependent").contains("hard-nat spraying").contains("echo after upgrade").contains("identical");
    // The spray opens our NAT to many of the peer's ports; one of its own ICE retransmissions may come in
    // through one of them before a probe meets a probe, and then ICE validates the direct pair first.
    assertThat(timeline.contains("hard-nat path found") && timeline.contains("hard-NAT punching found a direct path")
        || timeline.contains("a direct pair was validated")).as(timeline).isTrue();
  }

  @Test
  void twoSymmetricNatsStayRelayedAndSayWhy() {
    JsonObject session = connect("b", "c", 1, 6_000);
    assertThat(session.containsKey("error")).as(session.encodePrettily()).isFalse();
    assertThat(session.getString("finalPath")).as(session.encodePrettily()).isEqualTo("relayed");
    assertThat(session.getJsonArray("timeline").encode()).contains("both NATs map per destination");
  }
}
