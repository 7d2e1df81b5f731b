package io.p2pquic.rendezvous.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.rendezvous.CoturnToolFixture;
import io.p2pquic.testsupport.RealPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** coturn's turnutils_stunclient (a client nobody here wrote) against our server. */
class TurnutilsStunclientInteropTest extends CoturnToolFixture {
  private static final Path TOOL = Path.of("/usr/bin/turnutils_stunclient");
  private static final Pattern REFLEXIVE = Pattern.compile("UDP reflexive addr: ([0-9.]+):(\\d+)");
  private static final Pattern ORIGIN = Pattern.compile("Response origin: : ([0-9.]+):(\\d+)");

  @BeforeEach
  void setUp() {
    requireToolAndStartVertx(TOOL);
  }

  @Test
  void stunclientGetsItsMappedAddress() throws Exception {
    server = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcp(false), new SimpleMeterRegistry());
    io.p2pquic.testsupport.Await.await(server.start());
    String out = run("-p", Integer.toString(server.udpAddress().getPort()), "127.0.0.1");
    Matcher m = REFLEXIVE.matcher(out);
    assertThat(m.find()).as("turnutils_stunclient output:\n%s", out).isTrue();
    assertThat(m.group(1)).isEqualTo("127.0.0.1");
    assertThat(Integer.parseInt(m.group(2))).isBetween(1024, 65535);
  }

  @Test
  void stunclientRunsTheRfc5780TestsAgainstTheAlternateAddress() throws Exception {
    int port = StunServerTest.freeUdpPort();
    server = new StunServer(
        vertx,
        new StunServerConfig().setBind("127.0.0.1").setPort(port).setAlternateAddress("127.0.0.2").setTcp(false),
        new SimpleMeterRegistry());
    io.p2pquic.testsupport.Await.await(server.start());
    String out = run("-p", Integer.toString(port), "127.0.0.1");
    assertThat(out).as("turnutils_stunclient output:\n%s", out)
        .contains("RFC 5780 response 1", "RFC 5780 response 2", "RFC 5780 response 3")
        .contains("Other addr: : 127.0.0.2:" + (port + 1))
        .doesNotContain("error");
    // Responses 2 and 3 asked for "change IP and port": they must come from the alternate socket.
    List<String> origins = ORIGIN.matcher(out).results().map(r -> r.group(1) + ":" + r.group(2)).toList();
    assertThat(origins).contains("127.0.0.1:" + port, "127.0.0.2:" + (port + 1));
  }

  private static String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(TOOL.toString()));
    cmd.addAll(List.of(args));
    return RealPeers.run(Duration.ofSeconds(20), cmd);
  }
}
