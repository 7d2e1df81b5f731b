package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.dcutr.DcutrUpgrade;
import io.p2pquic.puncher.session.ConnectMethod;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.vertx.core.Promise;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.p2pquic.api.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = {
      "Connect to a peer once, send TEXT or a file, and check the echo (the peer runs 'p2p-node peer --echo').",
      "Registers, finds a path (direct with ICE, or through a TURN relay), brings QUIC up on the session socket, "
          + "sends on the session's stream and compares the echo's SHA-256. Prints the timeline, the selected pair "
          + "and the phase timings (ms since the connect call); --json prints the session description. A file "
          + "transfer shows progress on a terminal, and a relay's bandwidth limit is named when the session stays "
          + "relayed. Exit 1 if no path could be found, with the reason; 2 for bad usage.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node connect pq1... --rendezvous ws://203.0.113.10:8088/signal --stun 203.0.113.10:3478 --send hello",
      "  p2p-node connect pq1... --rendezvous ws://127.0.0.1:8088/signal --file big.bin   (checks the SHA-256 of the echo)",
    })
final class ConnectCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "PEER_ID", description = "The peer to reach (printed by 'p2p-node peer').")
  String peer;

  @Mixin PeerOptions peerOptions;

  @Option(names = "--identity", paramLabel = "FILE", description = "Identity file (default: a fresh key for this run).")
  String identity;

  @ArgGroup(exclusive = true)
  Payload payload;

  static final class Payload {
    @Option(names = "--send", paramLabel = "TEXT", description = "Send TEXT and print the echo.") String text;
    @Option(names = "--file", paramLabel = "PATH", description = "Send the file and compare the echo's SHA-256.") Path file;
  }

  @Option(names = "--timeout", paramLabel = "MS", description = "Give up connecting after MS (default: connectTimeoutMs, 20000).")
  Long timeoutMs;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto",
      description = "auto (default: relay at once if configured, upgrade to direct), ice (direct only, method 1), relay (only relayed "
          + "candidates), dcutr (relayed first, then libp2p DCUtR over the relayed connection; waits for its outcome), tcp (TCP "
          + "simultaneous open + TLS 1.3; needs a STUN server), quic-native (method 2: QUIC signalling from the session socket, QUIC "
          + "Initials as checks).")
  String method;

  @Option(names = "--json", description = "Print the session description (with timings) as JSON; on failure {\"error\": ...}.")
  boolean json;

  @Option(names = "--quiet", description = "No progress line on stderr during a --file transfer.")
  boolean quiet;

  @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
      description = "Connect N times in this process (a new session each, closed after its echo) and print the median, min and max of "
          + "every phase: the benchmark of docs/benchmarks.md.")
  int repeat;

  @Option(names = "--warmup", paramLabel = "K", defaultValue = "0",
      description = "With --repeat: K unmeasured connections first (a cold JVM's first session pays for class loading and JIT).")
  int warmup;

  @Option(names = "--settle", paramLabel = "MS", defaultValue = "0",
      description = "After the echo, wait up to MS for a session that is not on a direct path yet to move to one (auto's upgrade); "
          + "records finalPath and directAfterMs, and echoes again on the direct path. Used by `lab report`.")
  long settleMs;

  @Option(names = "--keep-going",
      description = "With --repeat: record a failed run ({\"error\": ...} in the JSON runs) and go on instead of stopping; exits 1 only "
          + "if every run failed. Used by `lab report`.")
  boolean keepGoing;

  @Spec CommandSpec spec;

  /** The error of the last failed run, as printed. */
  private String lastError;
  /** Why the last connect failed ({@code reason} in --json output), null when it was not the connect. */
  private io.p2pquic.api.session.ConnectFailure lastReason;

  @Override
  public Integer call() throws IOException {
    PeerId target = ForwardCommand.parsePeer(peer);
    ForwardCommand.parseMethod(method); // a bad --method fails here, before the peer starts
    if (repeat < 1) {
      throw new ConfigException("--repeat must be at least 1, is " + repeat);
    }
    if (warmup < 0) {
      throw new ConfigException("--warmup must not be negative, is " + warmup);
    }
    if (payload != null && payload.file != null && !Files.isReadable(payload.file)) {
      throw new ConfigException("--file " + payload.file + ": " + (Files.exists(payload.file) ? "cannot be read"
          : "no such file"));
    }
    PeerConfig cfg = peerOptions.resolve(identity, null, j -> ConfigFiles.with(j, "control.port", 0));
    Buffer data = payload == null ? null
        : payload.text != null ? Buffer.buffer(payload.text, "UTF-8") : Buffer.buffer(Files.readAllBytes(payload.file));
    PrintWriter out = spec.commandLine().getOut();
    Timeline timeline = new Timeline();
    if (!json) {
      timeline.listener(e -> {
        out.println(e.format());
        out.flush();
      });
    }
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx();
    PeerNode[] started = {null};
    try {
      PeerIdentity me = identity == null ? PeerIdentity.generate() : null;
      PeerNode node = started[0] = NodeRuntime.await(PeerNode.start(vertx, cfg, me, metrics, timeline, "me", false),
          Duration.ofSeconds(30), "registering with " + cfg.rendezvous());
      long timeout = timeoutMs != null ? timeoutMs : cfg.connectTimeoutMs();
      List<JsonObject> runs = new ArrayList<>();
      for (int w = 0; w < warmup; w++) {
        JsonObject session = once(vertx, node, target, timeout, data, timeline);
        if (session != null) {
          NodeRuntime.await(vertx.eventBus().request(Addresses.sessionClose(node.puncher.peerId(), session.getString("sessionId")),
              new JsonObject().put("reason", "warm-up done")), Duration.ofSeconds(10), "closing the session");
        }
      }
      for (int i = 0; i < repeat; i++) {
        long t0 = System.nanoTime();
        JsonObject session = once(vertx, node, target, timeout, data, timeline);
        if (session == null) {
          if (!keepGoing) {
            if (json) {
              out.println(failure().encodePrettily());
              out.flush();
            }
            return ExitCodes.FAILURE;
          }
          runs.add(failure().put("failedAfterMs", Math.round((System.nanoTime() - t0) / 1e5) / 10.0));
          continue;
        }
        runs.add(session);
        if (repeat > 1) {
          NodeRuntime.await(vertx.eventBus().request(Addresses.sessionClose(node.puncher.peerId(), session.getString("sessionId")),
              new JsonObject().put("reason", "benchmark run done")), Duration.ofSeconds(10), "closing the session");
        }
      }
      List<JsonObject> succeeded = runs.stream().filter(r -> !r.containsKey("error")).toList();
      if (succeeded.isEmpty()) {
        if (json) {
          out.println(new JsonObject().put("runs", new JsonArray(runs)).put("summary", new JsonObject()).encodePrettily());
          out.flush();
        }
        return ExitCodes.FAILURE;
      }
      JsonObject session = succeeded.get(succeeded.size() - 1);
      JsonObject summary = repeat > 1 ? summary(succeeded) : null;
      if (json) {
        JsonObject doc = repeat > 1 ? new JsonObject().put("runs", new JsonArray(runs)).put("summary", summary)
            : session.put("timeline", timeline.toJson());
        out.println(doc.encodePrettily());
      } else {
        out.printf("%nsession %s: %s, pair %s -> %s, rtt %s ms%n", session.getString("sessionId"), session.getString("path"),
            session.getJsonObject("selectedPair").getString("local"), session.getJsonObject("selectedPair").getString("remote"),
            session.getValue("rttMs"));
        out.println("phases since connect: " + PeerNode.phases(session));
        if (summary != null) {
          out.printf("%n%d runs, ms since the connect call: median (min-max)%n", repeat);
          summary.forEach(e -> {
            JsonObject p = (JsonObject) e.getValue();
            out.printf("  %-16s %8.1f (%.1f-%.1f)%n", e.getKey(), p.getDouble("median"), p.getDouble("min"), p.getDouble("max"));
          });
        }
      }
      out.flush();
      return ExitCodes.OK;
    } finally {
      if (started[0] != null) {
        NodeRuntime.awaitCleanup(started[0].goodbye("connect done").otherwiseEmpty(), Duration.ofSeconds(3), "closing");
      }
      NodeRuntime.awaitCleanup(vertx.close(), Duration.ofSeconds(10), "stopping");
    }
  }

  /**
   * One connect (+ echo of {@code data}); null after printing the error if it failed. With method dcutr,
   * also waits for the upgrade's outcome (the {@code dcutr} session event: direct, or relayed after its
   * attempts), adds it to the description, and echoes {@code data} once more on the final path.
   */
  private JsonObject once(Vertx vertx, PeerNode node, PeerId target, long timeout, Buffer data, Timeline timeline) {
    long start = System.nanoTime();
    JsonObject session;
    // Listening before the connect: the outcome may come before the echo is back.
    Map<String, Promise<JsonObject>> dcutr = new ConcurrentHashMap<>();
    MessageConsumer<JsonObject> outcomes = ConnectMethod.parse(method) != ConnectMethod.DCUTR ? null
        : vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> {
          if ("dcutr".equals(m.body().getString("type")) && node.puncher.peerId().value().equals(m.body().getString("localPeer"))) {
            dcutr.computeIfAbsent(m.body().getString("sessionId"), id -> Promise.promise()).tryComplete(m.body());
          }
        });
    // Path moves of this peer's sessions (auto's upgrade to direct), for --settle.
    Map<String, Promise<Double>> direct = new ConcurrentHashMap<>();
    MessageConsumer<JsonObject> moves = settleMs <= 0 ? null
        : vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> {
          if ("path-changed".equals(m.body().getString("type")) && "direct".equals(m.body().getString("path"))
              && node.puncher.peerId().value().equals(m.body().getString("localPeer"))) {
            direct.computeIfAbsent(m.body().getString("sessionId"), id -> Promise.promise())
                .tryComplete(Math.round((System.nanoTime() - start) / 1e5) / 10.0);
          }
        });
    try {
      session = NodeRuntime.await(node.puncher.connect(target, timeout, ConnectMethod.parse(method)), Duration.ofMillis(timeout + 5_000),
          "connecting");
    } catch (RuntimeException e) {
      lastError = why(e);
      lastReason = io.p2pquic.api.session.ConnectFailure.find(e).orElse(null);
      spec.commandLine().getErr().println("error: " + lastError);
      if (outcomes != null) {
        outcomes.unregister();
      }
      if (moves != null) {
        moves.unregister();
      }
      return null;
    } finally {
      if (moves != null) {
        moves.completion(); // registered before the connect went out (local consumer: at once)
      }
    }
    if (data != null) {
      if (!echo(vertx, node, session, data, timeline, "echo received")) {
        return null;
      }
      double ms = Math.round((System.nanoTime() - start) / 1e5) / 10.0;
      session.getJsonObject("timings").put("firstByteMs", ms);
    }
    if (outcomes != null) {
      long bound = DcutrUpgrade.MAX_ATTEMPTS * (DcutrUpgrade.ATTEMPT_TIMEOUT_MS + 2_000);
      JsonObject outcome = null;
      try {
        outcome = NodeRuntime.await(dcutr.computeIfAbsent(session.getString("sessionId"), id -> Promise.promise()).future(),
            Duration.ofMillis(bound), "waiting for the DCUtR outcome");
      } catch (IllegalStateException e) {
        timeline.mark("me", "dcutr unknown", e.getMessage());
      } finally {
        outcomes.unregister();
      }
      if (outcome != null) {
        session.put("dcutr", outcome.copy());
        if (outcome.containsKey("upgradeMs")) {
          session.getJsonObject("timings").put("upgradeMs", outcome.getDouble("upgradeMs"));
        }
      }
      if (data != null && !echo(vertx, node, session, data, timeline, "echo after dcutr")) {
        return null;
      }
    }
    if (moves != null) {
      settle(session, direct.computeIfAbsent(session.getString("sessionId"), id -> Promise.promise()).future());
      moves.unregister();
      // A session that moved to a direct path while settling echoes again: the bytes must cross the new path.
      if (data != null && session.containsKey("directAfterMs") && !echo(vertx, node, session, data, timeline, "echo after upgrade")) {
        return null;
      }
    }
    return session;
  }

  /** --settle: the path the session is on once it had up to settleMs to move to a direct path. */
  private void settle(JsonObject session, Future<Double> directAt) {
    if (ConnectMethod.parse(method) == ConnectMethod.RELAY) {
      session.put("finalPath", session.getString("path")); // never leaves the relay: nothing to wait for
      return;
    }
    if ("direct".equals(session.getString("path")) || session.getJsonObject("dcutr") != null) {
      session.put("finalPath", session.getJsonObject("dcutr") != null
          ? session.getJsonObject("dcutr").getString("path", session.getString("path")) : "direct");
      return;
    }
    try {
      double at = NodeRuntime.await(directAt, Duration.ofMillis(settleMs), "waiting for a direct path");
      session.put("finalPath", "direct").put("directAfterMs", at);
    } catch (IllegalStateException e) {
      session.put("finalPath", session.getString("path"));
    }
  }

  /** Sends {@code data}, awaits the echo and compares it; marks {@code event} on the timeline. */
  private boolean echo(Vertx vertx, PeerNode node, JsonObject session, Buffer data, Timeline timeline, String event) {
    Buffer echoed;
    try {
      // A report run must not hang on one lost session; a user's transfer may take long.
      try {
        String note = NodeRuntime.await(node.relayLimitNote(session.getString("sessionId")), Duration.ofSeconds(5),
            "reading the session's path");
        if (note != null) {
          spec.commandLine().getErr().println("note: " + note);
          spec.commandLine().getErr().flush();
          session.put("relayLimit", note);
        }
      } catch (RuntimeException e) {
        // only a note
      }
      TransferProgress progress = TransferProgress.start(vertx, spec.commandLine().getErr(),
          quiet || json || data.length() < (1 << 20), () -> session.getString("path"));
      try {
        echoed = NodeRuntime.await(node.echoOverStream(vertx, session, data, progress),
            keepGoing ? Duration.ofSeconds(30) : Duration.ofMinutes(10), "waiting for the echo");
      } finally {
        progress.finish(false);
      }
    } catch (RuntimeException e) {
      lastError = why(e);
      lastReason = null; // connected: the echo failed
      spec.commandLine().getErr().println("error: " + lastError);
      return false;
    }
    boolean same = MessageDigest.isEqual(sha256(data), sha256(echoed.slice(0, Math.min(echoed.length(), data.length()))));
    timeline.mark("me", event, echoed.length() + " bytes, " + (same ? "identical" : "DIFFERENT")
        + (payload.text != null ? ": \"" + echoed.toString(StandardCharsets.UTF_8) + "\"" : ", sha-256 "
        + HexFormat.of().formatHex(sha256(echoed)).substring(0, 16) + "…"));
    if (!same) {
      lastError = "the echo differs from what was sent";
      lastReason = null;
      spec.commandLine().getErr().println("error: the echo differs from what was sent");
    }
    return same;
  }

  /** Median, min and max of every timing over the runs. */
  static JsonObject summary(List<JsonObject> runs) {
    JsonObject out = new JsonObject();
    for (String phase : List.of("gatheredMs", "signalledMs", "checksDoneMs", "handshakeDoneMs", "firstByteMs", "upgradeMs")) {
      double[] v = runs.stream().map(r -> r.getJsonObject("timings").getDouble(phase)).filter(x -> x != null)
          .mapToDouble(Double::doubleValue).sorted().toArray();
      if (v.length > 0) {
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        out.put(phase, new JsonObject().put("median", median).put("min", v[0]).put("max", v[v.length - 1]).put("n", v.length));
      }
    }
    return out;
  }

  private static byte[] sha256(Buffer b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b.getBytes());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code {"error", "reason"}} of the last failure for --json output. */
  private JsonObject failure() {
    JsonObject j = new JsonObject().put("error", String.valueOf(lastError));
    return lastReason == null ? j : j.put("reason", lastReason.label());
  }

  /** A failure in words: its message, else its kind and cause (a closed channel has no message). */
  static String why(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t == e ? t.getMessage() : e.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e instanceof java.nio.channels.ClosedChannelException || e.getCause() instanceof java.nio.channels.ClosedChannelException
        ? "the session's stream was closed (the session ended; see the timeline above)"
        : e.getClass().getSimpleName();
  }
}
