package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatBehavior;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Method quic-native (method 2 of draft-seemann-quic-nat-traversal) across every pair of lab NAT
 * behaviours, 20 ms one-way delay on each router's WAN: the session sockets signal over QUIC to our
 * rendezvous (UDP 8089), QUIC Initials are the checks. It connects directly wherever method ice does
 * ({@link ConnectionMatrixLabTest#directPathExists}) and fails with the reason in bounded time elsewhere.
 */
class QuicNativeLabTest {
  private static final List<NatBehavior> TYPES = List.of(
      NatBehavior.FULL_CONE, NatBehavior.ADDRESS_RESTRICTED, NatBehavior.PORT_RESTRICTED, NatBehavior.SYMMETRIC);
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private static final long CONNECT_TIMEOUT_MS = 15_000;
  /**
   * Every unordered pair with the less restrictive side dialing, plus a symmetric dialer towards each
   * cone (its Initials leave from ports the acceptor was never told of).
   */
  private static final List<NatBehavior[]> CELLS = cells();

  private static List<NatBehavior[]> cells() {
    List<NatBehavior[]> all = new ArrayList<>();
    for (int i = 0; i < TYPES.size(); i++) {
      for (int j = i; j < TYPES.size(); j++) {
        all.add(new NatBehavior[] {TYPES.get(i), TYPES.get(j)});
      }
    }
    for (NatBehavior cone : List.of(NatBehavior.FULL_CONE, NatBehavior.ADDRESS_RESTRICTED, NatBehavior.PORT_RESTRICTED)) {
      all.add(new NatBehavior[] {NatBehavior.SYMMETRIC, cone});
    }
    return all;
  }

  private static NatLab lab;
  private static LabProcesses.Running rendezvous;
  private static final Map<String, LabProcesses.Running> peers = new LinkedHashMap<>();
  private static final Map<String, String> ids = new LinkedHashMap<>();
  private static Path identities;

  /** Two routers per behaviour, so same-type pairs are tested too: "full1", "full2", ... */
  private static String name(NatBehavior nat, int i) {
    return nat.cliName().substring(0, 4).replace("-", "") + i;
  }

  @BeforeAll
  static void up() throws Exception {
    NatLab.Builder b = NatLab.builder();
    for (NatBehavior nat : TYPES) {
      for (int i = 1; i <= 2; i++) {
        b.peer(name(nat, i), nat, LinkConditions.delayMillis(20));
      }
    }
    lab = LabTestSupport.start(b);
    identities = Files.createTempDirectory("p2p-lab-ids");
    String server = lab.serverAddress().getHostAddress();
    Path conf = identities.resolve("rendezvous.json");
    Files.writeString(conf, RelayPathLabTest.turnConfig()
        .put("signalling", new JsonObject().put("quicPort", 8089)).encode());
    rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
        "rendezvous", "--config", conf.toString(), "--bind", server,
        "--alt-address", lab.serverAlternateAddress().getHostAddress());
    assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).as(rendezvous.output()).isTrue();
    // Two JVMs start at a time: eight cold JVMs at once on two cores starve their event loops for seconds
    // and registrations time out (seen in CI-like runs).
    List<String> names = lab.peerNames();
    for (int i = 0; i < names.size(); i += 2) {
      for (String peer : names.subList(i, Math.min(i + 2, names.size()))) {
        peers.put(peer, new LabProcesses.Running(lab, lab.hostNamespace(peer), "peer id:",
            "peer", "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
            "--identity", identities.resolve(peer + ".json").toString()));
      }
      for (String peer : names.subList(i, Math.min(i + 2, names.size()))) {
        LabProcesses.Running p = peers.get(peer);
        assertThat(p.awaitReady(Duration.ofSeconds(90))).as("peer %s:%n%s", peer, p.output()).isTrue();
        Matcher m = PEER_ID.matcher(p.output());
        assertThat(m.find()).isTrue();
        ids.put(peer, m.group(1));
      }
    }
  }

  @AfterAll
  static void down() throws Exception {
    for (LabProcesses.Running p : peers.values()) {
      p.stop();
    }
    if (rendezvous != null) {
      rendezvous.stop();
    }
    if (lab != null) {
      lab.close();
    }
    if (identities != null) {
      try (var files = Files.list(identities)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(identities);
    }
  }

  record Cell(NatBehavior from, NatBehavior to, boolean expected, boolean connected, double millis, String detail) {}

  /** What each cell gave: its path ("direct", "relayed") or "failure", and the detail. */
  private static Map<String, String[]> runMatrix(String method) throws Exception {
    String server = lab.serverAddress().getHostAddress();
    Map<String, String[]> byKey = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    for (NatBehavior[] cell : CELLS) {
      {
        NatBehavior from = cell[0];
        NatBehavior to = cell[1];
        pool.submit(() -> {
          String src = name(from, 1);
          String dst = name(to, 2);
          long start = System.nanoTime();
          ExecResult r = lab.run(lab.hostNamespace(src), Duration.ofSeconds(60), LabProcesses.node(
              "connect", ids.get(dst), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
              "--send", "hello " + dst, "--json", "--method", method, "--timeout", Long.toString(CONNECT_TIMEOUT_MS)));
          double ms = (System.nanoTime() - start) / 1e6;
          if (r.exitCode() == 0) {
            String out = r.stdout();
            JsonObject s = new JsonObject(out.substring(out.indexOf('{')));
            byKey.put(from + "/" + to, new String[] {s.getString("path"), String.format("%7.0f ms  %s timings %s", ms,
                s.getJsonObject("selectedPair").encode(), s.getJsonObject("timings").encode()), Double.toString(ms)});
            if (from == NatBehavior.PORT_RESTRICTED && to == NatBehavior.PORT_RESTRICTED) {
              // One cell's phases in full, both sides: where the time goes.
              System.out.println("dialer timeline (port-restricted pair):");
              s.getJsonArray("timeline").forEach(e -> System.out.println("  " + e));
            }
          } else {
            byKey.put(from + "/" + to, new String[] {"failure", String.format("%7.0f ms  %s", ms,
                r.stderr().lines().filter(l -> l.startsWith("error:")).findFirst().orElse(r.stderr())), Double.toString(ms)});
          }
        });
      }
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.MINUTES)).isTrue();
    return byKey;
  }

  @Test
  void quicNativeConnectsWhereIceDoesAndFailsCleanlyWhereNoDirectPathExists() throws Exception {
    Map<String, String[]> cells = runMatrix("quic-native");
    StringBuilder table = new StringBuilder("\nNAT matrix, method quic-native, 20 ms one-way per router (dialer -> acceptor):\n");
    for (NatBehavior[] cell : CELLS) {
      String[] c = cells.get(cell[0] + "/" + cell[1]);
      table.append(String.format("  %-19s -> %-19s expected %-7s got %-7s %s%n", cell[0].cliName(),
          cell[1].cliName(), directPathExists(cell[0], cell[1]) ? "direct" : "failure", c[0], c[1]));
    }
    System.out.println(table);
    for (NatBehavior[] cell : CELLS) {
      String[] c = cells.get(cell[0] + "/" + cell[1]);
      boolean expected = directPathExists(cell[0], cell[1]);
      assertThat(c[0]).as("%s -> %s%s", cell[0], cell[1], table).isEqualTo(expected ? "direct" : "failure");
      if (!expected) {
        assertThat(c[1]).as("a failure says why").contains("no direct path");
        assertThat(Double.parseDouble(c[2])).as("failure in bounded time").isLessThan(CONNECT_TIMEOUT_MS + 15_000);
      }
    }
  }

  static boolean directPathExists(NatBehavior a, NatBehavior b) {
    return ConnectionMatrixLabTest.directPathExists(a, b);
  }
}
