package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 15, dead-connection detection: a registered peer behind a symmetric NAT whose router forgets
 * its connection-tracking state (conntrack flushed: a router reboot, a CGNAT timeout), and separately
 * whose WAN is blackholed for 60 s, notices by itself (heartbeat), registers again, and a {@code connect}
 * to it succeeds afterwards. Heartbeat 2 s with a 2 s timeout and backoff capped at 4 s (the shipped
 * defaults are 15 s, 10 s and 30 s), so the test measures the mechanism, not the defaults.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignallingRecoveryLabTest extends LabCastLifecycle {
  private static NatLab lab;
  private static LabProcesses.Running peer;
  private static String peerId;
  private static Path dir;
  private static String server;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(10))
        .peer("b", RouterNat.SYMMETRIC, LinkConditions.delayMillis(10)), "signalling")
        .rendezvous(LabCast.turnConfig());
    lab = cast.lab;
    dir = cast.dir;
    server = cast.server;
    Path peerConf = dir.resolve("peer.json");
    Files.writeString(peerConf, new JsonObject().put("signalling", new JsonObject()
        .put("heartbeatIntervalMs", 2_000).put("heartbeatTimeoutMs", 2_000)
        .put("reconnectInitialDelayMs", 250).put("reconnectMaxDelayMs", 4_000)).encode());
    cast.echoPeers(List.of("b"), "--config", peerConf.toString(), "--control-port", "0");
    peer = cast.peer("b");
    assertThat(waitFor(() -> count(peer.output(), "registered") >= 1, Duration.ofSeconds(30))).as(peer.output()).isTrue();
    peerId = cast.id("b");
  }

  @Test
  @Order(1)
  void aFlushedConntrackTableIsNoticedAndAConnectAfterwardsSucceeds() throws Exception {
    int before = count(peer.output(), "registered again");
    long flushed = System.nanoTime();
    lab.flushConntrack("b");
    // The symmetric NAT maps the WebSocket's next segment to a new port: the rendezvous resets it, the
    // heartbeat notices, the peer registers again.
    assertThat(waitFor(() -> count(peer.output(), "registered again") > before, Duration.ofSeconds(20)))
        .as(peer.output()).isTrue();
    long noticedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flushed);
    System.out.printf("conntrack flushed: registered again after %d ms%n", noticedMs);
    assertConnects("after the flush");
  }

  @Test
  @Order(2)
  void aSixtySecondBlackholeIsNoticedAndTheLinkIsUsedAgainOnceItReturns() throws Exception {
    int lostBefore = count(peer.output(), "signalling lost");
    int againBefore = count(peer.output(), "registered again");
    long blackholed = System.nanoTime();
    lab.setLoss("b", 100);
    try {
      assertThat(waitFor(() -> count(peer.output(), "signalling lost") > lostBefore, Duration.ofSeconds(15)))
          .as("the peer notices the dead connection by itself\n" + peer.output()).isTrue();
      System.out.printf("blackhole: the peer noticed after %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blackholed));
      Thread.sleep(Math.max(0, 60_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blackholed)));
    } finally {
      lab.setLoss("b", 0);
    }
    long restored = System.nanoTime();
    assertThat(waitFor(() -> count(peer.output(), "registered again") > againBefore, Duration.ofSeconds(20)))
        .as(peer.output()).isTrue();
    System.out.printf("blackhole lifted: registered again after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restored));
    assertConnects("after the blackhole");
  }

  private static void assertConnects(String when) throws Exception {
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "connect", "connect", peerId,
        "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478", "--send", "still here",
        "--timeout", "20000");
    assertThat(connect.process.waitFor(60, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    assertThat(connect.process.exitValue()).as(when + "\n" + connect.output() + "\n--- peer:\n" + peer.output()).isZero();
    assertThat(connect.output()).contains("echo received");
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
      n++;
    }
    return n;
  }

  private static boolean waitFor(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
    return io.p2pquic.testsupport.Await.holdsWithin(condition, timeout);
  }
}
