package io.p2pquic.puncher.session;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.p2pquic.rendezvous.signalling.SignallingConfig;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the puncher turns this peer's session events into {@code session-report} messages, which a real
 * rendezvous signalling service records for the session it relayed (and not another peer's events).
 */
class SessionReporterTest {
  private final Vertx vertx = Vertx.vertx();
  private SignallingService service;

  @AfterEach
  void down() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int startRendezvous() throws Exception {
    Future<HttpServer> up = Future.<HttpServer>future(p -> vertx.getOrCreateContext().runOnContext(v -> {
      service = new SignallingService(vertx, new SignallingConfig(), new SimpleMeterRegistry());
      Router router = Router.router(vertx);
      service.mount(router);
      service.start().compose(x -> vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
          .requestHandler(router).listen(0)).onComplete(p);
    }));
    return await(up).actualPort();
  }

  private SignallingClient registered(int port) throws Exception {
    SignallingClient c = new SignallingClient(vertx, URI.create("ws://127.0.0.1:" + port + "/signal"),
        PeerIdentity.generate(), new SimpleMeterRegistry());
    await(c.connect());
    return c;
  }

  @Test
  void connectedPathChangesAndCloseReachTheRendezvousForThisPeersSessionsOnly() throws Exception {
    int port = startRendezvous();
    SignallingClient alice = registered(port);
    SignallingClient bob = registered(port);
    String sessionId = "6e13a6e8-9687-48ef-a030-1ad0f0f781f8";
    await(alice.send(bob.identity().peerId(), "offer", new JsonObject().put("sessionId", sessionId).put("method", "auto")));
    SessionReporter reporter = new SessionReporter(vertx, alice, id -> new JsonObject().put("path", "relayed"));
    String me = alice.identity().peerId().value();
    String peer = bob.identity().peerId().value();

    vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "connected")
        .put("sessionId", sessionId).put("localPeer", me).put("peer", peer).put("rttMs", 4.25));
    JsonObject s = awaitSession(r -> "connected".equals(r.getString("state")));
    assertThat(s.getString("path")).as("the path the session layer gives").isEqualTo("relayed");
    assertThat(s.getDouble("rttMs")).isEqualTo(4.25);
    assertThat(s.getString("reportedBy")).isEqualTo(me);

    vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "path-changed")
        .put("sessionId", sessionId).put("localPeer", me).put("peer", peer).put("path", "direct"));
    awaitSession(r -> "direct".equals(r.getString("path")));
    vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "closed")
        .put("sessionId", sessionId).put("localPeer", me).put("peer", peer).put("reason", "bye"));
    s = awaitSession(r -> "closed".equals(r.getString("state")));
    assertThat(s.getString("path")).isEqualTo("none");
    assertThat(s.getDouble("rttMs")).isEqualTo(4.25);

    // Another local peer's event (same JVM, same event bus) is not alice's to report: had it gone out, the
    // record would now say relayed and 99 ms. A ping behind it on alice's connection makes sure.
    vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "connected")
        .put("sessionId", sessionId).put("localPeer", peer).put("peer", me).put("rttMs", 99.0));
    Thread.sleep(100);
    await(alice.ping());
    s = await(service.relayedSessions()).getJsonObject(0);
    assertThat(s.getString("path")).isEqualTo("none");
    assertThat(s.getDouble("rttMs")).isEqualTo(4.25);
    await(reporter.close());
  }

  private JsonObject awaitSession(Predicate<JsonObject> done) throws Exception {
    long until = System.currentTimeMillis() + 10_000;
    JsonObject last = null;
    while (System.currentTimeMillis() < until) {
      JsonArray all = await(service.relayedSessions());
      last = all.isEmpty() ? null : all.getJsonObject(0);
      if (last != null && done.test(last)) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("session record never got there: " + last);
  }
}
