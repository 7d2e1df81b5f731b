package io.p2pquic.puncher.turn;

import io.p2pquic.testsupport.RealPeers;
import io.p2pquic.stun.turn.TurnRestCredentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * coturn's real {@code turnserver} as a child process on loopback: free ports, use-auth-secret, no config
 * file, a fresh user database in a temp directory, logs captured from stdout. Tests skip without the
 * binary, except under {@code CI=true}, where interop must run.
 */
public final class Coturn implements AutoCloseable {
  public static final String BINARY = "/usr/bin/turnserver";
  public static final String REALM = "p2pquic.test";

  public final byte[] secret = ("s3cret-" + ThreadLocalRandom.current().nextLong()).getBytes(StandardCharsets.US_ASCII);
  public final int port;
  public final int minPort;
  public final int maxPort;
  private final Process process;
  private final Path dir;
  private final List<String> log = new CopyOnWriteArrayList<>();

  /** Skips (or fails under CI=true) when turnserver is not installed. */
  public static void assumeInstalled() {
    boolean available = Files.isExecutable(Path.of(BINARY));
    String reason = BINARY + " (coturn) is not installed; apt-get install coturn to run the TURN interop tests";
    RealPeers.require(available, reason);
  }

  public static Coturn start(String... extra) throws Exception {
    assumeInstalled();
    Exception last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return new Coturn(extra);
      } catch (IOException e) {
        last = e; // a port raced away: try others
      }
    }
    throw last;
  }

  private Coturn(String... extra) throws Exception {
    port = freeUdpPort(1);
    minPort = freeUdpPort(40);
    maxPort = minPort + 39;
    dir = Files.createTempDirectory("coturn");
    List<String> cmd = new ArrayList<>(List.of(BINARY, "-c", "/dev/null", "-n", "--log-file=stdout", "--simple-log",
        "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=" + port,
        "--min-port=" + minPort, "--max-port=" + maxPort,
        "--use-auth-secret", "--static-auth-secret=" + new String(secret, StandardCharsets.US_ASCII),
        "--realm=" + REALM, "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
        "--userdb=" + dir.resolve("turndb"), "--pidfile=" + dir.resolve("turnserver.pid"), "--verbose"));
    cmd.addAll(List.of(extra));
    process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CountDownLatch listening = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
          if (line.contains("UDP listener opened on: 127.0.0.1:" + port)) {
            listening.countDown();
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "coturn-log");
    reader.setDaemon(true);
    reader.start();
    if (!listening.await(10, TimeUnit.SECONDS)) {
      close();
      throw new IOException("turnserver did not open its UDP listener on port " + port + "; log:\n" + String.join("\n", log));
    }
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** use-auth-secret credentials for {@code user}, valid for an hour. */
  public TurnClientOptions options(String user) {
    TurnRestCredentials c = TurnRestCredentials.issue(secret, user, Instant.now().plus(Duration.ofHours(1)));
    return new TurnClientOptions("127.0.0.1", port, c.username(), c.password());
  }

  public List<String> log() {
    return List.copyOf(log);
  }

  public boolean logContains(String s) {
    return log.stream().anyMatch(l -> l.contains(s));
  }

  /** Waits up to 5 s for a log line containing {@code s}. */
  public boolean awaitLog(String s) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!logContains(s)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** The first of {@code count} consecutive UDP ports free on 127.0.0.1 (racy; start() retries). */
  private static int freeUdpPort(int count) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 60_000 - count);
      boolean free = true;
      for (int i = 0; i < count && free; i++) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", p + i))) {
          free = s.isBound();
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return p;
      }
    }
    throw new IllegalStateException("no free UDP port range of " + count);
  }
}
