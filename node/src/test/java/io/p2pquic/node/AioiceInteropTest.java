package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.p2pquic.testsupport.RealPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.api.timeline.TimelineEvent;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * ICE against an agent nobody here wrote: aioice (Debian python3-aioice, importable by /usr/bin/python3
 * only) behind our rendezvous, speaking our session protocol (node/src/test/python/aioice_peer.py:
 * offer/answer/candidate/end-of-candidates with a sessionId; we trickle everything, aioice sends all
 * its candidates in its description). Our side is a whole {@link PeerNode}: puncher session, trickle,
 * IceAgent on a wildcard socket.
 *
 * <p>aioice does not speak QUIC, so the criterion is ICE itself: both agents select the same pair
 * (mirrored addresses) in bounded time, with aioice controlling (it nominates aggressively: every check
 * carries USE-CANDIDATE) and controlled (our regular nomination), through role conflicts, and with two
 * working paths. The QUIC handshake our side then tries fails; that is expected and not asserted.
 *
 * <p>Skipped when /usr/bin/python3 cannot import aioice, unless CI=true (CI installs it): then it fails.
 */
class AioiceInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final long ICE_DEADLINE_MS = 20_000;
  /** "host 192.0.2.2:40000 -> prflx 192.0.2.2:50000" (CandidatePair.describe). */
  private static final Pattern PAIR = Pattern.compile("(\\w+) (\\S+) -> (\\w+) (\\S+)");
  /** The detail of "ice role switched": "now controlled: the peer is controlling too and ...". */
  private static final Pattern ROLE_SWITCH = Pattern.compile("now (controlling|controlled)\\b.*");

  private static Vertx vertx;
  private static PeerConfig config;
  private Process aioice;
  private Path aioiceLog;

  @BeforeAll
  static void up() throws Exception {
    String why = aioiceMissing();
    RealPeers.require(why == null, why + "; install python3-aioice (Debian) to run this interop test");
    vertx = Vertx.vertx();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(LoopbackCast.rendezvousJson(new JsonObject())),
        new SimpleMeterRegistry());
    await(vertx.deployVerticle(rendezvous));
    // aioice's host candidates leave out loopback, so ours must include the machine's other addresses
    // (they do by default); loopback too, as the other tests gather it: aioice must cope with it.
    config = PeerConfig.fromJson(new JsonObject().put("quicTimeoutMs", 3_000))
        .setRendezvous(LoopbackCast.signalUrl(rendezvous)).setGathering(LoopbackCast.gathering(rendezvous));
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @AfterEach
  void stopAioice() throws Exception {
    if (aioice != null) {
      aioice.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (aioiceLog != null) {
      Files.deleteIfExists(aioiceLog);
    }
  }

  /** aioice offers and controls; our peer answers (controlled) and must select the pair aioice nominated. */
  @Test
  void aioiceControlling() throws Exception {
    run(true, List.of(), "controlling", "controlled");
  }

  /** Our peer offers and controls (regular nomination); aioice answers (controlled). */
  @Test
  void aioiceControlled() throws Exception {
    run(false, List.of(), "controlled", "controlling");
  }

  /**
   * Both start controlling (aioice answers but claims controlling); our tie-breaker is larger, so
   * aioice gets 487 Role Conflict (RFC 8445 7.3.1.1) and switches to controlled.
   */
  @Test
  void roleConflictBothControllingWeWin() throws Exception {
    run(false, List.of("--ice-role", "controlling", "--tie-breaker", "low"), "controlled", "controlling");
  }

  /** Both start controlling; aioice's tie-breaker is larger: we get 487 and switch to controlled. */
  @Test
  void roleConflictBothControllingAioiceWins() throws Exception {
    run(false, List.of("--ice-role", "controlling", "--tie-breaker", "high"), "controlling", "controlled");
  }

  /**
   * Both start controlled (aioice offers but claims controlled); aioice's tie-breaker is larger, so it
   * switches to controlling and the roles end as the offer/answer meant. (The other outcome, our side
   * switching to controlling after answering, makes our session give up at selection by design:
   * IceSession installs the accepting QUIC server at session start.)
   */
  @Test
  void roleConflictBothControlledAioiceWins() throws Exception {
    run(true, List.of("--ice-role", "controlled", "--tie-breaker", "high"), "controlling", "controlled");
  }

  /**
   * Two working paths (aioice also gathers 127.0.0.1, which it normally leaves out): aioice nominates
   * aggressively (USE-CANDIDATE on every check), so both pairs may be nominated; both agents must use
   * the same one.
   */
  @Test
  void twoPathsAioiceControlling() throws Exception {
    run(true, List.of("--gather-loopback"), "controlling", "controlled");
  }

  /** Two working paths, our regular nomination picks one; aioice must take that one. */
  @Test
  void twoPathsAioiceControlled() throws Exception {
    run(false, List.of("--gather-loopback"), "controlled", "controlling");
  }

  /**
   * One session between a fresh PeerNode of ours and aioice started with {@code options}: aioice offers
   * ({@code --offer-to}) or our side connects. Checks the ICE outcome of both and their final roles.
   */
  private void run(boolean aioiceOffers, List<String> options, String aioiceRole, String ourRole) throws Exception {
    Timeline timeline = new Timeline();
    try {
      session(timeline, aioiceOffers, options, aioiceRole, ourRole);
    } catch (AssertionError | Exception e) {
      System.out.printf("%s %s %s: %s%nour timeline:%n%s", e instanceof TestAbortedException ? "SKIPPED" : "FAILED",
          aioiceOffers ? "aioice offers" : "we offer", options, e.getMessage(), dump(timeline));
      throw e;
    }
  }

  private void session(Timeline timeline, boolean aioiceOffers, List<String> options, String aioiceRole, String ourRole)
      throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    PeerNode ours = await(PeerNode.start(vertx, config, PeerIdentity.generate(), metrics, timeline, "ours", false));
    List<String> args = new ArrayList<>(options);
    if (aioiceOffers) {
      args.addAll(List.of("--offer-to", ours.puncher.peerId().value()));
    }
    Lines out = startAioice(args);
    PeerId theirs = PeerId.parse(out.expect("PEER ", 15_000).substring(5));
    long start = System.nanoTime();
    if (!aioiceOffers) {
      ours.puncher.connect(theirs, ICE_DEADLINE_MS) // ends at QUIC, which aioice lacks: not asserted
          .onFailure(err -> timeline.mark("test", "session ended (expected: aioice has no QUIC)", err.getMessage()));
    }
    out.expect("SESSION ", 5_000);
    String connected = out.expect("CONNECTED ", ICE_DEADLINE_MS);
    TimelineEvent selected = awaitEvent(timeline, "ice selected", ICE_DEADLINE_MS - elapsedMs(start));
    String last = out.expect("FINAL ", 15_000);
    report((aioiceOffers ? "aioice offers " : "we offer ") + options, timeline, aioiceOffers ? "offer received" : "connect",
        selected, aioiceLog);

    Matcher m = PAIR.matcher(selected.detail());
    assertThat(m.matches()).as("our selected pair '%s'", selected.detail()).isTrue();
    String ourLocal = m.group(2);
    String ourRemote = m.group(4);
    String[] aioicePair = connected.split(" "); // CONNECTED local remote role
    assertThat(aioicePair).as("aioice's line '%s'", connected).hasSize(4);
    String mirror = ourRemote + " " + ourLocal;
    if ((aioicePair[1] + " " + aioicePair[2]).equals(mirror)) {
      assertThat(aioicePair[1]).as("aioice's local address is our remote (our pair: %s)", selected.detail()).isEqualTo(ourRemote);
      assertThat(aioicePair[2]).as("aioice's remote address is our local (our pair: %s)", selected.detail()).isEqualTo(ourLocal);
    } else {
      assertOursIsAioicesBestNominated(out, mirror, connected);
    }
    if (!options.contains("--gather-loopback")) {
      assertThat(ourLocal).as("aioice gathers no loopback, so the path is not loopback").doesNotStartWith("127.");
    }
    assertThat(last).as("aioice still uses the pair it nominated (%s) after answering our later checks", connected)
        .isEqualTo("FINAL " + aioicePair[1] + " " + aioicePair[2]);
    assertThat(timeline.events().stream().filter(e -> e.event().equals("ice selected")).count())
        .as("our agent selected once").isEqualTo(1);

    String ourFinalRole = finalRole(timeline, aioiceOffers ? "controlled" : "controlling", selected);
    assertThat(aioicePair[3]).as("aioice's final role").isEqualTo(aioiceRole);
    assertThat(ourFinalRole).as("our final role").isEqualTo(ourRole);

    // Each side understands the other's attributes: nothing rejected but role conflicts, no error
    // response from aioice, every response's MESSAGE-INTEGRITY verifies.
    metrics.find("p2p.ice.rejected").counters().stream()
        .filter(c -> !"role-conflict".equals(c.getId().getTag("reason")))
        .forEach(c -> assertThat(c.count()).as("%s%s", c.getId().getName(), c.getId().getTags()).isZero());
    assertThat(count(metrics, "p2p.ice.checks.failed", "reason", "error-response")).as("error responses from aioice").isZero();
    assertThat(count(metrics, "p2p.ice.dropped", "reason", "bad-response-integrity")).as("responses failing integrity").isZero();
  }

  /**
   * aioice 0.8.0, controlling, puts USE-CANDIDATE on every check and keeps whichever nominated check
   * succeeded last before its connect() resumed, not the highest-priority nominated pair that RFC 8445
   * 8.1.1 (and RFC 5245 8.1.1.2 for aggressive nomination) requires of both agents. When two responses
   * reach it together it can end on a lower-priority pair than ours. Then the disagreement is aioice's,
   * and what we can check is that our agent holds the pair the RFC requires: aioice's best nominated one.
   */
  private static void assertOursIsAioicesBestNominated(Lines out, String mirror, String connected) {
    List<String> nominated = out.seen("NOMINATED ");
    assertThat(nominated)
        .as("aioice kept %s; unless it nominated several pairs and our selection is its best one (its own"
            + " last-success-wins race), the two agents disagree", connected)
        .hasSizeGreaterThan(1)
        .first().isEqualTo("NOMINATED " + mirror);
    System.out.println("aioice nominated " + nominated + " and kept " + connected + "; ours is its best nominated pair "
        + mirror + ", as RFC 8445 8.1.1 requires (aioice's nomination race)");
  }

  /** Our ICE role at selection: the session's initial role, flipped by each "ice role switched" before it. */
  private static String finalRole(Timeline timeline, String initial, TimelineEvent selected) {
    String role = initial;
    for (TimelineEvent e : timeline.events()) {
      if (e.atMillis() > selected.atMillis()) {
        break;
      }
      Matcher m = ROLE_SWITCH.matcher(e.detail());
      if (e.event().equals("ice role switched") && m.matches()) {
        role = m.group(1);
      }
    }
    return role;
  }

  private static double count(SimpleMeterRegistry metrics, String name, String tag, String value) {
    return metrics.find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static void report(String name, Timeline timeline, String startEvent, TimelineEvent selected, Path aioiceLog)
      throws IOException {
    double begin = timeline.at(startEvent);
    System.out.printf("%s: selected %s, %.1f ms after '%s'%n%s", name, selected.detail(), selected.atMillis() - begin,
        startEvent, dump(timeline));
    System.out.println("  aioice's log:");
    Files.readAllLines(aioiceLog).forEach(l -> System.out.println("    " + l));
  }

  /** The first {@code event} on our timeline; fails at once if our ICE failed. */
  private static TimelineEvent awaitEvent(Timeline timeline, String event, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + Math.max(1, timeoutMs) * 1_000_000;
    while (System.nanoTime() < deadline) {
      for (TimelineEvent e : timeline.events()) {
        if (e.event().equals(event)) {
          return e;
        }
        if (e.event().equals("ice failed")) {
          fail("our ICE failed: " + e.detail());
        }
      }
      Thread.sleep(20);
    }
    return fail("no '" + event + "' on our side within " + timeoutMs + " ms");
  }

  private static String dump(Timeline timeline) {
    StringBuilder sb = new StringBuilder();
    timeline.events().forEach(e -> sb.append(String.format("  %8.1f ms %s %s: %s%n", e.atMillis(), e.actor(), e.event(), e.detail())));
    return sb.toString();
  }

  private Lines startAioice(List<String> extra) throws IOException {
    Path script = script();
    aioiceLog = Files.createTempFile("aioice-peer", ".log");
    List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), "--rendezvous", config.rendezvous().toString(),
        "--timeout", String.valueOf(ICE_DEADLINE_MS / 1000), "--linger", "2", "--verbose"));
    cmd.addAll(extra);
    aioice = new ProcessBuilder(cmd).redirectError(aioiceLog.toFile()).start();
    return new Lines(aioice, aioiceLog);
  }

  private static Path script() {
    for (Path p : List.of(Path.of("src/test/python/aioice_peer.py"), Path.of("node/src/test/python/aioice_peer.py"))) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException("aioice_peer.py not found from " + Path.of("").toAbsolutePath());
  }

  /** Why aioice cannot run here, or null. */
  private static String aioiceMissing() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return PYTHON + " does not exist";
    }
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import aioice, websockets, cryptography").redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return PYTHON + " -c 'import aioice' did not finish in 30 s";
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.exitValue() == 0 ? null : PYTHON + " cannot import aioice/websockets/cryptography: " + output;
    } catch (IOException | InterruptedException e) {
      return PYTHON + " could not be run: " + e;
    }
  }

  /** The script's stdout, line by line, read on a thread so that waits are bounded. */
  private static final class Lines {
    private static final String EOF = "\u0000EOF";
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Path log;

    Lines(Process process, Path log) {
      this.log = log;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process was killed
        } finally {
          lines.add(EOF);
        }
      }, "aioice-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line starting with {@code prefix}; fails on FAILED, end of output or timeout. */
    String expect(String prefix, long timeoutMs) throws InterruptedException {
      long deadline = System.nanoTime() + Math.max(1, timeoutMs) * 1_000_000;
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          return fail("aioice printed no '" + prefix.trim() + "' within " + timeoutMs + " ms" + context());
        }
        if (line.equals(EOF)) {
          lines.add(EOF);
          return fail("aioice exited before '" + prefix.trim() + "'" + context());
        }
        seen.add(line);
        if (line.startsWith(prefix)) {
          return line;
        }
        if (line.startsWith("FAILED")) {
          return fail("aioice: " + line + context());
        }
      }
    }

    /** The lines read so far that start with {@code prefix}, in order. */
    List<String> seen(String prefix) {
      return seen.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    private String context() {
      String stderr;
      try {
        List<String> all = Files.readAllLines(log);
        stderr = String.join("\n", all.subList(Math.max(0, all.size() - 80), all.size()));
      } catch (IOException e) {
        stderr = "(" + e + ")";
      }
      return "\nstdout so far: " + seen + "\naioice log (last 80 lines):\n" + stderr;
    }
  }
}
