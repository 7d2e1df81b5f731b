package io.p2pquic.rendezvous.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.rendezvous.CoturnToolFixture;
import io.p2pquic.testsupport.RealPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * coturn's turnutils_uclient (a TURN client nobody here wrote) runs its relay test against our server:
 * client-to-client mode (-y), two allocations sending to each other through the relay with Send and Data
 * indications (-s), over UDP and over TCP (-t), with use-auth-secret credentials (-W). Passes only if
 * every packet arrived.
 *
 * <p>uclient's ChannelData mode is not run: coturn 4.6.1's client picks channel numbers from the RFC 5766
 * range 0x4000-0x7FFF, and RFC 8656 (which this server follows) allows only 0x4000-0x4FFF, so three binds
 * in four get 400. Our own end-to-end test covers ChannelData both ways.
 */
class TurnutilsUclientInteropTest extends CoturnToolFixture {
  private static final Path TOOL = Path.of("/usr/bin/turnutils_uclient");
  static final Pattern LOST = Pattern.compile("Total lost packets (\\d+) \\(");
  static final Pattern SENT = Pattern.compile("Total sent packets (\\d+)|tot_send_msgs=(\\d+)");
  static final String SECRET = "interop-secret";

  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  @BeforeEach
  void setUp() throws Exception {
    requireToolAndStartVertx(TOOL);
    TurnServerConfig cfg = new TurnServerConfig()
        .setAuthSecrets(List.of(SECRET))
        .setRelayAddress("127.0.0.1")
        .setAllowedPeerRanges(List.of("127.0.0.0/8"));
    TurnServer turn = new TurnServer(vertx, cfg, "127.0.0.1", "p2p-quic-test", metrics);
    server = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0), metrics, turn);
    io.p2pquic.testsupport.Await.await(server.start());
  }

  @Test
  void udpSendIndicationRelayTest() throws Exception {
    assertAllDelivered(run("-y", "-s", "-n", "50", "-l", "120"));
  }

  @Test
  void tcpSendIndicationRelayTest() throws Exception {
    assertAllDelivered(run("-y", "-t", "-s", "-n", "50", "-l", "121"));
  }

  /** uclient's default data path: ChannelBind (numbers above 0x4FFF, RFC 5766's range) and ChannelData. */
  @Test
  void udpChannelDataRelayTest() throws Exception {
    assertAllDelivered(run("-y", "-n", "50", "-l", "120"));
    assertThat(metrics.counter(TurnMetrics.CHANNELS_BOUND).count()).as("channels bound").isGreaterThanOrEqualTo(1);
  }

  @Test
  void tcpChannelDataRelayTest() throws Exception {
    assertAllDelivered(run("-y", "-t", "-n", "50", "-l", "121"));
  }

  private void assertAllDelivered(String out) {
    Matcher lost = LOST.matcher(out);
    assertThat(lost.find()).as("turnutils_uclient output:\n%s", out).isTrue();
    assertThat(Long.parseLong(lost.group(1))).as("lost packets; output:\n%s", out).isZero();
    assertThat(metrics.counter(TurnMetrics.RELAYED_PACKETS, "direction", "to-client").count())
        .as("packets our relay delivered to clients").isGreaterThanOrEqualTo(50);
    assertThat(metrics.counter(TurnMetrics.ALLOCATIONS_CREATED).count()).isGreaterThanOrEqualTo(2);
  }

  private String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(TOOL.toString(), "-W", SECRET, "-u", "interop",
        "-p", Integer.toString(server.udpAddress().getPort()), "-e", "127.0.0.1"));
    cmd.addAll(List.of(args));
    cmd.add("127.0.0.1");
    return RealPeers.run(Duration.ofSeconds(60), cmd);
  }
}
