package io.p2pquic.natlab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.junit.LabTestSupport;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delay and jitter (user-space forwarder), loss, blocked direct paths, mapping expiry. */
class LinkConditionsLabTest {

  private static final Logger LOG = LoggerFactory.getLogger(LinkConditionsLabTest.class);

  private static NatLab lab;
  private static String server;

  @BeforeAll
  static void up() throws Exception {
    lab = LabTestSupport.start(NatLab.builder()
        .peer("slow", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("fast", RouterNat.NONE, LinkConditions.none())
        .peer("jit", RouterNat.FULL_CONE,
            LinkConditions.delayMillis(10).withJitter(Duration.ofMillis(10)))
        .peer(PeerSpec.of("short", RouterNat.PORT_RESTRICTED, LinkConditions.none())
            .withUdpTimeout(Duration.ofSeconds(2))));
    server = lab.serverAddress().getHostAddress();
    Probe.startServer(lab, lab.serverNamespace(), server,
        lab.serverAlternateAddress().getHostAddress());
    Probe.startServer(lab, lab.hostNamespace("fast"), lab.hostAddress("fast").getHostAddress());
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void twentyMillisecondsEachWayGiveAFortyMillisecondRoundTrip() {
    assertThat(lab.forwarderPid("slow")).isPresent();
    assertThat(lab.forwarderPid("fast")).isEmpty();
    double[] slow = Probe.rtts(lab, lab.hostNamespace("slow"), server, 20, 1.0);
    double[] fast = Probe.rtts(lab, lab.hostNamespace("fast"), server, 20, 1.0);
    LOG.info("RTT host->server, 20 ms delay: {}", Arrays.toString(slow));
    LOG.info("RTT host->server, no delay: {}", Arrays.toString(fast));
    assertThat(slow).as("all answered").doesNotContain(Double.NaN);
    assertThat(Arrays.stream(slow).min().orElseThrow()).isGreaterThanOrEqualTo(40.0);
    assertThat(Probe.median(slow)).isLessThan(60.0);
    // static ARP: even the first packet of the run pays no extra round trip
    assertThat(slow[0]).isLessThan(60.0);
    assertThat(fast).doesNotContain(Double.NaN);
    assertThat(Probe.median(fast)).isLessThan(5.0);
  }

  /** A delay spike: the "jit" link (10 ms + 10 ms jitter) goes to 250 ms each way, then back. */
  @Test
  void theDelayOfALinkCanChangeWhileTheLabRuns() {
    String host = lab.hostNamespace("jit");
    try {
      lab.setLinkDelay("jit", Duration.ofMillis(250), Duration.ZERO);
      double[] spiked = Probe.rtts(lab, host, server, 3, 2.0);
      LOG.info("RTT host->server during a 250 ms spike: {}", Arrays.toString(spiked));
      assertThat(spiked).doesNotContain(Double.NaN);
      assertThat(Arrays.stream(spiked).min().orElseThrow()).isGreaterThanOrEqualTo(500.0);
    } finally {
      lab.setLinkDelay("jit", Duration.ofMillis(10), Duration.ofMillis(10));
    }
    double[] after = Probe.rtts(lab, host, server, 5, 1.0);
    assertThat(after).doesNotContain(Double.NaN);
    assertThat(Probe.median(after)).isLessThan(60.0);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> lab.setLinkDelay("fast", Duration.ofMillis(100), Duration.ZERO))
        .hasMessageContaining("no delayed link");
  }

  @Test
  void jitterSpreadsDelaysButNeverReorders() {
    Map<String, String> r = Probe.burst(lab, lab.hostNamespace("jit"), server, 100, 2, 0.5);
    LOG.info("burst through 10 ms + 0..10 ms jitter each way: {}", r);
    assertThat(r).containsEntry("received", "100").containsEntry("in_order", "true");
    double min = Double.parseDouble(r.get("min_ms"));
    double max = Double.parseDouble(r.get("max_ms"));
    assertThat(min).isGreaterThanOrEqualTo(20.0);
    assertThat(max).isGreaterThan(min + 5.0).isLessThan(60.0);
  }

  @Test
  void lossDropsThatShareEachWay() {
    String ns = lab.hostNamespace("fast");
    try {
      lab.setLoss("fast", 100);
      assertThat(Probe.burst(lab, ns, server, 20, 1, 0.3)).containsEntry("received", "0");
      lab.setLoss("fast", 30);
      Map<String, String> r = Probe.burst(lab, ns, server, 400, 1, 0.3);
      int received = Integer.parseInt(r.get("received"));
      LOG.info("30 % loss each way: {} of 400 echoes came back (expected ~196)", received);
      // P(round trip) = 0.7 * 0.7 = 0.49: 196 +- 10 sd; accept a wide band
      assertThat(received).isBetween(140, 250);
    } finally {
      lab.setLoss("fast", 0);
    }
    assertThat(Probe.burst(lab, ns, server, 50, 1, 0.3)).containsEntry("received", "50");
  }

  @Test
  void directPathCanBeBlockedWhileTheServerStaysReachable() {
    String slowHost = lab.hostNamespace("slow");
    String fastHost = lab.hostAddress("fast").getHostAddress();
    assertThat(Probe.rtts(lab, slowHost, fastHost, 2, 0.5)).doesNotContain(Double.NaN);
    lab.setDirectPathBlocked("slow", "fast", true);
    try {
      assertThat(Probe.rtts(lab, slowHost, fastHost, 2, 0.3)).containsOnly(Double.NaN);
      assertThat(Probe.rtts(lab, slowHost, server, 2, 0.5)).doesNotContain(Double.NaN);
    } finally {
      lab.setDirectPathBlocked("slow", "fast", false);
    }
    assertThat(Probe.rtts(lab, slowHost, fastHost, 2, 0.5)).doesNotContain(Double.NaN);
  }

  @Test
  void udpTimeoutExpiresIdleMappings() throws Exception {
    Assumptions.assumeTrue(Tools.find("conntrack").isPresent(), "needs the conntrack tool");
    String router = lab.routerNamespace("short");
    ExecResult sysctl = lab.run(router, Duration.ofSeconds(5),
        List.of(Tools.sysctl(), "-n", "net.netfilter.nf_conntrack_udp_timeout"));
    assertThat(sysctl.stdout().strip()).isEqualTo("2");
    assertThat(Probe.rtts(lab, lab.hostNamespace("short"), server, 1, 1.0))
        .doesNotContain(Double.NaN);
    assertThat(udpEntries(router)).contains("dport=" + Probe.PORT1);
    Thread.sleep(3500);
    assertThat(udpEntries(router)).doesNotContain("dport=" + Probe.PORT1);
  }

  private static String udpEntries(String router) {
    return lab.run(router, Duration.ofSeconds(5), List.of(Tools.conntrack(), "-L", "-p", "udp"))
        .stdout();
  }
}
