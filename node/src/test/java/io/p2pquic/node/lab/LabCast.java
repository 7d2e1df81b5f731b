package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The processes of one node lab test, set up the way most of them need: the lab, a temporary directory, a
 * rendezvous on the server and long-running peers behind the routers (echo peers, usually), each found
 * ready and its peer id read. {@link #close()} stops them all, closes the lab and removes the directory.
 */
final class LabCast implements AutoCloseable {
  static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");

  final NatLab lab;
  final Path dir;
  /** The rendezvous server's IPv4 address. */
  final String server;
  private String stun;
  private LabProcesses.Running rendezvous;
  private String[] rendezvousArgs;
  private final Map<String, LabProcesses.Running> peers = new LinkedHashMap<>();
  private final Map<String, String> ids = new LinkedHashMap<>();

  private LabCast(NatLab lab, Path dir) {
    this.lab = lab;
    this.dir = dir;
    this.server = lab.serverAddress().getHostAddress();
    this.stun = server + ":3478";
  }

  /** Builds the lab (or fails under CI=true / skips without root, as {@link LabTestSupport} does). */
  static LabCast start(NatLab.Builder topology, String name) throws Exception {
    NatLab lab = LabTestSupport.start(topology);
    return new LabCast(lab, Files.createTempDirectory("p2p-" + name + "-lab"));
  }

  /**
   * The relay configuration of lab tests: open to every registered peer, a fresh secret, and allowed to
   * reach the lab's own ranges (private or reserved; refused by default).
   */
  static JsonObject turnConfig() {
    return new JsonObject().put("turn", new JsonObject().put("grant", "all-registered")
        .put("authSecret", "lab-secret-" + System.nanoTime())
        .put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24", "10.0.0.0/8")))
        .put("bandwidthBytesPerSecond", 200_000_000L));
  }

  /** Starts the rendezvous on the server bound to {@code bind} with {@code config} (none: defaults). */
  LabCast rendezvous(JsonObject config, String bind) throws Exception {
    return rendezvous(config, bind, new String[0]);
  }

  /** As {@link #rendezvous(JsonObject, String)}, with more arguments (e.g. {@code --alt-address}). */
  LabCast rendezvous(JsonObject config, String bind, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("rendezvous"));
    if (config != null) {
      Path conf = dir.resolve("rendezvous.json");
      Files.writeString(conf, config.encodePrettily());
      args.addAll(List.of("--config", conf.toString()));
    }
    args.addAll(List.of("--bind", bind));
    args.addAll(List.of(extra));
    rendezvousArgs = args.toArray(String[]::new);
    startRendezvous();
    return this;
  }

  private void startRendezvous() throws Exception {
    rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready", rendezvousArgs);
    assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).as(rendezvous.output()).isTrue();
  }

  /** Kills the rendezvous process (as a crash would) and starts it again with the same arguments. */
  LabProcesses.Running restartRendezvous(Duration down) throws Exception {
    rendezvous.stop();
    Thread.sleep(down.toMillis());
    startRendezvous();
    return rendezvous;
  }

  LabCast rendezvous(JsonObject config) throws Exception {
    return rendezvous(config, server);
  }

  /** What peers are given as {@code --stun} (default: the server's IPv4 address, port 3478). */
  LabCast stun(String servers) {
    this.stun = servers;
    return this;
  }

  String stun() {
    return stun;
  }

  String signal() {
    return "ws://" + server + ":8088/signal";
  }

  /**
   * Starts {@code peer --echo} behind each of {@code hosts} (identity {@code <host>.json} in the
   * directory, {@code extraArgs} appended), all before waiting for any, then reads their peer ids.
   */
  LabCast echoPeers(List<String> hosts, String... extraArgs) throws Exception {
    for (String host : hosts) {
      List<String> args = new ArrayList<>(List.of("peer", "--echo", "--rendezvous", signal(), "--stun", stun,
          "--identity", dir.resolve(host + ".json").toString()));
      args.addAll(List.of(extraArgs));
      peers.put(host, new LabProcesses.Running(lab, lab.hostNamespace(host), "peer id:", args.toArray(String[]::new)));
    }
    for (String host : hosts) {
      LabProcesses.Running p = peers.get(host);
      assertThat(p.awaitReady(Duration.ofSeconds(90))).as(p.output()).isTrue();
      ids.put(host, peerId(p));
    }
    return this;
  }

  /**
   * {@code connect --json --send MESSAGE} from {@code from}'s host to the echo peer behind {@code to} with
   * {@code method} and {@code extraArgs}, within {@code bound}; the JSON it printed (asserted present).
   */
  JsonObject connect(String from, String to, String method, String message, Duration bound, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("connect", id(to), "--rendezvous", signal(), "--stun", stun,
        "--send", message, "--json", "--method", method));
    args.addAll(List.of(extraArgs));
    io.p2pquic.natlab.ExecResult r = lab.run(lab.hostNamespace(from), bound,
        io.p2pquic.node.report.NodeProcess.command(args.toArray(String[]::new)));
    int brace = r.stdout().indexOf('{');
    assertThat(brace).as("connect printed no JSON: exit %d\n%s\n%s", r.exitCode(), r.stdout(), r.stderr())
        .isGreaterThanOrEqualTo(0);
    return new JsonObject(r.stdout().substring(brace)).put("exitCode", r.exitCode());
  }

  /**
   * {@link #connect} with {@code --timeout 15000} and {@code extraArgs} that must succeed (exit 0); prints a
   * line with the path, the selected pair and the timings for the test's output.
   */
  JsonObject connectOk(String from, String to, String method, String label, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("--timeout", "15000"));
    args.addAll(List.of(extraArgs));
    JsonObject session = connect(from, to, method, label + " " + method, Duration.ofSeconds(90), args.toArray(String[]::new));
    assertThat(session.getInteger("exitCode")).as(session.encodePrettily()).isZero();
    System.out.printf("%s %s -> %s (%s): path %s, final %s, pair %s, timings %s%n", label, from, to, method,
        session.getString("path"), session.getString("finalPath"), session.getJsonObject("selectedPair"),
        session.getJsonObject("timings"));
    return session;
  }

  /**
   * Asserts that {@code session} (from {@link #connectOk}) went direct to an address of {@code remoteIp};
   * its selected pair, for checks of the candidate types.
   */
  static JsonObject assertDirectTo(JsonObject session, String remoteIp) {
    assertThat(session.getString("path")).as(session.encodePrettily()).isEqualTo("direct");
    JsonObject pair = session.getJsonObject("selectedPair");
    assertThat(pair.getString("remote")).as(session.encodePrettily()).startsWith(remoteIp + ":");
    return pair;
  }

  /** The peer id of the echo peer behind {@code host}. */
  String id(String host) {
    return ids.get(host);
  }

  LabProcesses.Running peer(String host) {
    return peers.get(host);
  }

  LabProcesses.Running rendezvousProcess() {
    return rendezvous;
  }

  /** The peer id a node process printed ("peer id: pq1..."). */
  static String peerId(LabProcesses.Running p) {
    Matcher m = PEER_ID.matcher(p.output());
    assertThat(m.find()).as(p.output()).isTrue();
    return m.group(1);
  }

  @Override
  public void close() throws Exception {
    for (LabProcesses.Running p : peers.values()) {
      p.stop();
    }
    if (rendezvous != null) {
      rendezvous.stop();
    }
    lab.close();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }
}
