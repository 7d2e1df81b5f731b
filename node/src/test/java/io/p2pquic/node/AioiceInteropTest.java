package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.api.timeline.TimelineEvent;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ICE against an agent nobody here wrote: aioice (Debian python3-aioice, importable by /usr/bin/python3
 * only) behind our rendezvous, speaking our session protocol (node/src/test/python/aioice_peer.py).
 * Our side is a whole {@link PeerNode} (puncher sessions, trickle, IceAgent on a wildcard socket).
 *
 * <p>aioice does not speak QUIC, so the criterion is ICE itself: both agents select the same pair
 * (mirrored addresses) within bounded time, with aioice controlling (it nominates aggressively: every
 * check carries USE-CANDIDATE) and controlled (our regular nomination). The QUIC handshake that our
 * side then tries fails; that is expected and not asserted.
 *
 * <p>Skipped when /usr/bin/python3 cannot import aioice, unless CI=true (CI installs it): then it fails.
 */
class AioiceInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final long ICE_DEADLINE_MS = 20_000;
  /** "host 192.0.2.2:40000 -> prflx 192.0.2.2:50000" (CandidatePair.describe). */
  private static final Pattern PAIR = Pattern.compile("(\\w+) (\\S+) -> (\\w+) (\\S+)");

  private static Vertx vertx;
  private static PeerConfig config;
  private static SimpleMeterRegistry metrics;
  private Process aioice;
  private Path aioiceLog;

  @BeforeAll
  static void up() throws Exception {
    String why = aioiceMissing();
    if (why != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true but " + why + ": CI must install python3-aioice (apt-get install python3-aioice)");
      }
      Assumptions.abort(why + "; install python3-aioice (Debian) to run this interop test");
    }
    vertx = Vertx.vertx();
    metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))),
        metrics);
    await(vertx.deployVerticle(rendezvous));
    // aioice's host candidates leave out loopback, so ours must include the machine's other addresses
    // (they do by default); loopback too, as the other tests gather it: aioice must cope with it.
    config = PeerConfig.fromJson(new JsonObject().put("quicTimeoutMs", 3_000))
        .setRendezvous("ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .setGathering(new GatheringOptions().stunServers(List.of("127.0.0.1:" + rendezvous.stunAddress().getPort()))
            .includeLoopback(true).ipv6(false));
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
    Timeline timeline = new Timeline();
    PeerNode ours = await(PeerNode.start(vertx, config, PeerIdentity.generate(), metrics, timeline, "ours", false));
    Lines out = startAioice("--offer-to", ours.puncher.peerId().value());
    out.expect("PEER ", 15_000);
    out.expect("SESSION ", 5_000);
    String connected = out.expect("CONNECTED ", ICE_DEADLINE_MS);
    TimelineEvent selected = awaitEvent(timeline, "ice selected", 5_000);
    assertMirrored(selected, connected);
    report("aioice controlling", timeline, "offer received", selected, aioiceLog);
  }

  /** Our peer offers and controls (regular nomination); aioice answers (controlled). */
  @Test
  void aioiceControlled() throws Exception {
    Timeline timeline = new Timeline();
    PeerNode ours = await(PeerNode.start(vertx, config, PeerIdentity.generate(), metrics, timeline, "ours", false));
    Lines out = startAioice();
    PeerId theirs = PeerId.parse(out.expect("PEER ", 15_000).substring(5));
    long start = System.nanoTime();
    Future<JsonObject> session = ours.puncher.connect(theirs, ICE_DEADLINE_MS); // fails later at QUIC: not asserted
    session.onFailure(err -> timeline.mark("test", "session ended (expected: aioice has no QUIC)", err.getMessage()));
    out.expect("SESSION ", 5_000);
    TimelineEvent selected = awaitEvent(timeline, "ice selected", ICE_DEADLINE_MS);
    String connected = out.expect("CONNECTED ", Math.max(1, ICE_DEADLINE_MS - (System.nanoTime() - start) / 1_000_000));
    assertMirrored(selected, connected);
    report("aioice controlled", timeline, "connect", selected, aioiceLog);
  }

  private void assertMirrored(TimelineEvent selected, String connected) {
    Matcher m = PAIR.matcher(selected.detail());
    assertThat(m.matches()).as("our selected pair '%s'", selected.detail()).isTrue();
    String ourLocal = m.group(2);
    String ourRemote = m.group(4);
    String[] theirs = connected.split(" ");
    assertThat(theirs).as("aioice's line '%s'", connected).hasSize(3);
    assertThat(theirs[1]).as("aioice's local address is our remote (our pair: %s)", selected.detail()).isEqualTo(ourRemote);
    assertThat(theirs[2]).as("aioice's remote address is our local (our pair: %s)", selected.detail()).isEqualTo(ourLocal);
    assertThat(ourLocal).as("aioice gathers no loopback, so the path is not loopback").doesNotStartWith("127.");
  }

  private static void report(String name, Timeline timeline, String startEvent, TimelineEvent selected, Path aioiceLog)
      throws IOException {
    double begin = timeline.at(startEvent);
    System.out.printf("%s: selected %s, %.1f ms after '%s'%n%s", name, selected.detail(), selected.atMillis() - begin,
        startEvent, dump(timeline));
    System.out.println("  aioice's log:");
    Files.readAllLines(aioiceLog).forEach(l -> System.out.println("    " + l));
  }

  private static TimelineEvent awaitEvent(Timeline timeline, String event, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      for (TimelineEvent e : timeline.events()) {
        if (e.event().equals(event)) {
          return e;
        }
        if (e.event().equals("ice failed")) {
          fail("our ICE failed: " + e.detail() + "\n" + dump(timeline));
        }
      }
      Thread.sleep(20);
    }
    return fail("no '" + event + "' on our side within " + timeoutMs + " ms\n" + dump(timeline));
  }

  private static String dump(Timeline timeline) {
    StringBuilder sb = new StringBuilder();
    timeline.events().forEach(e -> sb.append(String.format("  %8.1f ms %s %s: %s%n", e.atMillis(), e.actor(), e.event(), e.detail())));
    return sb.toString();
  }

  private Lines startAioice(String... extra) throws IOException {
    Path script = script();
    aioiceLog = Files.createTempFile("aioice-peer", ".log");
    List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), "--rendezvous", config.rendezvous().toString(),
        "--timeout", String.valueOf(ICE_DEADLINE_MS / 1000), "--linger", "5", "--verbose"));
    cmd.addAll(List.of(extra));
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
      long deadline = System.nanoTime() + timeoutMs * 1_000_000;
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

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
