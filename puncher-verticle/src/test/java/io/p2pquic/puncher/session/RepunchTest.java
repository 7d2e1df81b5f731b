package io.p2pquic.puncher.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When the dialer tries for a direct path again after a fallback, and when it leaves the relay alone. */
class RepunchTest {
  private Vertx vertx;
  private SessionContext ctx;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    PeerIdentity me = PeerIdentity.generate();
    ctx = new SessionContext(vertx, new SignallingClient(vertx, URI.create("ws://127.0.0.1:9/signal"), me, metrics),
        me.peerId(), metrics, new Timeline(), "me", new SessionOptions().setRepunchMillis(40).setRepunchMaxMillis(100), 1_000);
  }

  @AfterEach
  void tearDown() {
    vertx.close();
  }

  /** Runs {@code body} on a Vert.x context (Repunch's timers and state belong to one). */
  private void on(Runnable body) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    vertx.runOnContext(v -> {
      body.run();
      done.countDown();
    });
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void afterAFallbackItTriesAgainWithGrowingGapsUntilDirect() throws Exception {
    AtomicBoolean direct = new AtomicBoolean(true);
    AtomicInteger tries = new AtomicInteger();
    CountDownLatch third = new CountDownLatch(3);
    Repunch[] r = new Repunch[1];
    on(() -> r[0] = new Repunch(ctx, () -> {
      tries.incrementAndGet();
      third.countDown();
      return Future.succeededFuture();
    }, direct::get, () -> false));

    on(() -> r[0].onPath(true));
    direct.set(false);
    long start = System.nanoTime();
    on(() -> r[0].onPath(false));
    assertThat(third.await(5, TimeUnit.SECONDS)).as("still relayed: tries keep coming").isTrue();
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(elapsedMs).as("40 + 80 + 100 ms at least (doubling, capped)").isGreaterThanOrEqualTo(200);
    assertThat(metrics.counter("p2p.session.repunches").count()).isGreaterThanOrEqualTo(3);

    direct.set(true);
    on(() -> r[0].onPath(true));
    int afterDirect = tries.get();
    Thread.sleep(400);
    assertThat(tries.get()).as("direct again: no more tries").isEqualTo(afterDirect);
  }

  @Test
  void aSessionThatNeverWasDirectStaysOnTheRelay() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    Repunch[] r = new Repunch[1];
    on(() -> r[0] = new Repunch(ctx, () -> {
      tries.incrementAndGet();
      return Future.succeededFuture();
    }, () -> false, () -> false));
    on(() -> r[0].onPath(false));
    Thread.sleep(300);
    assertThat(tries.get()).isZero();
  }
}
