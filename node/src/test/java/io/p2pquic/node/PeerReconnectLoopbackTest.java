package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.signalling.SignallingClientOptions;
import io.p2pquic.puncher.signalling.SignallingState;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Peers stay up: a rendezvous that is stopped and started again, one that is not there yet at start-up,
 * a connection that dies silently (no FIN: a NAT that forgot its state), and the one loss that must not
 * be undone ("replaced"). Real rendezvous verticles and peers on loopback.
 */
class PeerReconnectLoopbackTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final Vertx peers = Vertx.vertx();
  private final List<Vertx> rendezvousNodes = new CopyOnWriteArrayList<>();
  private int httpPort;
  private int stunPort;

  @AfterEach
  void down() throws Exception {
    for (Vertx v : rendezvousNodes) {
      await(v.close());
    }
    await(peers.close());
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A rendezvous in a Vert.x of its own (closing it is the node going away), on fixed ports. */
  private Vertx startRendezvous() throws Exception {
    Vertx v = Vertx.vertx();
    await(v.deployVerticle(new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject().put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", httpPort)).put("stun", new JsonObject().put("port", stunPort))
        .put("signalling", new JsonObject().put("quicPort", -1))
        .put("turn", new JsonObject().put("grant", "all-registered"))), metrics)));
    rendezvousNodes.add(v);
    return v;
  }

  private PeerConfig config(String signal, long heartbeatMs) {
    return new PeerConfig().setRendezvous(signal)
        .setGathering(new GatheringOptions().setStunServers(List.of("127.0.0.1:" + stunPort)).setIncludeLoopback(true).setIpv6(false))
        .setSignalling(new SignallingClientOptions().setReconnect(true).setReconnectInitialDelayMs(100)
            .setReconnectMaxDelayMs(500).setHeartbeatIntervalMs(heartbeatMs).setHeartbeatTimeoutMs(500));
  }

  private final Timeline timeline = new Timeline();

  private PeerNode peer(PeerConfig cfg, PeerIdentity id, String name, boolean echo) throws Exception {
    return await(PeerNode.start(peers, cfg, id, metrics, timeline, name, echo, true));
  }

  private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    io.p2pquic.testsupport.Await.until(condition, java.time.Duration.ofSeconds(20), what);
  }

  private static SignallingState state(PeerNode p) {
    return p.puncher.signalling().state();
  }

  private JsonObject connect(PeerNode from, PeerNode to) throws Exception {
    return await(peers.eventBus().<JsonObject>request(Addresses.peerConnect(from.puncher.peerId()),
            new JsonObject().put("peer", to.puncher.peerId().value()).put("method", "ice").put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body()));
  }

  @Test
  void aRestartedRendezvousGetsItsPeersBackWhileRunningSessionsKeepFlowing() throws Exception {
    httpPort = freePort();
    stunPort = freePort();
    Vertx first = startRendezvous();
    String signal = "ws://127.0.0.1:" + httpPort + "/signal";
    PeerNode alice = peer(config(signal, 0), PeerIdentity.generate(), "alice", false);
    PeerNode bob = peer(config(signal, 0), PeerIdentity.generate(), "bob", true);
    eventually(() -> state(alice) == SignallingState.REGISTERED && state(bob) == SignallingState.REGISTERED, "registered");
    JsonObject before = connect(alice, bob);

    await(first.close());
    rendezvousNodes.remove(first);
    eventually(() -> state(bob) == SignallingState.RECONNECTING, "bob notices the loss");
    // The session does not need the rendezvous.
    assertThat(await(PeerNode.echo(peers, before, Buffer.buffer("during the outage"))).toString())
        .isEqualTo("during the outage");

    long restart = System.nanoTime();
    startRendezvous();
    eventually(() -> state(alice) == SignallingState.REGISTERED && state(bob) == SignallingState.REGISTERED,
        "both registered again");
    System.out.printf("re-registered %.0f ms after the rendezvous was back%n", (System.nanoTime() - restart) / 1e6);
    JsonObject after = connect(alice, bob);
    assertThat(after.getString("sessionId")).isNotEqualTo(before.getString("sessionId"));
    assertThat(await(PeerNode.echo(peers, after, Buffer.buffer("new session"))).toString()).isEqualTo("new session");
    assertThat(await(PeerNode.echo(peers, before, Buffer.buffer("old session"))).toString()).isEqualTo("old session");
  }

  @Test
  void aPeerStartedBeforeItsRendezvousRegistersOnceItIsUp() throws Exception {
    httpPort = freePort();
    stunPort = freePort();
    PeerNode early = peer(config("ws://127.0.0.1:" + httpPort + "/signal", 0), PeerIdentity.generate(), "early", true);
    eventually(() -> state(early) == SignallingState.RECONNECTING, "retrying");
    assertThat(early.puncher.signalling().lastError()).contains("cannot connect");
    startRendezvous();
    eventually(() -> state(early) == SignallingState.REGISTERED, "registered once the rendezvous is up");
    assertThat(early.puncher.registration()).isNotNull();
  }

  @Test
  void aReplacedPeerStopsForGoodWithTheReason() throws Exception {
    httpPort = freePort();
    stunPort = freePort();
    startRendezvous();
    String signal = "ws://127.0.0.1:" + httpPort + "/signal";
    PeerIdentity same = PeerIdentity.generate();
    PeerNode first = peer(config(signal, 0), same, "first", false);
    eventually(() -> state(first) == SignallingState.REGISTERED, "first registered");
    PeerNode second = peer(config(signal, 0), same, "second", false);
    eventually(() -> state(second) == SignallingState.REGISTERED, "second registered");
    String why = await(first.puncher.replaced());
    assertThat(why).contains("another process registered peer id " + same.peerId().value());
    assertThat(state(first)).isEqualTo(SignallingState.REPLACED);
    int attempts = first.puncher.signalling().attempts();
    Thread.sleep(1_000); // several backoff periods: a replaced client must not come back
    assertThat(state(first)).isEqualTo(SignallingState.REPLACED);
    assertThat(first.puncher.signalling().attempts()).isEqualTo(attempts);
    assertThat(state(second)).isEqualTo(SignallingState.REGISTERED);
  }

  /**
   * A one-shot command (connect, pipe) whose first registration attempt only times out, as on a very lossy
   * link, registers on the next attempt instead of failing; one whose rendezvous refuses still fails fast.
   */
  @Test
  void aOneShotPeerWhoseFirstRegistrationTimesOutRegistersOnTheNextAttempt() throws Exception {
    httpPort = freePort();
    stunPort = freePort();
    startRendezvous();
    // The first connection is accepted and left silent (lost packets); later ones are forwarded.
    java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    NetServer proxy = peers.createNetServer().connectHandler(in -> {
      if (connections.incrementAndGet() == 1) {
        in.handler(b -> { });
        return;
      }
      in.pause();
      peers.createNetClient().connect(httpPort, "127.0.0.1").onSuccess(out -> forward(in, out));
    });
    await(proxy.listen(0, "127.0.0.1"));
    PeerConfig cfg = config("ws://127.0.0.1:" + proxy.actualPort() + "/signal", 15_000);
    cfg.setSignalling(new SignallingClientOptions(cfg.signalling().toJson()).setConnectTimeoutMs(1_000));
    PeerNode p = await(PeerNode.start(peers, cfg, PeerIdentity.generate(), metrics, timeline, "oneshot", false, false));
    assertThat(state(p)).isEqualTo(SignallingState.REGISTERED);
    assertThat(connections.get()).isGreaterThanOrEqualTo(2);
    assertThat(timeline.events()).anyMatch(e -> e.event().equals("registration slow"));

    // Refused (nothing listens): no waiting, the error at once.
    PeerConfig refused = config("ws://127.0.0.1:" + freePort() + "/signal", 15_000);
    long t0 = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(PeerNode.start(peers, refused, PeerIdentity.generate(),
        metrics, timeline, "refused", false, false)));
    assertThat((System.nanoTime() - t0) / 1e9).as("seconds until a refused rendezvous fails").isLessThan(5);
  }

  @Test
  void aConnectionThatDiesSilentlyIsNoticedByTheHeartbeatAndReplaced() throws Exception {
    httpPort = freePort();
    stunPort = freePort();
    startRendezvous();
    // A TCP relay between peer and rendezvous that can stop forwarding without closing anything, like a
    // NAT that forgot the connection: no FIN, no RST, just silence.
    List<NetSocket[]> links = new CopyOnWriteArrayList<>();
    NetServer proxy = peers.createNetServer().connectHandler(in -> {
      in.pause();
      peers.createNetClient().connect(httpPort, "127.0.0.1").onSuccess(out -> {
        links.add(new NetSocket[] {in, out});
        forward(in, out);
      });
    });
    await(proxy.listen(0, "127.0.0.1"));
    PeerNode p = peer(config("ws://127.0.0.1:" + proxy.actualPort() + "/signal", 300), PeerIdentity.generate(), "p", false);
    eventually(() -> state(p) == SignallingState.REGISTERED, "registered through the relay");
    String firstObserved = p.puncher.registration().observedAddress().toString();

    for (NetSocket[] link : links) { // silence, both ways, connections left open
      link[0].handler(b -> { });
      link[1].handler(b -> { });
      // Nor does a close cross any more: the rendezvous may give up on the silent connection first, and
      // a forgetful NAT would not pass its FIN on either (once, CI saw the peer notice the close instead).
      link[0].closeHandler(v -> { });
      link[1].closeHandler(v -> { });
    }
    long silent = System.nanoTime();
    eventually(() -> timeline.events().stream().anyMatch(e -> e.event().equals("signalling lost")),
        "the heartbeat notices");
    double noticedMs = (System.nanoTime() - silent) / 1e6;
    assertThat(noticedMs).as("heartbeat interval 300 ms + timeout 500 ms").isLessThan(5_000);
    assertThat(timeline.events().stream().filter(e -> e.event().equals("signalling lost")).findFirst().orElseThrow()
        .detail()).contains("no answer to a heartbeat within 500 ms");
    eventually(() -> timeline.events().stream().anyMatch(e -> e.event().equals("registered again")),
        "registered again over a fresh connection");
    assertThat(state(p)).isEqualTo(SignallingState.REGISTERED);
    assertThat(p.puncher.registration().observedAddress().toString()).isNotEqualTo(firstObserved);
    System.out.printf("silent death noticed after %.0f ms%n", noticedMs);
  }

  /** Passes bytes and closes both ways between the proxy's accepted connection {@code in} and {@code out}. */
  private static void forward(NetSocket in, NetSocket out) {
    in.handler(out::write);
    out.handler(in::write);
    in.closeHandler(v -> out.close());
    out.closeHandler(v -> in.close());
    in.resume();
  }
}
