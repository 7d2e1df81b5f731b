package io.p2pquic.node.report;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the connection matrix in one NAT lab: two routers per NAT behaviour (so same-type pairs are
 * covered), our rendezvous with its TURN relay on the server, an echo peer ({@code p2p-node peer})
 * behind each "to" router, and per cell one {@code p2p-node connect --repeat N --keep-going --json}
 * process behind the "from" router: N sessions from one warm JVM, each timed from the connect call to
 * the first echoed byte. Loss is changed between passes on the same lab.
 */
public final class MatrixRunner implements AutoCloseable {
  /** How long a session that came up relayed may take to move to a direct path (auto's upgrade). */
  static final long SETTLE_MS = 20_000;
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");

  private final List<NatPair> pairs;
  private final List<String> methods;
  private final int runs;
  private final long timeoutMs;
  private final PrintWriter progress;
  private final NatLab lab;
  private final Path dir;
  private final List<NodeProcess> processes = new ArrayList<>();
  private final Map<String, String> peerIds = new LinkedHashMap<>();
  private final String server;
  private final boolean dualStack;
  private Path ipv4Config;

  /** Builds the lab and starts the rendezvous and the echo peers. */
  public MatrixRunner(List<NatPair> pairs, List<String> methods, int runs, long delayMs, long timeoutMs,
      PrintWriter progress) throws Exception {
    this.pairs = pairs;
    this.methods = methods;
    this.runs = runs;
    this.timeoutMs = timeoutMs;
    this.progress = progress;
    Set<RouterNat> used = new LinkedHashSet<>();
    pairs.forEach(p -> {
      used.add(p.from());
      used.add(p.to());
    });
    NatLab.Builder b = NatLab.builder();
    for (RouterNat nat : used) {
      for (int i = 1; i <= 2; i++) {
        b.peer(host(nat, i), nat, LinkConditions.delayMillis(delayMs));
      }
    }
    for (NatPair p : pairs) {
      if (p.variant() == NatPair.Variant.PORT_MAPPING && !b.hasPeer(toHost(p))) {
        b.peer(toHost(p), p.to(), LinkConditions.delayMillis(delayMs)).portMapping(toHost(p));
      } else if (p.variant() == NatPair.Variant.SAME_LAN && !b.hasPeer(fromHost(p))) {
        b.lanHost(fromHost(p), toHost(p));
      }
    }
    dualStack = pairs.stream().anyMatch(p -> p.variant() == NatPair.Variant.IPV6);
    b.ipv6(dualStack);
    lab = b.build();
    lab.up();
    dir = Files.createTempDirectory("p2p-lab-report");
    try {
      server = lab.serverAddress().getHostAddress();
      Path conf = dir.resolve("rendezvous.json");
      Files.writeString(conf, new JsonObject().put("turn", new JsonObject().put("grant", "all-registered")
          .put("authSecret", "report-" + System.nanoTime())
          .put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24", "10.0.0.0/8")))
          .put("bandwidthBytesPerSecond", 200_000_000L))
          .put("signalling", new JsonObject().put("quicPort", 8089)).encode()); // QUIC signalling for quic-native
      NodeProcess rendezvous = start(lab.serverNamespace(), "rendezvous ready", "rendezvous", "--config", conf.toString(),
          "--bind", server, "--alt-address", lab.serverAlternateAddress().getHostAddress());
      if (!rendezvous.awaitReady(Duration.ofSeconds(90))) {
        throw new IllegalStateException("the rendezvous did not start in the lab:\n" + rendezvous.output());
      }
      // In a dual-stack lab only the IPv6 pairs' dialers gather IPv6: every other cell stays the IPv4 NAT pair it names.
      Path defaults = Path.of("conf", "peer.json");
      JsonObject ipv4 = Files.isRegularFile(defaults) ? new JsonObject(Files.readString(defaults)) : new JsonObject();
      ipv4.put("gathering", ipv4.getJsonObject("gathering", new JsonObject()).copy().put("ipv6", false));
      ipv4Config = dir.resolve("ipv4-only.json");
      Files.writeString(ipv4Config, ipv4.encodePrettily());
      // Echo peers behind the "to" routers, two JVMs at a time (more at once starve two cores).
      List<String> echoHosts = new ArrayList<>(new LinkedHashSet<>(pairs.stream().map(MatrixRunner::toHost).toList()));
      for (int i = 0; i < echoHosts.size(); i += 2) {
        List<String> batch = echoHosts.subList(i, Math.min(i + 2, echoHosts.size()));
        Map<String, NodeProcess> started = new LinkedHashMap<>();
        for (String h : batch) {
          started.put(h, start(lab.hostNamespace(h), "peer id:", "peer", "--echo", "--rendezvous", "ws://" + server + ":8088/signal",
              "--stun", server + ":3478", "--identity", dir.resolve(h + ".json").toString()));
        }
        for (Map.Entry<String, NodeProcess> e : started.entrySet()) {
          if (!e.getValue().awaitReady(Duration.ofSeconds(90))) {
            throw new IllegalStateException("echo peer " + e.getKey() + " did not register:\n" + e.getValue().output());
          }
          Matcher m = PEER_ID.matcher(e.getValue().output());
          if (!m.find()) {
            throw new IllegalStateException("echo peer " + e.getKey() + " printed no peer id:\n" + e.getValue().output());
          }
          peerIds.put(e.getKey(), m.group(1));
        }
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Lab host name of the i-th router of a behaviour: "full1", "port2", ... */
  static String host(RouterNat nat, int i) {
    return nat.cliName().substring(0, 4).replace("-", "") + i;
  }

  /** The dialer's host: behind the first router of its NAT, or on the peer's LAN for a same-LAN pair ("lsymm2"). */
  static String fromHost(NatPair p) {
    return p.variant() == NatPair.Variant.SAME_LAN ? "l" + host(p.to(), 2) : host(p.from(), 1);
  }

  /** The echo peer's host: behind the second router of its NAT, or its port-mapping twin ("msymm2"). */
  static String toHost(NatPair p) {
    return p.variant() == NatPair.Variant.PORT_MAPPING ? "m" + host(p.to(), 2) : host(p.to(), 2);
  }

  public NatLab lab() {
    return lab;
  }

  /** One pass over every cell with {@code lossPercent} random loss on every router's WAN (each direction). */
  public List<CellResult> run(double lossPercent) throws Exception {
    for (String peer : lab.peerNames()) {
      lab.setLoss(peer, lossPercent);
    }
    List<CellResult> out = new ArrayList<>();
    int total = pairs.size() * methods.size();
    long start = System.nanoTime();
    int i = 0;
    for (NatPair pair : pairs) {
      for (String method : methods) {
        i++;
        CellResult c = cell(pair, method, lossPercent);
        out.add(c);
        double elapsed = (System.nanoTime() - start) / 1e9;
        progress.printf(Locale.ROOT, "[loss %s%%] cell %d/%d %-40s %-12s %d/%d connected%s%s   %.0f s elapsed, ETA %.0f s%n",
            fmt(lossPercent), i, total, pair, method, c.successes(), c.runs(),
            c.successes() > 0 ? String.format(Locale.ROOT, ", median %.0f ms, %s", c.median(), c.winningPath()) : "",
            c.notAvailable() ? " (n/a)" : c.asExpected() ? "" : "  UNEXPECTED (expected " + c.expected().label() + ")",
            elapsed, elapsed / i * (total - i));
        progress.flush();
      }
    }
    return out;
  }

  private CellResult cell(NatPair pair, String method, double loss) {
    Expectation expected = Expectations.of(method, pair);
    String to = toHost(pair);
    Duration bound = Duration.ofMillis((runs + 1) * (timeoutMs + SETTLE_MS + 40_000L) + 60_000L);
    List<String> args = new ArrayList<>(List.of(
        "connect", peerIds.get(to), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--send", "report " + pair + " " + method, "--json", "--method", method, "--timeout", Long.toString(timeoutMs),
        "--repeat", Integer.toString(runs), "--warmup", "1", "--keep-going", "--settle", Long.toString(SETTLE_MS)));
    if (dualStack && pair.variant() != NatPair.Variant.IPV6) {
      args.addAll(List.of("--config", ipv4Config.toString()));
    }
    ExecResult r = lab.run(lab.hostNamespace(fromHost(pair)), bound, NodeProcess.command(args.toArray(String[]::new)));
    String out = r.stdout();
    int brace = out.indexOf('{');
    if (brace >= 0) {
      try {
        return CellResult.fromConnectOutput(pair.from().cliName(), pair.toLabel(), method, loss, runs,
            new JsonObject(out.substring(brace)), expected);
      } catch (RuntimeException e) {
        // not JSON after all: report the process's error below
      }
    }
    String error = r.stderr().lines().filter(l -> l.startsWith("error:") || l.startsWith("configuration error:"))
        .findFirst().orElse("exit " + r.exitCode() + ": " + r.stderr().strip());
    return CellResult.failed(pair.from().cliName(), pair.toLabel(), method, loss, runs, error, expected);
  }

  private NodeProcess start(String namespace, String ready, String... args) throws Exception {
    NodeProcess p = new NodeProcess(lab, namespace, ready, args);
    processes.add(p);
    return p;
  }

  static String fmt(double loss) {
    return loss == Math.rint(loss) ? Long.toString((long) loss) : Double.toString(loss);
  }

  @Override
  public void close() throws Exception {
    for (NodeProcess p : processes) {
      p.stop();
    }
    lab.close();
    if (dir != null && Files.exists(dir)) {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
