package io.p2pquic.node.lab;

import static io.p2pquic.node.lab.LabProcesses.randomFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dual-stack hosts in the NAT lab: each host has a NATed IPv4 address (port-restricted cone) and a
 * global IPv6 address behind its router's stateful IPv6 firewall; the rendezvous listens on both
 * families and relays over IPv4. With the shipped defaults (IPv4 and IPv6 on) a session gathers both
 * families, punches through the IPv6 firewalls (as through port-restricted NATs) and prefers IPv6;
 * method relay works from the same dual-stack socket. Echoes are SHA-256-checked by the CLI.
 */
class DualStackLabTest extends LabCastLifecycle {
  private static final Pattern SESSION = Pattern.compile("session \\S+: (direct|relayed), pair (\\S+) -> (\\S+),");
  private static NatLab lab;
  private static LabProcesses.Running echo;
  private static String echoId;
  private static Path dir;
  private static String signal;
  private static String stun;

  @BeforeAll
  static void up() throws Exception {
    LabCast c = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(5))
        .peer("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(5))
        .ipv6(true), "dualstack");
    cast = c;
    lab = c.lab;
    dir = c.dir;
    String server = c.server;
    String server6 = lab.serverAddress6().getHostAddress();
    // Listening on :: (both families): STUN answers IPv4 and IPv6 clients, so peers learn both mappings.
    c.rendezvous(new JsonObject()
        .put("turn", new JsonObject().put("grant", "all-registered").put("authSecret", "lab-secret-" + System.nanoTime())
            .put("relayAddress", server)
            .put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24", "10.0.0.0/8")))), "::");
    signal = c.signal();
    stun = server + ":3478,[" + server6 + "]:3478";
    c.stun(stun).echoPeers(List.of("b"));
    echo = c.peer("b");
    echoId = c.id("b");
  }

  private static LabProcesses.Running connect(String method, String... payload) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("connect", echoId, "--rendezvous", signal, "--stun", stun,
        "--method", method, "--timeout", "20000"));
    args.addAll(List.of(payload));
    LabProcesses.Running c = new LabProcesses.Running(lab, lab.hostNamespace("a"), "phases since connect",
        args.toArray(String[]::new));
    assertThat(c.process.waitFor(90, TimeUnit.SECONDS)).as(c.output()).isTrue();
    assertThat(c.process.exitValue()).as(c.output()).isZero();
    assertThat(c.output()).contains("identical");
    return c;
  }

  private static Matcher session(LabProcesses.Running c) {
    Matcher m = SESSION.matcher(c.output());
    assertThat(m.find()).as(c.output()).isTrue();
    return m;
  }

  @Test
  void autoPunchesThroughBothIpv6FirewallsAndPrefersIpv6() throws Exception {
    LabProcesses.Running c = connect("auto", "--send", "dual-stack");
    Matcher m = session(c);
    assertThat(m.group(1)).as(c.output()).isEqualTo("direct");
    assertThat(m.group(2)).as("our global IPv6 host address\n" + c.output()).startsWith("[" + "2001:db8:1::2]");
    assertThat(m.group(3)).as("the peer's global IPv6 host address\n" + c.output()).startsWith("[" + "2001:db8:2::2]");
  }

  @Test
  void iceMovesAFileOverIpv6Intact() throws Exception {
    Path file = randomFile(dir, "v6.bin", 4);
    Matcher m = session(connect("ice", "--file", file.toString()));
    assertThat(m.group(2)).startsWith("[2001:db8:1::2]");
  }

  @Test
  void relayWorksFromTheDualStackSessionSocket() throws Exception {
    Matcher m = session(connect("relay", "--send", "via the relay"));
    assertThat(m.group(1)).isEqualTo("relayed");
    assertThat(m.group(2)).as("an IPv4 relayed candidate from the :: socket").startsWith("203.0.113.10:");
  }
}
