package io.p2pquic.examples;

import io.p2pquic.identity.PeerId;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends a file from one peer to another over a p2p-quic session. Each side is its own program with its own
 * peer (a PuncherVerticle and a QuicVerticle deployed from JSON, {@link ExamplePeer}):
 *
 * <pre>
 * # machine B: receive into ./incoming (prints its peer id); --from limits who may send
 * java -cp ... io.p2pquic.examples.FileTransferExample receive --rendezvous ws://HOST:8088/signal \
 *     --identity receiver.json --out incoming [--from pq1...] [--files N]
 * # machine A: send a file to B
 * java -cp ... io.p2pquic.examples.FileTransferExample send pq1&lt;B&gt; report.pdf --rendezvous ws://HOST:8088/signal \
 *     --identity sender.json
 * </pre>
 *
 * Common options: {@code --stun HOST:PORT} (default: the rendezvous host, port 3478), {@code --config
 * peer.json} (any other peer setting, strictly checked), {@code --include-loopback} (both on one machine).
 * The receiver writes {@code .NAME.part}, checks size and SHA-256 and only then renames it to NAME; the
 * sender exits 0 once the receiver confirmed the hash. See {@link FileSender} and {@link FileReceiver}.
 */
public final class FileTransferExample {
  private static final Set<String> WITH_VALUE = Set.of("--rendezvous", "--identity", "--stun", "--config", "--out",
      "--from", "--files", "--timeout-ms");
  private static final Set<String> SWITCHES = Set.of("--include-loopback");

  private FileTransferExample() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** The command line; blocks until done (call it from main, not from an event loop). Exit code as main's. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    ExampleArgs a;
    JsonObject peerConfig;
    try {
      a = new ExampleArgs(args, WITH_VALUE, SWITCHES);
      if (a.positional().isEmpty() || !Set.of("send", "receive").contains(a.positional().get(0))) {
        throw new IllegalArgumentException("say send or receive");
      }
      JsonObject base = a.has("--config") ? ExamplePeer.readConfig(Path.of(a.value("--config", null))) : null;
      peerConfig = ExamplePeer.config(base, a.required("--rendezvous"), a.value("--identity", "p2p-identity.json"),
          a.value("--stun", null), a.has("--include-loopback"));
    } catch (Exception e) {
      err.println("usage error: " + e.getMessage());
      err.println("usage: FileTransferExample receive --rendezvous URL --out DIR [--identity FILE] [--from PEER_ID]... "
          + "[--files N]\n       FileTransferExample send PEER_ID FILE --rendezvous URL [--identity FILE] "
          + "[--timeout-ms 20000]\n       both: [--stun HOST:PORT] [--config peer.json] [--include-loopback]");
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      // A bad key in --config fails here, naming it: the verticles read their JSON strictly.
      PeerId me = ExamplePeer.deploy(vertx, peerConfig, false).await();
      return "send".equals(a.positional().get(0)) ? send(vertx, me, a, out, err) : receive(vertx, me, a, out, err);
    } catch (Exception e) {
      err.println("error: " + e.getMessage());
      return 1;
    } finally {
      vertx.close().await(); // undeploys the peer: its sessions say goodbye
    }
  }

  private static int send(Vertx vertx, PeerId me, ExampleArgs a, PrintStream out, PrintStream err) {
    if (a.positional().size() != 3) {
      err.println("usage error: send PEER_ID FILE");
      return 2;
    }
    PeerId to = PeerId.parse(a.positional().get(1));
    Path file = Path.of(a.positional().get(2));
    if (!Files.isRegularFile(file)) {
      err.println("usage error: no such file: " + file);
      return 2;
    }
    out.println("peer id: " + me.value());
    JsonObject receipt = FileSender.send(vertx, me, to, file, Long.parseLong(a.value("--timeout-ms", "20000")),
        out::println).await();
    out.println("delivered: " + receipt.getString("name") + ", " + receipt.getLong("size") + " bytes, sha256 "
        + receipt.getString("sha256") + " (confirmed by the receiver)");
    return 0;
  }

  private static int receive(Vertx vertx, PeerId me, ExampleArgs a, PrintStream out, PrintStream err)
      throws InterruptedException {
    Path outDir = Path.of(a.required("--out"));
    int files = Integer.parseInt(a.value("--files", "0")); // 0: until stopped (Ctrl-C)
    CountDownLatch done = new CountDownLatch(files > 0 ? files : 1);
    AtomicInteger failures = new AtomicInteger();
    FileReceiver receiver = FileReceiver.start(vertx, me, outDir, new HashSet<>(a.values("--from"))).await();
    receiver.fileHandler(r -> {
      if (r.getBoolean("ok")) {
        out.println("saved " + r.getString("path") + ": " + r.getLong("size") + " bytes, sha256 " + r.getString("sha256")
            + " (from " + r.getString("from") + ")");
      } else {
        failures.incrementAndGet();
        out.println("failed from " + r.getString("from") + ": " + r.getString("error"));
      }
      done.countDown();
    });
    if (files == 0) {
      // Ctrl-C: the JVM exits once the hooks return, so the hook itself closes Vert.x (sessions say goodbye).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        done.countDown();
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          // exiting anyway
        }
      }, "stop-receiving"));
    }
    out.println("receiver ready: peer id " + me.value() + ", writing to " + outDir.toAbsolutePath());
    out.flush();
    done.await();
    receiver.stop().await();
    return failures.get() == 0 ? 0 : 1;
  }
}
