package io.p2pquic.puncher.dcutr;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DCUtR exchange between an initiator (libp2p's B) and a responder (A) on one Vert.x: their
 * control addresses are bridged as the quic-verticle bridges them to QUIC DATAGRAMs, the initiator
 * punches from a real session socket to the responder's, and the ICE side is recorded (the checks
 * themselves run in the loopback and lab tests). Nothing here is timed.
 */
class DcutrUpgradeTest {
  private static final String SESSION = "s-1";
  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final PeerId a = PeerIdentity.generate().peerId();
  private final PeerId b = PeerIdentity.generate().peerId();
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> timeline = new LinkedBlockingQueue<>();
  private Context context;
  private NettyUdpEndpoint aSocket;
  private NettyUdpEndpoint bSocket;
  private RecordingChecks aChecks;
  private RecordingChecks bChecks;
  private DcutrUpgrade responder;
  private DcutrUpgrade initiator;

  @BeforeEach
  void up() throws Exception {
    context = vertx.getOrCreateContext();
    aSocket = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    bSocket = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    bridge(a, b);
    bridge(b, a);
    await(vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> events.add(m.body())).completion());
    aChecks = new RecordingChecks(List.of(Candidate.host(aSocket.localAddress(), 65535, 1)));
    bChecks = new RecordingChecks(List.of(Candidate.host(bSocket.localAddress(), 65535, 1)));
    onContext(() -> {
      responder = new DcutrUpgrade(vertx, a, b, SESSION, false, aChecks, aSocket, metrics, (e, d) -> timeline.add("A " + e));
      initiator = new DcutrUpgrade(vertx, b, a, SESSION, true, bChecks, bSocket, metrics, (e, d) -> timeline.add("B " + e));
      return Future.all(responder.listen(), initiator.listen());
    });
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  /** What the quic-verticle does: what one side sends on .control arrives at the other's .control.in. */
  private void bridge(PeerId from, PeerId to) throws Exception {
    await(vertx.eventBus().<Buffer>localConsumer(Addresses.sessionControl(from, SESSION), m -> {
      vertx.eventBus().publish(Addresses.sessionControlIn(to, SESSION), m.body(), new DeliveryOptions().setLocalOnly(true));
      m.reply(new JsonObject());
    }).completion());
  }

  @Test
  void connectConnectSyncThenTheResponderDialsAndTheInitiatorPunchesAfterHalfTheRoundTrip() throws Exception {
    onContext(() -> {
      initiator.start();
      return Future.succeededFuture();
    });
    IceCredentials aCreds = aChecks.restarts.poll(5, TimeUnit.SECONDS);
    assertThat(aCreds).as("A restarts its checks on CONNECT").isNotNull();
    IceCredentials bCreds = bChecks.restarts.poll(5, TimeUnit.SECONDS);
    assertThat(bCreds).as("B restarts on A's CONNECT").isNotNull();
    assertThat(bChecks.remoteCredentials.poll(5, TimeUnit.SECONDS)).as("B learns A's credentials").isEqualTo(aCreds);
    assertThat(aChecks.remoteCredentials.poll(5, TimeUnit.SECONDS)).as("A learns B's on SYNC").isEqualTo(bCreds);
    assertThat(aChecks.dials.poll(5, TimeUnit.SECONDS)).as("A dials B's observed addresses on SYNC")
        .isEqualTo(bChecks.mine);
    assertThat(bChecks.dials.poll(5, TimeUnit.SECONDS)).as("B's checks join A's addresses after rtt/2")
        .isEqualTo(aChecks.mine);
    // B's random UDP reaches A's session socket, where the demultiplexer counts and drops it.
    long end = System.currentTimeMillis() + 5_000;
    while (metrics.counter("p2p.udp.dropped", "kind", "other").count() < 2 && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }
    assertThat(metrics.counter("p2p.udp.dropped", "kind", "other").count()).isGreaterThanOrEqualTo(2);
    assertThat(metrics.counter("p2p.dcutr.noise.sent").count()).isGreaterThanOrEqualTo(2);
    assertThat(List.copyOf(timeline)).containsSubsequence("B dcutr connect", "A dcutr connect", "B dcutr sync",
        "A dcutr dial").contains("B dcutr punch");
  }

  @Test
  void everyAttemptThatEndsRelayedIsRetriedUpToThreeThenTheSessionStaysRelayed() throws Exception {
    onContext(() -> {
      initiator.start();
      return Future.succeededFuture();
    });
    for (int attempt = 1; attempt <= DcutrUpgrade.MAX_ATTEMPTS; attempt++) {
      assertThat(aChecks.dials.poll(5, TimeUnit.SECONDS)).as("A dials in attempt %d", attempt).isNotNull();
      Promise<CandidatePair> aSelection = aChecks.selections.poll(5, TimeUnit.SECONDS);
      Promise<CandidatePair> bSelection = bChecks.selections.poll(5, TimeUnit.SECONDS);
      // The checks found no direct pair (in the session: the generation's nomination fails or ends relayed).
      onContext(() -> {
        aSelection.tryFail("all direct pairs failed");
        bSelection.tryFail("all direct pairs failed");
        return Future.succeededFuture();
      });
    }
    JsonObject first = events.poll(5, TimeUnit.SECONDS);
    JsonObject second = events.poll(5, TimeUnit.SECONDS);
    assertThat(List.of(first, second)).allSatisfy(e -> {
      assertThat(e.getString("type")).isEqualTo("dcutr");
      assertThat(e.getString("path")).isEqualTo("relayed");
      assertThat(e.getInteger("attempts")).isEqualTo(3);
      assertThat(e.getString("reason")).startsWith("dcutr: no direct path after 3 attempts");
    });
    assertThat(metrics.counter("p2p.dcutr.attempts").count()).isEqualTo(3);
    assertThat(metrics.counter("p2p.dcutr.upgrades", "outcome", "relayed").count()).isEqualTo(2);
    assertThat(aChecks.dials.poll(300, TimeUnit.MILLISECONDS)).as("no fourth attempt").isNull();
  }

  @Test
  void garbledStaleAndMisdirectedMessagesAreCountedAndDropped() throws Exception {
    publish(b, new byte[] {0x00, 0x01});                                      // garbled, at B
    publish(a, DcutrEncoder.encode(new DcutrMessage.Sync(1)).getBytes());    // SYNC before any CONNECT, at A
    publish(b, DcutrEncoder.encode(new DcutrMessage.Sync(1)).getBytes());    // SYNC to the initiator
    publish(b, DcutrEncoder.encode(new DcutrMessage.Connect(7, IceCredentials.random(), List.of())).getBytes());
    long end = System.currentTimeMillis() + 5_000;
    while (timeline.size() < 4 && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }
    assertThat(metrics.counter("p2p.dcutr.dropped", "reason", "garbled").count()).isEqualTo(1);
    assertThat(metrics.counter("p2p.dcutr.dropped", "reason", "stale").count()).isEqualTo(2);
    assertThat(metrics.counter("p2p.dcutr.dropped", "reason", "unexpected").count()).isEqualTo(1);
    assertThat(aChecks.restarts).isEmpty();
    assertThat(bChecks.restarts).isEmpty();
  }

  private void publish(PeerId to, byte[] bytes) {
    vertx.eventBus().publish(Addresses.sessionControlIn(to, SESSION), Buffer.buffer(bytes), new DeliveryOptions().setLocalOnly(true));
  }

  private <T> void onContext(Callable<Future<T>> action) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        action.call().onComplete(ar -> {
          if (ar.succeeded()) {
            done.complete(ar.result());
          } else {
            done.completeExceptionally(ar.cause());
          }
        });
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    });
    done.get(10, TimeUnit.SECONDS);
  }

  /** The session's ICE side as DCUtR drives it, recorded; selections are completed by the test. */
  private static final class RecordingChecks implements DcutrUpgrade.Checks {
    final List<Candidate> mine;
    final BlockingQueue<IceCredentials> restarts = new LinkedBlockingQueue<>();
    final BlockingQueue<Promise<CandidatePair>> selections = new LinkedBlockingQueue<>();
    final BlockingQueue<IceCredentials> remoteCredentials = new LinkedBlockingQueue<>();
    final BlockingQueue<List<Candidate>> dials = new LinkedBlockingQueue<>();

    RecordingChecks(List<Candidate> mine) {
      this.mine = mine;
    }

    @Override
    public List<Candidate> observedAddresses() {
      return mine;
    }

    @Override
    public Future<CandidatePair> restart(IceCredentials local) {
      Promise<CandidatePair> p = Promise.promise();
      restarts.add(local);
      selections.add(p);
      return p.future();
    }

    @Override
    public void remoteCredentials(IceCredentials remote) {
      remoteCredentials.add(remote);
    }

    @Override
    public void dial(List<Candidate> addresses) {
      dials.add(addresses);
    }

    @Override
    public void use(CandidatePair pair) {
    }

    @Override
    public double elapsedMs() {
      return 0;
    }
  }
}
