package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python example (examples/python/p2p_bridge.py) as a real subprocess against a real peer: a
 * rendezvous and two peers in this JVM, alice with the event-bus bridge on a loopback port, bob with echo.
 * The script asks alice to connect to bob, streams 1 MiB through the session in base64 JSON and prints the
 * SHA-256 of what came back; it also checks that internal addresses are refused. Without python3 the test
 * is skipped, except under CI=true, where it fails.
 */
class PythonBridgeClientTest {
  private static Vertx vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static int bridgePort;
  private static Path script;

  @BeforeAll
  static void up() throws Exception {
    String why = python3Missing();
    if (why != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true but " + why + ": CI must install python3");
      }
      Assumptions.abort(why + "; install python3 to run the Python bridge client test");
    }
    script = repoRoot().resolve("examples/python/p2p_bridge.py");
    vertx = Vertx.vertx();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(LoopbackCast.rendezvousJson(new JsonObject())),
        metrics);
    await(vertx.deployVerticle(rendezvous));
    PeerConfig cfg = LoopbackCast.peerConfig(rendezvous);
    try (ServerSocket s = new ServerSocket(0)) {
      bridgePort = s.getLocalPort(); // the bridge cannot listen on 0 and tell: a port free a moment ago
    }
    alice = await(PeerNode.start(vertx, PeerConfig.fromJson(cfg.toJson()).setBridgePort(bridgePort),
        PeerIdentity.generate(), metrics, new Timeline(), "alice", false));
    bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, new Timeline(), "bob", true));
    await(alice.startBridge(vertx));
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void aMebibyteThroughTheBridgeComesBackIntactAndInternalAddressesAreRefused(@TempDir Path dir) throws Exception {
    byte[] payload = new byte[1 << 20];
    new Random(14).nextBytes(payload);
    Path file = dir.resolve("payload.bin");
    Files.write(file, payload);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
    PeerId me = alice.puncher.peerId();

    Path log = dir.resolve("python.log");
    List<String> command = new ArrayList<>(List.of("python3", script.toString(), bob.puncher.peerId().value(),
        "--bridge", "127.0.0.1:" + bridgePort, "--local-peer", me.value(), "--method", "ice", "--file", file.toString(),
        "--check-refused", Addresses.quicAdopt(me),
        "--check-refused", Addresses.sessionSend(me, "0b7f3a52-3c1e-4e55-9a4e-1f0d8c2b7a11"),
        "--check-refused", Addresses.RENDEZVOUS_LOOKUP,
        "--check-refused", Addresses.peerConnect(bob.puncher.peerId())));
    Process python = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = python.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      python.destroyForcibly();
    }
    String out = Files.readString(log);
    System.out.println("python3 p2p_bridge.py said:\n" + out);
    assertThat(ended).as("the script ended within 120 s; its output:\n" + out).isTrue();
    assertThat(python.exitValue()).as("exit code; output:\n" + out).isZero();
    assertThat(out).contains("sent 1048576 bytes sha256 " + sha256)
        .contains("received 1048576 bytes sha256 " + sha256)
        .contains("echo intact")
        .contains("refused " + Addresses.quicAdopt(me) + ": access_denied")
        .contains("refused " + Addresses.RENDEZVOUS_LOOKUP + ": access_denied")
        .contains("refused " + Addresses.peerConnect(bob.puncher.peerId()) + ": access_denied")
        .doesNotContain("NOT refused");
  }

  /** The repository root, found upwards from the working directory (the node module when Maven runs tests). */
  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("examples/python/p2p_bridge.py"))) {
        return p;
      }
    }
    throw new IllegalStateException("examples/python/p2p_bridge.py not found above " + Path.of("").toAbsolutePath());
  }

  /** Null when {@code python3 --version} runs; else why not. */
  private static String python3Missing() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "python3 --version did not answer within 10 s";
      }
      return p.exitValue() == 0 ? null : "python3 --version exited with " + p.exitValue();
    } catch (IOException e) {
      return "python3 is not installed (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while looking for python3";
    }
  }
}
