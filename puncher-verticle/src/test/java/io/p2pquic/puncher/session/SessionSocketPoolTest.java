package io.p2pquic.puncher.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.p2pquic.puncher.stun.TestStunServer;
import io.p2pquic.testsupport.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool of pre-gathered session sockets on loopback against a real STUN server (the tests' own). */
class SessionSocketPoolTest {
  private Vertx vertx;
  private Context context;
  private SimpleMeterRegistry metrics;
  private TestStunServer stun;
  private GatheringOptions gathering;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    metrics = new SimpleMeterRegistry();
    stun = Await.result(TestStunServer.start(vertx, "127.0.0.1", null), Duration.ofSeconds(5));
    gathering = new GatheringOptions().setIpv6(false).setIncludeLoopback(true).setPruneRedundant(false)
        .setStunServers(List.of(SocketAddresses.format(stun.primary())));
  }

  @AfterEach
  void tearDown() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private SessionSocketPool pool(SessionOptions options) {
    SessionContext ctx = new SessionContext(vertx, new SignallingClient(vertx, URI.create("ws://127.0.0.1:9/signal"),
        PeerIdentity.generate(), metrics), PeerIdentity.generate().peerId(), metrics, new Timeline(), "test", options, 5_000);
    return onContext(() -> new SessionSocketPool(ctx, () -> gathering).start());
  }

  private <T> T onContext(Supplier<T> action) {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> f.complete(action.get()));
    return f.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private double count(String name, String... tags) {
    var c = metrics.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aTakenSocketComesWithItsCandidatesAndThePoolRefills() throws Exception {
    SessionSocketPool pool = pool(new SessionOptions());
    Await.until(() -> onContext(pool::readyCount) == 1, Duration.ofSeconds(5), "the pool to fill");

    SessionSocketPool.Pooled taken = onContext(() -> pool.take(new GatheringOptions(gathering.toJson())
        .setTurnServers(List.of(new io.p2pquic.puncher.turn.TurnClientOptions("127.0.0.1", 3478, "u", "p")))));
    assertThat(taken).as("relays differ from the pool's options: still a match").isNotNull();
    int port = taken.endpoint().localAddress().getPort();
    assertThat(taken.candidates()).extracting(c -> c.type())
        .contains(CandidateType.HOST, CandidateType.SERVER_REFLEXIVE);
    assertThat(taken.candidates()).allSatisfy(c -> assertThat(c.address().getPort()).isEqualTo(port));
    assertThat(taken.ageMillis()).isBetween(0L, 5_000L);
    assertThat(count("p2p.session.socket-pool", "outcome", "hit")).isEqualTo(1);

    assertThat(onContext(() -> pool.take(gathering))).as("nothing ready until the refill").isNull();
    assertThat(count("p2p.session.socket-pool", "outcome", "miss")).isEqualTo(1);
    Await.until(() -> onContext(pool::readyCount) == 1, Duration.ofSeconds(5), "the refill");
    SessionSocketPool.Pooled next = onContext(() -> pool.take(gathering));
    assertThat(next.endpoint().localAddress().getPort()).as("a socket of its own").isNotEqualTo(port);

    Await.result(taken.endpoint().close(), Duration.ofSeconds(5));
    Await.result(next.endpoint().close(), Duration.ofSeconds(5));
    Await.result(onContext(pool::close), Duration.ofSeconds(5));
  }

  @Test
  void otherGatheringOptionsGetNoPooledSocket() throws Exception {
    SessionSocketPool pool = pool(new SessionOptions());
    Await.until(() -> onContext(pool::readyCount) == 1, Duration.ofSeconds(5), "the pool to fill");
    assertThat(onContext(() -> pool.take(new GatheringOptions(gathering.toJson()).setStunServers(List.of("127.0.0.1:9")))))
        .as("another STUN server").isNull();
    assertThat(onContext(() -> pool.take(new GatheringOptions(gathering.toJson()).setPort(40_123))))
        .as("a fixed port").isNull();
    assertThat(onContext(pool::readyCount)).as("the pooled socket stays for a session that fits").isEqualTo(1);
    Await.result(onContext(pool::close), Duration.ofSeconds(5));
  }

  @Test
  void aSocketWhoseRefreshGoesUnansweredIsReplaced() throws Exception {
    SessionSocketPool pool = pool(new SessionOptions().setSocketPoolRefreshMillis(200));
    Await.until(() -> onContext(pool::readyCount) == 1, Duration.ofSeconds(5), "the pool to fill");
    Await.until(() -> stun.received.size() >= 3, Duration.ofSeconds(5), "two refreshes");
    stun.ignore.set(1_000);
    Await.until(() -> count("p2p.session.socket-pool.replaced") >= 1, Duration.ofSeconds(15), "the silent socket replaced");
    stun.ignore.set(0);
    Await.until(() -> onContext(pool::readyCount) == 1, Duration.ofSeconds(15), "a fresh socket");
    Await.result(onContext(pool::close), Duration.ofSeconds(5));
    assertThat(onContext(pool::readyCount)).isZero();
  }

  @Test
  void sizeZeroIsOff() {
    SessionSocketPool pool = pool(new SessionOptions().setSocketPoolSize(0));
    assertThat(onContext(() -> pool.take(gathering))).isNull();
    assertThat(stun.received).as("no STUN traffic").isEmpty();
    assertThat(onContext(pool::readyCount)).isZero();
  }
}
