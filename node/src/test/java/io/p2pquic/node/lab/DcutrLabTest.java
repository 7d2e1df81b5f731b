package io.p2pquic.node.lab;

import static io.p2pquic.node.lab.LabProcesses.randomFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Method {@code dcutr} in the NAT lab (20 ms one-way per router, our rendezvous's TURN relay):
 * between two port-restricted cone NATs the session comes up relayed and DCUtR moves it to the direct
 * path under a running transfer, echo intact; between two symmetric NATs all three attempts fail and
 * the session stays relayed, still carrying data.
 */
class DcutrLabTest extends LabCastLifecycle {
  private static final Pattern AT = Pattern.compile("t\\+\\s*([0-9.]+) ms\\s+me\\s+");
  private static NatLab lab;
  private static final Map<String, LabProcesses.Running> peers = new LinkedHashMap<>();
  private static final Map<String, String> ids = new LinkedHashMap<>();
  private static Path dir;
  private static String server;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("pr1", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("pr2", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("sym1", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("sym2", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20)), "dcutr")
        .rendezvous(LabCast.turnConfig()).echoPeers(List.of("pr2", "sym2"));
    lab = cast.lab;
    dir = cast.dir;
    server = cast.server;
    for (String name : List.of("pr2", "sym2")) {
      peers.put(name, cast.peer(name));
      ids.put(name, cast.id(name));
    }
  }

  /** The timeline time (ms since the connect call) of the first line of ours containing {@code event}. */
  private static double at(List<String> lines, String event) {
    for (String l : lines) {
      Matcher m = AT.matcher(l);
      if (m.find() && l.contains(event)) {
        return Double.parseDouble(m.group(1));
      }
    }
    return -1;
  }

  @Test
  void portRestrictedPairComesUpRelayedAndUpgradesToDirectUnderATransfer() throws Exception {
    Path file = randomFile(dir, "dcutr.bin", 24);
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("pr1"), "echo after dcutr", "connect",
        ids.get("pr2"), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--file", file.toString(), "--method", "dcutr", "--timeout", "30000");
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    List<String> lines = connect.lines.stream().toList();
    System.out.println("dcutr port-restricted <-> port-restricted:\n" + String.join("\n",
        lines.stream().filter(l -> l.contains(" path ") || l.contains("dcutr") || l.contains("quic handshake")
            || l.contains("echo") || l.contains("phases")).toList()));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("echo received").contains("echo after dcutr").doesNotContain("DIFFERENT");
    List<String> paths = lines.stream().filter(l -> l.matches(".*\\bme\\s+path\\s+.*")).toList();
    assertThat(paths.get(0)).as("QUIC starts on a relay").contains("relay");
    assertThat(paths.get(paths.size() - 1)).as("DCUtR moved it to the peer's router")
        .containsPattern("-> direct 203\\.0\\.113\\.1\\d\\d:");
    double handshake = at(lines, "quic handshake done");
    double direct = at(lines, "dcutr direct");
    double moved = at(lines, "-> direct 203.0.113.1");
    assertThat(handshake).isPositive();
    assertThat(direct).as(out).isGreaterThan(handshake);
    assertThat(moved).as("the path moved after QUIC was up on the relay").isGreaterThan(handshake);
    assertThat(at(lines, "echo received")).as("the first echo had not finished when the path moved").isGreaterThan(moved);
    assertThat(out).contains("dcutr dial").containsPattern("dcutr direct\\s+attempt 1:");
    String initiator = peers.get("pr2").output();
    System.out.println("the initiator (pr2):\n" + String.join("\n", initiator.lines()
        .filter(l -> l.contains("dcutr") || l.contains(" path ")).toList()));
    assertThat(initiator).as("the peer that received the relayed connection initiated")
        .containsPattern("dcutr connect\\s+attempt 1 of 3").contains("dcutr sync").contains("dcutr direct");
    System.out.printf("relayed up (handshake done) %.1f ms, dcutr direct %.1f ms (path moved %.1f ms)%n",
        handshake, direct, moved);
  }

  @Test
  void symmetricPairStaysRelayedAfterThreeAttemptsAndKeepsCarryingData() throws Exception {
    ExecResult r = lab.run(lab.hostNamespace("sym1"), Duration.ofSeconds(90), LabProcesses.node(
        "connect", ids.get("sym2"), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--send", "still relayed", "--json", "--method", "dcutr", "--timeout", "30000"));
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    String out = r.stdout();
    JsonObject s = new JsonObject(out.substring(out.indexOf('{')));
    System.out.println("dcutr symmetric <-> symmetric: " + s.getJsonObject("dcutr").encode()
        + " timings " + s.getJsonObject("timings").encode());
    assertThat(s.getString("path")).isEqualTo("relayed");
    JsonObject d = s.getJsonObject("dcutr");
    assertThat(d.getString("path")).isEqualTo("relayed");
    assertThat(d.getInteger("attempts")).isEqualTo(3);
    assertThat(d.getString("reason")).contains("dcutr: no direct path after 3 attempts");
    List<JsonObject> events = s.getJsonArray("timeline").stream().map(e -> (JsonObject) e).toList();
    assertThat(events).filteredOn(e -> e.getString("event").startsWith("echo"))
        .as("echoed on the relay before and after the attempts")
        .extracting(e -> e.getString("event") + ": " + e.getString("detail"))
        .containsExactly("echo received: 13 bytes, identical: \"still relayed\"",
            "echo after dcutr: 13 bytes, identical: \"still relayed\"");
    assertThat(events).filteredOn(e -> e.getString("event").equals("dcutr attempt failed")).hasSize(3);
  }
}
