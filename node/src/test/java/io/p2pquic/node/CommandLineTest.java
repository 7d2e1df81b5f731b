package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a user of the jar sees: help, exit codes, errors naming the bad key, the demo, JSON logs. */
class CommandLineTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rendezvous", "peer", "connect", "expose", "forward", "pipe", "status", "ping", "nat-check", "relay-token",
      "demo", "lab"})
  void everyCommandExplainsItselfWithExamples(String command) {
    Result r = run(command, "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage:").contains(command.equals("lab") ? "up" : "Example");
  }

  @Test
  void peerHelpExplainsClustering() {
    Result r = run("peer", "--help");
    assertThat(r.out()).contains("--cluster", "--cluster-config", "P2P_CLUSTER", "other cluster nodes");
  }

  @Test
  void peerHelpExplainsTheBridge() {
    Result r = run("peer", "--help");
    assertThat(r.out()).contains("--bridge-port", "--bridge-bind", "P2P_BRIDGE_PORT", "no authentication",
        "127.0.0.1", "docs/bridge.md", "examples/python/p2p_bridge.py");
  }

  @Test
  void peerClusterFlagAndFileResolve(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("peer.json");
    Files.writeString(conf, "{\"cluster\": true}");
    PeerOptions options = new PeerOptions();
    options.config = conf;
    assertThat(options.resolve(null).cluster()).isTrue();
    assertThat(options.resolve(null, false).cluster()).isFalse(); // the flag wins
    options.config = null;
    assertThat(options.resolve(null, true).cluster()).isTrue();
  }

  @Test
  void topLevelHelpListsTheCommands() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("rendezvous", "peer", "nat-check", "demo", "lab", "--log-format");
  }

  @Test
  void unknownOptionIsAUsageErrorWithExitCode2() {
    Result r = run("rendezvous", "--stun-prot", "3478");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--stun-prot");
  }

  @Test
  void configFileWithAnUnknownKeyStopsWithExit2NamingTheKey(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("rendezvous.json");
    Files.writeString(conf, "{\"stun\": {\"prot\": 3478}}");
    Result r = run("rendezvous", "--config", conf.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("configuration error").contains("stun.prot is not a known key");
  }

  @Test
  void badValuesNameTheirKey(@TempDir Path dir) throws Exception {
    assertThat(run("rendezvous", "--stun-port", "70000").err()).contains("stun.port must be 0-65535");
    assertThat(run("rendezvous", "--alt-address", "127.0.0.2").err())
        .contains("stun.bind must be a specific address when stun.alternateAddress is set");
    Path conf = dir.resolve("r.json");
    Files.writeString(conf, "{\"signalling\": {\"maxMessageBytes\": 0}}");
    Result r = run("rendezvous", "--config", conf.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("signalling.maxMessageBytes");
    Files.writeString(conf, "{ not json");
    assertThat(run("rendezvous", "--config", conf.toString()).err()).contains("is not valid JSON");
    assertThat(run("connect", "not-a-peer-id").code()).isEqualTo(2);
    Result peer = run("peer", "--rendezvous", "http://x:1/signal");
    assertThat(peer.code()).isEqualTo(2);
    assertThat(peer.err()).contains("rendezvous must look like ws://HOST:PORT/signal");
  }

  @Test
  void natCheckWithABadServerAddressIsAConfigError() {
    Result r = run("nat-check", "--stun", "256.1.1.1:99999");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--stun 256.1.1.1:99999");
  }

  @Test
  void demoConnectsOverQuicOnThePunchedSocketAndEchoes() {
    Result r = run("demo", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonObject doc = new JsonObject(r.out());
    List<String> events = new ArrayList<>();
    doc.getJsonArray("timeline").forEach(e -> events.add(((JsonObject) e).getString("actor") + " " + ((JsonObject) e).getString("event")));
    assertThat(events).containsSubsequence(
        "rendezvous ready", "alice registered", "bob registered", "alice connect", "alice offer sent",
        "bob offer received", "bob answer sent", "alice answer received", "alice quic dialing",
        "alice quic handshake done", "alice echo received", "demo done");
    // QUIC starts on the first valid pair and the dialer is up after one round trip: ICE's nomination may end
    // before or after that.
    assertThat(events).contains("alice ice selected", "bob ice selected", "bob quic handshake done", "alice gathering done");
    assertThat(doc.getString("echo")).isEqualTo(DemoCommand.MESSAGE);
    JsonObject session = doc.getJsonObject("session");
    assertThat(session.getString("path")).isEqualTo("direct");
    assertThat(session.getString("role")).isEqualTo("controlling");
    JsonObject t = session.getJsonObject("timings");
    // Phases in the order they happen, each measured from the connect call.
    assertThat(t.getDouble("signalledMs")).isPositive();
    assertThat(t.getDouble("handshakeDoneMs")).isGreaterThan(t.getDouble("signalledMs"));
    if (t.containsKey("checksDoneMs")) {
      assertThat(t.getDouble("checksDoneMs")).isGreaterThan(t.getDouble("signalledMs"));
    }
  }

  @Test
  void jsonLogFormatWritesOneJsonObjectPerLogLine() throws Exception {
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--log-format", "json", "demo");
    Process p = new ProcessBuilder(cmd).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(stderr).isZero();
    assertThat(new String(stdout, StandardCharsets.UTF_8)).contains("echo received");
    List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      JsonObject j = new JsonObject(line); // throws if a log line is not JSON
      assertThat(j.getString("level")).isNotBlank();
    }
    assertThat(lines).anyMatch(l -> l.contains("rendezvous ready"));
  }
}
