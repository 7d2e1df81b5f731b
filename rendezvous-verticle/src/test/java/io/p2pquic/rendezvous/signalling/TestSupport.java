package io.p2pquic.rendezvous.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** Real servers on 127.0.0.1 ephemeral ports and a raw WebSocket client that speaks the protocol by hand. */
final class TestSupport {

  static final long TIMEOUT_S = 10;
  static final Duration TIMEOUT = Duration.ofSeconds(TIMEOUT_S);

  private TestSupport() {
  }

  static void quietLogs() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.WARN);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("com.hazelcast")).setLevel(Level.WARN);
  }

  /** {@link Await#result} within {@link #TIMEOUT}: kept as a short name for this package's many callers. */
  static <T> T await(Future<T> f) {
    return Await.result(f, TIMEOUT);
  }

  static double count(MeterRegistry registry, String name, String tag, String value) {
    Counter c = registry.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  /** A rendezvous node: HTTP server with /signal on an ephemeral port. */
  static final class Node {
    final Vertx vertx;
    final SignallingService service;
    final HttpServer server;
    final MeterRegistry meters;

    private Node(Vertx vertx, SignallingService service, HttpServer server, MeterRegistry meters) {
      this.vertx = vertx;
      this.service = service;
      this.server = server;
      this.meters = meters;
    }

    static Node start(Vertx vertx, SignallingConfig config) {
      MeterRegistry meters = new SimpleMeterRegistry();
      // Run start() on a Vert.x context, as a verticle would.
      CompletableFuture<Node> result = new CompletableFuture<>();
      vertx.getOrCreateContext().runOnContext(v -> {
        SignallingService service = new SignallingService(vertx, config, meters);
        Router router = Router.router(vertx);
        service.mount(router);
        service.start()
            .compose(x -> vertx.createHttpServer(config.applyTo(new HttpServerOptions().setHost("127.0.0.1")))
                .requestHandler(router).listen(0))
            .onSuccess(server -> result.complete(new Node(vertx, service, server, meters)))
            .onFailure(result::completeExceptionally);
      });
      try {
        return result.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("node did not start", e);
      }
    }

    int port() {
      return server.actualPort();
    }

    double errors(String code) {
      return count(meters, "p2p.signalling.errors", "code", code);
    }

    double relayed(String type) {
      return count(meters, "p2p.signalling.relayed", "type", type);
    }

    void stop() {
      await(service.stop());
      await(server.close());
    }
  }

  /** A WebSocket client that collects every frame the server sends. */
  static final class RawClient {
    final WebSocket ws;
    final WebSocketClient client;
    final BlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    final CompletableFuture<Short> closed = new CompletableFuture<>();
    PeerIdentity identity;

    private RawClient(WebSocketClient client, WebSocket ws) {
      this.client = client;
      this.ws = ws;
    }

    static RawClient connect(Node node) {
      return connect(node.vertx, node.port());
    }

    static RawClient connect(Vertx vertx, int port) {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxFrameSize(1024 * 1024).setMaxMessageSize(1024 * 1024));
      CompletableFuture<RawClient> cf = new CompletableFuture<>();
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/signal"))
          .onSuccess(ws -> {
            RawClient rc = new RawClient(client, ws);
            ws.textMessageHandler(t -> rc.inbox.add(new JsonObject(t)));
            ws.closeHandler(v -> rc.closed.complete(ws.closeStatusCode()));
            cf.complete(rc);
          })
          .onFailure(cf::completeExceptionally);
      try {
        return cf.get(TIMEOUT_S, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("cannot connect", e);
      }
    }

    /** Connects and registers a fresh identity. */
    static RawClient registered(Node node) {
      RawClient c = connect(node);
      c.register(PeerIdentity.generate());
      return c;
    }

    JsonObject next() {
      try {
        JsonObject m = inbox.poll(TIMEOUT_S, TimeUnit.SECONDS);
        if (m == null) {
          fail("no message from the server within " + TIMEOUT_S + " s");
        }
        return m;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    void assertNothingWithin(long ms) {
      try {
        JsonObject m = inbox.poll(ms, TimeUnit.MILLISECONDS);
        assertThat(m).as("unexpected message").isNull();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    void send(JsonObject msg) {
      sendText(msg.encode());
    }

    void sendText(String text) {
      await(ws.writeTextMessage(text));
    }

    byte[] challengeNonce() {
      JsonObject ch = next();
      assertThat(ch.getString("type")).isEqualTo("challenge");
      assertThat(ch.getInteger("version")).isEqualTo(1);
      byte[] nonce = Base64.getDecoder().decode(ch.getString("nonce"));
      assertThat(nonce).hasSize(32);
      return nonce;
    }

    static JsonObject registerMessage(PeerIdentity id, byte[] nonce) {
      return new JsonObject()
          .put("type", "register")
          .put("peerId", id.peerId().value())
          .put("publicKey", id.publicKeyBase64())
          .put("signature", Base64.getEncoder().encodeToString(id.sign(SignallingProtocol.registrationPayload(nonce))));
    }

    /** Answers the challenge; returns the registered reply. */
    JsonObject register(PeerIdentity id) {
      byte[] nonce = challengeNonce();
      send(registerMessage(id, nonce).put("id", "reg"));
      JsonObject reply = next();
      assertThat(reply.getString("type")).as("reply %s", reply).isEqualTo("registered");
      this.identity = id;
      return reply;
    }

    /** A ping round trip proves the connection is still usable (and nothing else is queued). */
    void assertUsable(String pingId) {
      send(new JsonObject().put("type", "ping").put("id", pingId));
      assertThat(next()).isEqualTo(new JsonObject().put("type", "pong").put("id", pingId));
    }

    int localPort() {
      return ws.localAddress().port();
    }

    String peerId() {
      return identity.peerId().value();
    }

    void close() {
      if (!ws.isClosed()) {
        await(ws.close());
      }
      await(client.close());
    }
  }

  static JsonObject error(Object id, String code) {
    // Expected shape, message compared separately.
    JsonObject e = new JsonObject().put("type", "error");
    if (id == null) {
      e.putNull("id");
    } else {
      e.put("id", id);
    }
    return e.put("code", code);
  }

  /** Asserts an error reply with exactly these fields and a non-empty message. */
  static void assertError(JsonObject actual, Object id, String code) {
    JsonObject copy = actual.copy();
    Object message = copy.remove("message");
    assertThat(copy).as("error reply %s", actual).isEqualTo(error(id, code));
    assertThat(message).as("human-readable message in %s", actual).isInstanceOf(String.class);
    assertThat((String) message).isNotBlank();
  }
}
