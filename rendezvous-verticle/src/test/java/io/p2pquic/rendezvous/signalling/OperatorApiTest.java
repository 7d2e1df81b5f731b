package io.p2pquic.rendezvous.signalling;

import static io.p2pquic.rendezvous.signalling.TestSupport.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.p2pquic.rendezvous.signalling.TestSupport.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the operator API and dashboard of a real rendezvous (HTTP on a real port, peers registered over
 * real WebSockets). Lives in the signalling package for its WebSocket test client.
 */
class OperatorApiTest {
  private static final String TOKEN = "0123456789abcdef-operator";
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<RawClient> clients = new ArrayList<>();
  private Vertx vertx;
  private RendezvousVerticle rendezvous;

  @AfterEach
  void down() throws Exception {
    clients.forEach(RawClient::close);
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private void start(JsonObject admin, JsonObject signalling) throws Exception {
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("admin", admin)
        .put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("grant", "all-registered").put("allowedPeerRanges", new JsonArray().add("127.0.0.0/8")))
        .put("signalling", signalling.put("quicPort", -1))), metrics);
    vertx.deployVerticle(rendezvous).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private void start() throws Exception {
    start(new JsonObject(), new JsonObject());
  }

  private RawClient peer() {
    RawClient c = RawClient.connect(vertx, rendezvous.httpPort());
    clients.add(c);
    c.register(PeerIdentity.generate());
    return c;
  }

  /** One HTTP/1.1 request from {@code from}; the whole response (headers and body) as text. */
  private static String http(String from, int port, String path, String... headers) throws Exception {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String get(String path, String... headers) throws Exception {
    return http("127.0.0.1", rendezvous.httpPort(), path, headers);
  }

  private static JsonObject body(String response) {
    assertThat(response).startsWith("HTTP/1.1 200");
    return new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
  }

  private static JsonObject offer(String to, String sessionId, String method) {
    return new JsonObject().put("type", "offer").put("id", "o-" + sessionId).put("to", to)
        .put("body", new JsonObject().put("sessionId", sessionId).put("method", method));
  }

  private static void expectAck(RawClient c, Object id) {
    assertThat(c.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", id));
  }

  private static JsonObject session(JsonArray sessions, String id) {
    return sessions.stream().map(JsonObject.class::cast).filter(s -> id.equals(s.getString("sessionId")))
        .findFirst().orElseThrow(() -> new AssertionError("no session " + id + " in " + sessions));
  }

  @Test
  void peersAppearOnceRegisteredOverAWebSocket() throws Exception {
    start();
    assertThat(body(get("/api/v1/peers")).getJsonArray("peers")).isEmpty();
    RawClient alice = peer();
    JsonObject peers = body(get("/api/v1/peers"));
    assertThat(peers.getString("node")).isEqualTo(rendezvous.signalling().nodeId());
    assertThat(peers.getJsonArray("peers")).hasSize(1);
    JsonObject p = peers.getJsonArray("peers").getJsonObject(0);
    assertThat(p.getString("peerId")).isEqualTo(alice.peerId());
    assertThat(p.getString("transport")).isEqualTo("ws");
    assertThat(p.getString("remote")).isEqualTo("127.0.0.1:" + alice.localPort());
    assertThat(p.getLong("registeredAt")).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
    alice.close();
    clients.remove(alice);
    long until = System.currentTimeMillis() + 5_000;
    while (!body(get("/api/v1/peers")).getJsonArray("peers").isEmpty() && System.currentTimeMillis() < until) {
      Thread.sleep(50);
    }
    assertThat(body(get("/api/v1/peers")).getJsonArray("peers")).as("gone with its connection").isEmpty();
  }

  @Test
  void sessionsFollowTheSignallingAndReportsOnlyFromTheirPeers() throws Exception {
    start();
    RawClient alice = peer();
    RawClient bob = peer();
    RawClient mallory = peer();
    alice.send(offer(bob.peerId(), "s1", "auto"));
    expectAck(alice, "o-s1");
    assertThat(bob.next().getString("type")).isEqualTo("offer");
    JsonObject s1 = session(body(get("/api/v1/sessions")).getJsonArray("sessions"), "s1");
    assertThat(s1.getString("offerer")).isEqualTo(alice.peerId());
    assertThat(s1.getString("answerer")).isEqualTo(bob.peerId());
    assertThat(s1.getString("method")).isEqualTo("auto");
    assertThat(s1.getString("state")).isEqualTo("offered");

    bob.send(new JsonObject().put("type", "answer").put("id", "a1").put("to", alice.peerId())
        .put("body", new JsonObject().put("sessionId", "s1")));
    expectAck(bob, "a1");
    assertThat(alice.next().getString("type")).isEqualTo("answer");
    assertThat(session(body(get("/api/v1/sessions")).getJsonArray("sessions"), "s1").getString("state"))
        .isEqualTo("answered");

    // A third peer can neither report on it nor close it.
    mallory.send(new JsonObject().put("type", "session-report").put("id", "m1").put("sessionId", "s1")
        .put("state", "connected").put("path", "relayed").put("rttMs", 999));
    assertError(mallory.next(), "m1", "unknown-target");
    mallory.send(new JsonObject().put("type", "bye").put("id", "m2").put("to", alice.peerId())
        .put("body", new JsonObject().put("sessionId", "s1")));
    expectAck(mallory, "m2");
    alice.next(); // the bye itself reaches alice (peers check who sends what); the table does not move
    // Nor does a report on a session id this node never relayed.
    alice.send(new JsonObject().put("type", "session-report").put("id", "r0").put("sessionId", "other")
        .put("state", "connected"));
    assertError(alice.next(), "r0", "unknown-target");

    bob.send(new JsonObject().put("type", "session-report").put("id", "r1").put("sessionId", "s1")
        .put("state", "connected").put("path", "direct").put("rttMs", 3.5));
    expectAck(bob, "r1");
    s1 = session(body(get("/api/v1/sessions")).getJsonArray("sessions"), "s1");
    assertThat(s1.getString("state")).isEqualTo("connected");
    assertThat(s1.getString("path")).isEqualTo("direct");
    assertThat(s1.getDouble("rttMs")).isEqualTo(3.5);
    assertThat(s1.getString("reportedBy")).isEqualTo(bob.peerId());

    alice.send(new JsonObject().put("type", "session-report").put("id", "r2").put("sessionId", "s1")
        .put("state", "path-changed").put("path", "relayed"));
    expectAck(alice, "r2");
    alice.send(new JsonObject().put("type", "session-report").put("id", "r3").put("sessionId", "s1")
        .put("state", "closed").put("path", "none"));
    expectAck(alice, "r3");
    s1 = session(body(get("/api/v1/sessions")).getJsonArray("sessions"), "s1");
    assertThat(s1.getString("state")).isEqualTo("closed");
    assertThat(s1.getDouble("rttMs")).as("kept from the last report that had one").isEqualTo(3.5);

    assertThat(metrics.counter("p2p.signalling.session.reports", "outcome", "refused").count()).isEqualTo(2);
    assertThat(metrics.counter("p2p.signalling.session.reports", "outcome", "accepted").count()).isEqualTo(3);
    // A malformed report is refused by the decoder, before it reaches the table.
    bob.send(new JsonObject().put("type", "session-report").put("id", "r4").put("sessionId", "x".repeat(65))
        .put("state", "connected"));
    assertError(bob.next(), "r4", "malformed");
  }

  @Test
  void theSessionTableStaysWithinItsBoundEvictingClosedSessionsFirst() throws Exception {
    start(new JsonObject(), new JsonObject().put("maxSessionRecords", 3));
    RawClient alice = peer();
    RawClient bob = peer();
    for (String id : List.of("s1", "s2", "s3")) {
      alice.send(offer(bob.peerId(), id, "ice"));
      expectAck(alice, "o-" + id);
      bob.next();
    }
    bob.send(new JsonObject().put("type", "bye").put("id", "b2").put("to", alice.peerId())
        .put("body", new JsonObject().put("sessionId", "s2")));
    expectAck(bob, "b2");
    alice.next();
    alice.send(offer(bob.peerId(), "s4", "relay"));
    expectAck(alice, "o-s4");
    bob.next();
    JsonArray sessions = body(get("/api/v1/sessions")).getJsonArray("sessions");
    assertThat(sessions.stream().map(s -> ((JsonObject) s).getString("sessionId")).toList())
        .as("newest first; the closed s2 went before the older s1").containsExactly("s4", "s3", "s1");
    alice.send(offer(bob.peerId(), "s5", "ice"));
    expectAck(alice, "o-s5");
    sessions = body(get("/api/v1/sessions")).getJsonArray("sessions");
    assertThat(sessions.stream().map(s -> ((JsonObject) s).getString("sessionId")).toList())
        .containsExactly("s5", "s4", "s3");
    assertThat(metrics.counter("p2p.signalling.session.evicted").count()).isEqualTo(2);
  }

  @Test
  void relaysAllocationsCountersAndTheSnapshot() throws Exception {
    start();
    peer();
    JsonObject snapshot = body(get("/api/v1/snapshot"));
    assertThat(snapshot.getJsonArray("peers")).hasSize(1);
    JsonObject relay = snapshot.getJsonArray("relays").getJsonObject(0);
    assertThat(relay.getString("node")).isEqualTo(rendezvous.signalling().nodeId());
    assertThat(relay.getString("address")).endsWith(":" + rendezvous.stunAddress().getPort());
    assertThat(relay.getBoolean("local")).isTrue();
    assertThat(relay.getLong("bytesRelayed")).isZero();
    assertThat(snapshot.getJsonObject("allocations").getBoolean("enabled")).isTrue();
    assertThat(snapshot.getJsonObject("allocations").getInteger("count")).isZero();
    JsonObject counters = body(get("/api/v1/counters")).getJsonObject("counters");
    assertThat(counters.getJsonObject("totals").getLong("registrations")).isEqualTo(1);
    assertThat(counters.getJsonObject("totals").fieldNames())
        .contains("stunRequests", "turnRequests", "signallingRelayed", "relayedBytes");
    assertThat(body(get("/api/v1")).getJsonArray("endpoints")).contains("/api/v1/stream");
    assertThat(get("/api/v1/nothing")).startsWith("HTTP/1.1 404");
  }

  @Test
  void theStreamPushesSnapshotsAndTheDashboardIsServed() throws Exception {
    start();
    RawClient alice = peer();
    try (Socket s = new Socket("127.0.0.1", rendezvous.httpPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = readUntil(s.getInputStream(), "data: ", 2);
      assertThat(head).startsWith("HTTP/1.1 200").contains("text/event-stream");
      assertThat(head.split("\ndata: ", -1)).as("two snapshots, a second apart").hasSize(3);
      String first = head.substring(head.indexOf("data: ") + 6);
      assertThat(new JsonObject(first.substring(0, first.indexOf('\n'))).getJsonArray("peers").getJsonObject(0)
          .getString("peerId")).isEqualTo(alice.peerId());
    }
    String page = get("/dashboard/");
    assertThat(page).startsWith("HTTP/1.1 200").contains("<canvas").containsIgnoringCase("content-security-policy");
    assertThat(get("/dashboard/dashboard.js")).startsWith("HTTP/1.1 200").contains("EventSource");
    assertThat(get("/dashboard")).startsWith("HTTP/1.1 302").contains("/dashboard/");
  }

  /** Reads until {@code marker} was seen {@code times} times and that line ended. */
  private static String readUntil(InputStream in, String marker, int times) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("stream ended: " + buf);
      }
      buf.write(b);
      String text = buf.toString(StandardCharsets.UTF_8);
      if (b == '\n' && text.split("\n" + marker, -1).length > times) {
        return text;
      }
    }
  }

  @Test
  void theTokenIsAskedForByTheApiAndTheDashboardNotByProbes() throws Exception {
    start(new JsonObject().put("token", TOKEN), new JsonObject());
    assertThat(get("/api/v1/peers")).startsWith("HTTP/1.1 401").contains("WWW-Authenticate: Bearer");
    assertThat(get("/api/v1/peers", "Authorization: Bearer wrong-token-of-some-length")).startsWith("HTTP/1.1 401");
    assertThat(get("/dashboard/")).startsWith("HTTP/1.1 401");
    assertThat(get("/api/v1/stream?token=nope")).startsWith("HTTP/1.1 401");
    assertThat(metrics.counter("p2p.admin.unauthorized").count()).isEqualTo(4);

    assertThat(get("/api/v1/peers", "Authorization: Bearer " + TOKEN)).startsWith("HTTP/1.1 200");
    String page = get("/dashboard/?token=" + TOKEN);
    assertThat(page).startsWith("HTTP/1.1 200").contains("<canvas")
        .contains("set-cookie: p2p_admin_token=" + TOKEN).containsIgnoringCase("HttpOnly");
    assertThat(get("/api/v1/snapshot", "Cookie: p2p_admin_token=" + TOKEN)).startsWith("HTTP/1.1 200");
    assertThat(get("/health")).startsWith("HTTP/1.1 200");
    assertThat(metrics.counter("p2p.admin.unauthorized").count()).isEqualTo(4);
  }

  @Test
  void onTheSharedPortTheyAreOnlyForAdminAllow() throws Exception {
    start(new JsonObject().put("allow", new JsonArray().add("10.0.0.0/8")), new JsonObject());
    assertThat(http("127.0.0.2", rendezvous.httpPort(), "/api/v1/peers")).startsWith("HTTP/1.1 403");
    assertThat(http("127.0.0.2", rendezvous.httpPort(), "/dashboard/")).startsWith("HTTP/1.1 403");
    assertThat(http("127.0.0.2", rendezvous.httpPort(), "/api/v1")).startsWith("HTTP/1.1 403");
    assertThat(http("127.0.0.1", rendezvous.httpPort(), "/api/v1/peers")).as("the host itself").startsWith("HTTP/1.1 200");
  }
}
