package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.p2pquic.node.report.NodeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A service on another cluster node uses a peer through the clustered event bus. Real processes on
 * loopback: a rendezvous and two {@code p2p-node peer --cluster} JVMs (A without echo, B echoing),
 * each its own Hazelcast member; this test JVM joins the same cluster (same launcher code,
 * {@link NodeRuntime#vertx}) and drives A only through the event bus: connect A to B, send, receive
 * the echo, events, close.
 *
 * <p>The Hazelcast configuration is the shipped conf/cluster.xml with a cluster name unique to the
 * run and one free port per member (TCP-IP join on 127.0.0.1, no multicast), so parallel runs never
 * join each other.
 */
@Timeout(300)
class ClusteredEventBusApiTest {
  private static final Duration START = Duration.ofSeconds(90);

  private static Path dir;
  private static final List<Child> children = new ArrayList<>();
  private static Vertx vertx;
  private static PeerId peerA;
  private static PeerId peerB;
  private static final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  @BeforeAll
  static void up() throws Exception {
    dir = Files.createTempDirectory("p2p-cluster-api");
    String clusterName = "p2p-cluster-api-test-" + UUID.randomUUID();
    int[] hz = distinctFreePorts(3); // test JVM, peer A, peer B
    Path testXml = clusterXml("test", clusterName, hz[0], hz);
    Path aXml = clusterXml("a", clusterName, hz[1], hz);
    Path bXml = clusterXml("b", clusterName, hz[2], hz);

    int[] rv = distinctFreePorts(2);
    Child rendezvous = start("rendezvous", "rendezvous ready",
        "rendezvous", "--bind", "127.0.0.1", "--stun-port", Integer.toString(rv[0]), "--http-port", Integer.toString(rv[1]));
    assertThat(rendezvous.awaitReady(START)).as("rendezvous started:\n%s", rendezvous.output()).isTrue();

    String ws = "ws://127.0.0.1:" + rv[1] + "/signal";
    String stun = "127.0.0.1:" + rv[0];
    // All three members join at the same time; each one's join is what takes seconds.
    Child a = start("peer-a", "peer id: ", "peer", "--rendezvous", ws, "--stun", stun, "--include-loopback",
        "--identity", dir.resolve("a-identity.json").toString(), "--no-echo",
        "--cluster", "--cluster-config", aXml.toString());
    Child b = start("peer-b", "peer id: ", "peer", "--rendezvous", ws, "--stun", stun, "--include-loopback",
        "--identity", dir.resolve("b-identity.json").toString(), "--echo",
        "--cluster", "--cluster-config", bXml.toString());
    vertx = NodeRuntime.vertx(true, testXml);
    assertThat(vertx.isClustered()).isTrue();
    assertThat(a.awaitReady(START)).as("peer A started:\n%s", a.output()).isTrue();
    assertThat(b.awaitReady(START)).as("peer B started:\n%s", b.output()).isTrue();
    peerA = a.peerId();
    peerB = b.peerId();

    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.SESSION_EVENTS, m -> events.add(m.body()));
    result(c.completion(), Duration.ofSeconds(30));
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      try {
        result(vertx.close(), Duration.ofSeconds(30));
      } catch (AssertionError e) {
        System.err.println("closing the test's clustered Vert.x: " + e.getMessage());
      }
    }
    for (Child c : children) {
      c.stop();
      List<String> tail = c.lines.subList(Math.max(0, c.lines.size() - 15), c.lines.size());
      System.out.println("---- last lines of " + c.name + " (" + (c.process.isAlive() ? "still running" : "exit "
          + c.process.exitValue()) + ")\n" + String.join("\n", tail));
    }
  }

  @Test
  void serviceOnAnotherNodeConnectsSendsReceivesAndCloses() throws Exception {
    // connect A to B, asked from this JVM through A's scoped address
    JsonObject s = result(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(peerA),
            new JsonObject().put("peer", peerB.value()).put("timeoutMs", 20_000),
            new DeliveryOptions().setSendTimeout(40_000)), Duration.ofSeconds(45)).body();
    String id = s.getString("sessionId");
    assertThat(s.getString("localPeer")).isEqualTo(peerA.value());
    assertThat(s.getString("peer")).isEqualTo(peerB.value());
    assertThat(s.getString("path")).isEqualTo("direct");

    // p2p.session.events from both peers' JVMs
    assertThat(awaitEvent("connected", peerA, id).getString("peer")).isEqualTo(peerB.value());
    assertThat(awaitEvent("connected", peerB, id).getString("peer")).isEqualTo(peerA.value());

    // what B receives is published on B's node, what comes back on A's: both reach this JVM
    Collector atA = collect(Addresses.sessionData(peerA, id));
    Collector atB = collect(Addresses.sessionData(peerB, id));
    byte[] hello = "hello across the cluster".getBytes(StandardCharsets.UTF_8);
    result(vertx.eventBus().request(Addresses.sessionSend(peerA, id), Buffer.buffer(hello)), Duration.ofSeconds(30));
    assertThat(atA.awaitBytes(hello.length, 30)).isEqualTo(hello);
    assertThat(atB.awaitBytes(hello.length, 30)).isEqualTo(hello);

    // ~1 MB in 64 KB chunks, one request in flight (its reply is the back-pressure)
    int total = 1024 * 1024;
    byte[] payload = new byte[total];
    new SplittableRandom(42).nextBytes(payload);
    long t0 = System.nanoTime();
    for (int off = 0; off < total; off += 64 * 1024) {
      result(vertx.eventBus().request(Addresses.sessionSend(peerA, id),
          Buffer.buffer().appendBytes(payload, off, Math.min(64 * 1024, total - off))), Duration.ofSeconds(30));
    }
    byte[] echoed = atA.awaitBytes(hello.length + total, 60);
    System.out.printf("1 MB sent and echoed through the clustered event bus in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    byte[] echoedPayload = java.util.Arrays.copyOfRange(echoed, hello.length, echoed.length);
    assertThat(sha256(echoedPayload)).isEqualTo(sha256(payload));
    assertThat(echoedPayload).isEqualTo(payload);
    atA.unregister();
    atB.unregister();

    // close through the session's address; both ends report it
    result(vertx.eventBus().request(Addresses.sessionClose(peerA, id), new JsonObject().put("reason", "done from the test node")),
        Duration.ofSeconds(30));
    assertThat(awaitEvent("closed", peerA, id).getString("reason")).contains("done from the test node");
    awaitEvent("closed", peerB, id);
  }

  @Test
  void plainConnectStaysLocalScopedRestartIsClusterWide() {
    // p2p.peer.connect is consumed only inside each peer's JVM: from here nobody serves it
    assertThatThrownBy(() -> result(vertx.eventBus().request(Addresses.PEER_CONNECT,
            new JsonObject().put("peer", peerB.value()), new DeliveryOptions().setSendTimeout(10_000)), Duration.ofSeconds(15)))
        .rootCause().isInstanceOfSatisfying(ReplyException.class,
            e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS));
    // p2p.peer.restart.<A> reaches A's JVM, which answers for a session it does not have
    assertThatThrownBy(() -> result(vertx.eventBus().request(Addresses.peerRestart(peerA),
            new JsonObject().put("sessionId", "no-such-session")), Duration.ofSeconds(15)))
        .rootCause().isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(e.failureCode()).isEqualTo(409);
        });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static JsonObject awaitEvent(String type, PeerId localPeer, String sessionId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<JsonObject> seen = new ArrayList<>();
    try {
      while (System.nanoTime() < deadline) {
        JsonObject e = events.poll(200, TimeUnit.MILLISECONDS);
        if (e == null) {
          continue;
        }
        if (type.equals(e.getString("type")) && localPeer.value().equals(e.getString("localPeer"))
            && sessionId.equals(e.getString("sessionId"))) {
          return e;
        }
        seen.add(e);
      }
      throw new AssertionError("no " + type + " event of " + localPeer.value() + " for " + sessionId + "; seen " + seen);
    } finally {
      events.addAll(seen); // events of other kinds or sessions stay for later checks
    }
  }

  /** Accumulates the Buffers published on one address (clustered consumer). */
  private static final class Collector {
    final MessageConsumer<Buffer> consumer;
    final Buffer received = Buffer.buffer();
    Promise<Void> enough;
    int wanted = Integer.MAX_VALUE;

    Collector(String address) {
      consumer = vertx.eventBus().consumer(address, m -> {
        synchronized (this) {
          received.appendBuffer(m.body());
          if (received.length() >= wanted && enough != null) {
            enough.tryComplete();
          }
        }
      });
    }

    byte[] awaitBytes(int n, int seconds) {
      Future<Void> f;
      synchronized (this) {
        wanted = n;
        enough = Promise.promise();
        if (received.length() >= n) {
          enough.tryComplete();
        }
        f = enough.future();
      }
      try {
        result(f, Duration.ofSeconds(seconds));
      } catch (AssertionError e) {
        throw new AssertionError("wanted " + n + " bytes, got " + received.length(), e);
      }
      synchronized (this) {
        return received.getBytes();
      }
    }

    void unregister() {
      consumer.unregister();
    }
  }

  private static Collector collect(String address) {
    Collector c = new Collector(address);
    result(c.consumer.completion(), Duration.ofSeconds(30));
    return c;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  /** conf/cluster.xml with this run's cluster name, the member's own port and the run's members. */
  private static Path clusterXml(String name, String clusterName, int port, int... members) throws IOException {
    String xml = Files.readString(Path.of("..", "conf", "cluster.xml"));
    String out = replaceOnce(xml, "<cluster-name>p2p-quic</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>");
    out = out.replaceFirst("<port auto-increment=\"true\" port-count=\"10\">5701</port>",
        "<port auto-increment=\"false\">" + port + "</port>");
    StringBuilder list = new StringBuilder();
    for (int m : members) {
      list.append("<member>127.0.0.1:").append(m).append("</member>");
    }
    out = replaceOnce(out, "<member>127.0.0.1</member>", list.toString());
    assertThat(out).as("conf/cluster.xml has the expected port line").contains("<port auto-increment=\"false\">" + port);
    Path p = dir.resolve("cluster-" + name + ".xml");
    Files.writeString(p, out);
    return p;
  }

  private static String replaceOnce(String text, String what, String with) {
    assertThat(text).as("conf/cluster.xml contains %s", what).contains(what);
    return text.replace(what, with);
  }

  private static int[] distinctFreePorts(int n) throws IOException {
    Set<Integer> ports = new HashSet<>();
    while (ports.size() < n) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        ports.add(s.getLocalPort());
      }
    }
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Child start(String name, String readyText, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Child c = new Child(name, readyText, new ProcessBuilder(cmd).directory(dir.toFile()));
    children.add(c);
    return c;
  }

  /** A node process whose output is kept (and shown when it does not come up). */
  private static final class Child extends NodeProcess {
    private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1\\w+)");
    final String name;

    Child(String name, String readyText, ProcessBuilder builder) throws IOException {
      super(builder, readyText, "output-" + name);
      this.name = name;
    }

    PeerId peerId() {
      for (String l : lines) {
        Matcher m = PEER_ID.matcher(l);
        if (m.find()) {
          return PeerId.parse(m.group(1));
        }
      }
      throw new AssertionError(name + " printed no peer id:\n" + output());
    }
  }
}
