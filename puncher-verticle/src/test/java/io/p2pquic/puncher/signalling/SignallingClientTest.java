package io.p2pquic.puncher.signalling;

import static io.p2pquic.testsupport.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.signalling.SignallingConfig;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.p2pquic.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The client against a real SignallingService on 127.0.0.1. */
@ExtendWith(VertxExtension.class)
class SignallingClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  Vertx vertx;
  SignallingService service;
  HttpServer server;
  final MeterRegistry meters = new SimpleMeterRegistry();
  final List<SignallingClient> clients = new ArrayList<>();

  @BeforeAll
  static void logs() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
  }

  void startServer(Vertx vertx, SignallingConfig config) {
    startServer(vertx, config, new HttpServerOptions());
  }

  void startServer(Vertx vertx, SignallingConfig config, HttpServerOptions options) {
    this.vertx = vertx;
    CompletableFuture<Void> up = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      service = new SignallingService(vertx, config, new SimpleMeterRegistry());
      Router router = Router.router(vertx);
      service.mount(router);
      service.start()
          .compose(x -> vertx.createHttpServer(config.applyTo(options.setHost("127.0.0.1")))
              .requestHandler(router).listen(0))
          .onSuccess(s -> {
            server = s;
            up.complete(null);
          })
          .onFailure(up::completeExceptionally);
    });
    try {
      up.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The same service behind TLS with a self-signed certificate created in {@code dir}. */
  io.p2pquic.rendezvous.ServerCertificate startTlsServer(Vertx vertx, java.nio.file.Path dir) {
    io.p2pquic.rendezvous.ServerCertificate cert = io.p2pquic.rendezvous.ServerCertificate.loadOrCreate(
        dir.resolve("r.crt"), dir.resolve("r.key"), List.of("127.0.0.1"));
    startServer(vertx, new SignallingConfig().setNodeId("rv-tls"), new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
            .setCertPath(cert.certFile().toString()).setKeyPath(cert.keyFile().toString())));
    return cert;
  }

  SignallingClient client(PeerIdentity id, String uri) {
    SignallingClient c = new SignallingClient(vertx, URI.create(uri), id, meters,
        new SignallingClientOptions().setRequestTimeoutMs(5000).setConnectTimeoutMs(5000));
    clients.add(c);
    return c;
  }

  @Test
  void wssWithThePinnedCertificateRegistersAndAnyOtherCertificateIsRefusedWithAClearReason(Vertx vertx,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    io.p2pquic.rendezvous.ServerCertificate cert = startTlsServer(vertx, dir);
    String base = "wss://127.0.0.1:" + server.actualPort() + "/signal";

    Registration r = result(client(PeerIdentity.generate(), base + "#" + cert.pin().fragment()).connect(), TIMEOUT);
    assertThat(r.node()).isEqualTo("rv-tls");

    // openssl's colon form of the same pin works too
    String colons = cert.pin().sha256Hex().toUpperCase().replaceAll("(..)(?!$)", "$1:");
    assertThat(result(client(PeerIdentity.generate(), base + "#sha256=" + colons).connect(), TIMEOUT).node()).isEqualTo("rv-tls");

    // someone else's certificate (a different pin): refused, and the reason says so
    Throwable wrongPin = Await.failure(client(PeerIdentity.generate(), base + "#sha256=" + "ab".repeat(32)).connect(),
        Duration.ofSeconds(15));
    assertThat(wrongPin).isInstanceOf(SignallingException.class).hasMessageContaining("does not match the pinned");

    // no pin: the JVM's CAs do not know a self-signed certificate; the message says how to pin it
    Throwable noPin = Await.failure(client(PeerIdentity.generate(), base).connect(), Duration.ofSeconds(15));
    assertThat(noPin).hasMessageContaining("TLS").hasMessageContaining("#sha256=");
    System.out.println("wrong pin: " + wrongPin.getMessage() + "\nno pin: " + noPin.getMessage());
  }

  @Test
  void aPinOnAPlainWebSocketAddressIsAUsageError(Vertx vertx) {
    this.vertx = vertx;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SignallingClient(vertx,
            URI.create("ws://127.0.0.1:1/signal#sha256=" + "ab".repeat(32)), PeerIdentity.generate(), meters))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use wss://");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SignallingClient(vertx,
            URI.create("wss://127.0.0.1:1/signal#sha256=abc"), PeerIdentity.generate(), meters))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 hex digits");
  }

  /** signalling.grantToken travels with the registration to whoever issues relay credentials. */
  @Test
  void aGrantTokenIsPresentedWithTheRegistration(Vertx vertx) throws Exception {
    startServer(vertx, new SignallingConfig().setNodeId("rv-1"));
    PeerIdentity operator = PeerIdentity.generate();
    PeerIdentity me = PeerIdentity.generate();
    String token = io.p2pquic.api.signalling.RelayGrantToken.mint(operator, me.peerId(),
        java.time.Instant.now().plusSeconds(3600));
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    service.relayCredentials((peer, t) -> {
      seen.add(peer.value() + " " + t);
      return null;
    });
    SignallingClient c = new SignallingClient(vertx, URI.create("ws://127.0.0.1:" + server.actualPort() + "/signal"),
        me, meters, new SignallingClientOptions().setGrantToken(token));
    clients.add(c);
    result(c.connect(), TIMEOUT);
    assertThat(seen).containsExactly(me.peerId().value() + " " + token);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SignallingClientOptions().setGrantToken("hello"))
        .hasMessageContaining("relay grant token");
  }

  /** A hostile or broken rendezvous: fields of the wrong type fail the connect with a reason, nothing throws. */
  @Test
  void aRendezvousSendingWrongFieldTypesFailsTheConnectCleanly(Vertx vertx) throws Exception {
    this.vertx = vertx;
    AtomicReference<Throwable> uncaught = new AtomicReference<>();
    vertx.exceptionHandler(uncaught::set);
    HttpServer fake = result(vertx.createHttpServer().webSocketHandler(ws -> {
      ws.writeTextMessage("{\"type\":7}");
      ws.writeTextMessage("{\"type\":\"pong\",\"id\":[1]}");
      ws.writeTextMessage("{\"type\":\"challenge\",\"nonce\":{\"a\":[1]}}");
    }).listen(0, "127.0.0.1"), TIMEOUT);
    try {
      Throwable failed = Await.failure(client(PeerIdentity.generate(), "ws://127.0.0.1:" + fake.actualPort() + "/signal")
          .connect(), Duration.ofSeconds(15));
      assertThat(failed).isInstanceOf(SignallingException.class).hasMessageContaining("malformed");
      assertThat(uncaught.get()).isNull();
    } finally {
      result(fake.close(), TIMEOUT);
    }
  }

  @AfterEach
  void stop() {
    clients.forEach(c -> result(c.close(), TIMEOUT));
    if (service != null) {
      result(service.stop(), TIMEOUT);
      result(server.close(), TIMEOUT);
    }
  }

  SignallingClient client(PeerIdentity id) {
    SignallingClient c = new SignallingClient(vertx, URI.create("ws://127.0.0.1:" + server.actualPort() + "/signal"),
        id, meters, new SignallingClientOptions().setRequestTimeoutMs(5000));
    clients.add(c);
    return c;
  }

  @Test
  void registersLooksUpAndRelaysBothWays(Vertx vertx) throws Exception {
    startServer(vertx, new SignallingConfig().setNodeId("rv-1"));
    PeerIdentity ida = PeerIdentity.generate();
    PeerIdentity idb = PeerIdentity.generate();
    SignallingClient a = client(ida);
    SignallingClient b = client(idb);
    BlockingQueue<SignallingMessage> inboxA = new LinkedBlockingQueue<>();
    BlockingQueue<SignallingMessage> inboxB = new LinkedBlockingQueue<>();
    a.messageHandler(inboxA::add);
    b.messageHandler(inboxB::add);

    Registration ra = result(a.connect(), TIMEOUT);
    assertThat(ra.peerId()).isEqualTo(ida.peerId());
    assertThat(ra.observedAddress()).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(ra.node()).isEqualTo("rv-1");
    assertThat(ra.limits().getInteger("maxMessageBytes")).isEqualTo(16384);
    assertThat(a.isConnected()).isTrue();
    Registration rb = result(b.connect(), TIMEOUT);
    assertThat(rb.observedAddress()).isNotEqualTo(ra.observedAddress());

    PeerInfo info = result(a.lookup(idb.peerId()), TIMEOUT);
    assertThat(info.online()).isTrue();
    assertThat(info.peerId()).isEqualTo(idb.peerId());
    assertThat(info.publicKey()).isEqualTo(idb.publicKeyBase64());
    assertThat(info.observedAddress()).isEqualTo(rb.observedAddress());
    assertThat(info.node()).isEqualTo("rv-1");

    JsonObject offer = new JsonObject().put("ufrag", "a").put("pwd", "p");
    result(a.send(idb.peerId(), "offer", offer), TIMEOUT);
    SignallingMessage got = inboxB.poll(5, TimeUnit.SECONDS);
    assertThat(got).isNotNull();
    assertThat(got.type()).isEqualTo("offer");
    assertThat(got.fromPeer()).isEqualTo(ida.peerId());
    assertThat(got.from()).isEqualTo(ida.peerId().value());
    assertThat(got.isFromService()).isFalse();
    assertThat(got.body()).isEqualTo(offer);

    result(b.send(ida.peerId(), "answer", new JsonObject().put("ufrag", "b")), TIMEOUT);
    SignallingMessage answer = inboxA.poll(5, TimeUnit.SECONDS);
    assertThat(answer.type()).isEqualTo("answer");
    assertThat(answer.fromPeer()).isEqualTo(idb.peerId());
    assertThat(answer.body()).isEqualTo(new JsonObject().put("ufrag", "b"));

    result(a.send(idb.peerId(), "end-of-candidates", null), TIMEOUT);
    assertThat(inboxB.poll(5, TimeUnit.SECONDS).body()).isEqualTo(new JsonObject());
    result(a.ping(), TIMEOUT);

    PeerInfo nobody = result(a.lookup(PeerIdentity.generate().peerId()), TIMEOUT);
    assertThat(nobody.online()).isFalse();
    assertThat(count("p2p.signalling.client.sent", "type", "offer")).isEqualTo(1.0);
    assertThat(count("p2p.signalling.client.received", "type", "offer")).isEqualTo(1.0);
  }

  @Test
  void failuresCarryTheErrorCode(Vertx vertx) {
    startServer(vertx, new SignallingConfig());
    SignallingClient a = client(PeerIdentity.generate());
    SignallingClient b = client(PeerIdentity.generate());
    result(a.connect(), TIMEOUT);
    result(b.connect(), TIMEOUT);

    SignallingException unknown = failure(a.send(PeerIdentity.generate().peerId(), "offer", new JsonObject()));
    assertThat(unknown.code()).isEqualTo("unknown-target");
    assertThat(unknown.is(ErrorCode.UNKNOWN_TARGET)).isTrue();
    assertThat(unknown.requestId()).startsWith("c");
    assertThat(unknown.getMessage()).contains("not registered");

    SignallingException type = failure(a.send(b.identity().peerId(), "shout", new JsonObject()));
    assertThat(type.errorCode()).contains(ErrorCode.UNKNOWN_TYPE);

    // oversized: refused locally with the server's limit, nothing sent
    SignallingException big = failure(a.send(b.identity().peerId(), "offer",
        new JsonObject().put("sdp", "x".repeat(20_000))));
    assertThat(big.errorCode()).contains(ErrorCode.TOO_LARGE);

    // the connection still works
    result(a.send(b.identity().peerId(), "offer", new JsonObject()), TIMEOUT);
    assertThat(count("p2p.signalling.client.errors", "code", "unknown-target")).isEqualTo(1.0);
    assertThat(count("p2p.signalling.client.errors", "code", "too-large")).isEqualTo(1.0);
  }

  /**
   * A burst of requests larger than the rendezvous allows is paced, not dropped: the client keeps under the
   * rate the registration advertised (burst 8, 4 a second here), so every ping is answered and none comes
   * back rate-limited; the ones over the client's burst waited for tokens.
   */
  @Test
  void aBurstOverTheAdvertisedRateIsPacedInsteadOfDropped(Vertx vertx) {
    startServer(vertx, new SignallingConfig().setRateBurst(8).setRatePerSecond(4));
    SignallingClient a = client(PeerIdentity.generate());
    result(a.connect(), TIMEOUT); // register costs one of the server's tokens
    long start = System.nanoTime();
    List<Future<Void>> pings = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      pings.add(a.ping());
    }
    for (Future<Void> f : pings) {
      result(f, TIMEOUT);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // The client's bucket: burst 8 - 4 kept in reserve, 4 x 0.9 = 3.6 tokens a second.
    assertThat(count("p2p.signalling.client.paced")).isEqualTo(8.0);
    assertThat(seconds).as("8 pings waited for 3.6 tokens a second").isGreaterThan(1.8);
    assertThat(count("p2p.signalling.client.errors", "code", "rate-limited")).isZero();
  }

  /**
   * A rendezvous that drops a frame for its rate limit without having advertised one (or a frame that bunched
   * up on the way): the client sends it again after a pause, within the request's time.
   */
  @Test
  void aFrameDroppedForTheRateLimitIsSentAgain(Vertx vertx) throws Exception {
    this.vertx = vertx;
    List<String> pings = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer fake = result(vertx.createHttpServer().webSocketHandler(ws -> {
      ws.writeTextMessage(new io.p2pquic.api.signalling.frame.Challenge(
          new byte[io.p2pquic.api.signalling.SignallingProtocol.NONCE_LENGTH], 1).toJson().encode());
      ws.textMessageHandler(text -> {
        JsonObject m = new JsonObject(text);
        if ("register".equals(m.getString("type"))) {
          ws.writeTextMessage(new io.p2pquic.api.signalling.frame.RegisteredReply(m.getValue("id"),
              io.p2pquic.identity.PeerId.parse(m.getString("peerId")), false, "127.0.0.1:1", "s1", "fake", null, null, null)
              .toJson().encode());
        } else if ("ping".equals(m.getString("type"))) {
          pings.add(m.getString("id"));
          ws.writeTextMessage(pings.size() == 1
              ? new JsonObject().put("type", "error").put("id", m.getValue("id")).put("code", "rate-limited")
                  .put("message", "slow down").encode()
              : new JsonObject().put("type", "pong").put("id", m.getValue("id")).encode());
        }
      });
    }).listen(0, "127.0.0.1"), TIMEOUT);
    try {
      SignallingClient a = client(PeerIdentity.generate(), "ws://127.0.0.1:" + fake.actualPort() + "/signal");
      result(a.connect(), TIMEOUT);
      result(a.ping(), TIMEOUT);
      assertThat(pings).as("the ping was sent twice, each time with a new id").hasSize(2).doesNotHaveDuplicates();
      assertThat(count("p2p.signalling.client.resent", "reason", "rate-limited")).isEqualTo(1.0);
    } finally {
      result(fake.close(), TIMEOUT);
    }
  }

  @Test
  void secondConnectionWithSameIdentityReplacesFirst(Vertx vertx) throws Exception {
    startServer(vertx, new SignallingConfig());
    PeerIdentity id = PeerIdentity.generate();
    SignallingClient first = client(id);
    CompletableFuture<String> reason = new CompletableFuture<>();
    first.closeHandler(reason::complete);
    result(first.connect(), TIMEOUT);
    SignallingClient second = client(id);
    result(second.connect(), TIMEOUT);
    assertThat(reason.get(5, TimeUnit.SECONDS)).isEqualTo("replaced");
    assertThat(first.isConnected()).isFalse();
    assertThat(failure(first.ping()).code()).isEqualTo("closed");
    result(second.ping(), TIMEOUT);
  }

  @Test
  void connectFailsCleanly(Vertx vertx) throws IOException {
    this.vertx = vertx;
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    SignallingClient c = new SignallingClient(vertx, URI.create("ws://127.0.0.1:" + port + "/signal"),
        PeerIdentity.generate(), meters);
    SignallingException e = failure(c.connect());
    assertThat(e.code()).isEqualTo("closed");
    assertThat(failure(c.send(PeerIdentity.generate().peerId(), "offer", null)).code()).isEqualTo("closed");
  }

  @Test
  void rejectsNonWebSocketUris(Vertx vertx) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SignallingClient(vertx,
        URI.create("http://127.0.0.1/signal"), PeerIdentity.generate(), meters))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ws://");
  }

  double count(String name) {
    Counter c = meters.find(name).counter();
    return c == null ? 0 : c.count();
  }

  double count(String name, String tag, String value) {
    Counter c = meters.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  /** The failure of a future that must fail with a SignallingException. */
  static SignallingException failure(Future<?> f) {
    Throwable t = Await.failure(f, TIMEOUT);
    assertThat(t).isInstanceOf(SignallingException.class);
    return (SignallingException) t;
  }
}
