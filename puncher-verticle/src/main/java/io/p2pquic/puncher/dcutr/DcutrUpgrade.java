package io.p2pquic.puncher.dcutr;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * libp2p DCUtR (Direct Connection Upgrade through Relay) on one session whose QUIC connection is up on
 * the relay (docs/dcutr.md). The roles follow the spec: the <b>initiator</b> is libp2p's B, the peer
 * that received the relayed connection (our answerer, QUIC server); the <b>responder</b> is libp2p's
 * A, the peer that dialed it (our offerer, QUIC client, ICE controlling).
 *
 * <pre>
 * initiator (B)                          responder (A)
 *   CONNECT{addrs B, creds B} ----------->  restart checks with creds A
 *   <------------ CONNECT{addrs A, creds A}
 *   rtt = now - sent; SYNC --------------->  on SYNC: dial = checks to B's addrs (ICE, controlling)
 *   wait rtt/2, then random UDP to A's addrs (10-200 ms apart) and checks answer/join
 *                                            first validated direct pair: the path layer moves QUIC
 * </pre>
 *
 * The messages travel as QUIC DATAGRAMs on the relayed connection ({@link Addresses#sessionControl}),
 * never through the rendezvous. An attempt succeeds when the new check generation selects a direct
 * pair; otherwise, after {@link #ATTEMPT_TIMEOUT_MS}, the initiator tries again with a fresh
 * CONNECT/SYNC round, up to {@link #MAX_ATTEMPTS} (as libp2p), and the session stays on the relay.
 */
public final class DcutrUpgrade {
  /** Attempts per session (go-libp2p's holepunch service retries up to 3 times as well). */
  public static final int MAX_ATTEMPTS = 3;
  /** An attempt without a selected direct pair this long after its CONNECT (initiator) fails. */
  public static final long ATTEMPT_TIMEOUT_MS = 5_000;

  /** What DCUtR asks of the session: its ICE agent, steering and candidates (session/DcutrChecks). */
  public interface Checks {
    /** Our host and server-reflexive candidates: the observed addresses a CONNECT carries. */
    List<Candidate> observedAddresses();

    /** A new check generation with these local credentials; completes with its selected pair. */
    Future<CandidatePair> restart(IceCredentials local);

    /** The peer's credentials of this generation: its checks are answered, none of ours start yet. */
    void remoteCredentials(IceCredentials remote);

    /** The peer's addresses join the checks (our connectivity checks start: the "dial"). */
    void dial(List<Candidate> addresses);

    /** A direct pair was selected: carry the QUIC connection on it. */
    void use(CandidatePair pair);

    /** Milliseconds since the session started (the clock of the session's timings). */
    double elapsedMs();
  }

  private final Vertx vertx;
  private final PeerId local;
  private final PeerId remote;
  private final String sessionId;
  private final boolean initiator;
  private final Checks checks;
  private final UdpEndpoint endpoint;
  private final MeterRegistry metrics;
  private final BiConsumer<String, String> mark;
  private MessageConsumer<Buffer> consumer;
  private int attempt;
  private boolean finished;
  /** The last attempt whose failure was reported (the timer or the peer moving on may both notice it). */
  private int failedAttempt;
  private long timer = -1;
  private PunchNoise noise;
  // initiator
  private IceCredentials credentials;
  private long connectSentNanos;
  private boolean answered;
  private double rttMs = -1;
  // responder
  private DcutrMessage.Connect pending;
  private boolean synced;

  /**
   * @param initiator true on libp2p's B (our answerer), which sends the first CONNECT
   * @param mark timeline: event, detail
   */
  public DcutrUpgrade(Vertx vertx, PeerId local, PeerId remote, String sessionId, boolean initiator, Checks checks,
      UdpEndpoint endpoint, MeterRegistry metrics, BiConsumer<String, String> mark) {
    this.vertx = vertx;
    this.local = local;
    this.remote = remote;
    this.sessionId = sessionId;
    this.initiator = initiator;
    this.checks = checks;
    this.endpoint = endpoint;
    this.metrics = metrics;
    this.mark = mark;
  }

  /** Listens for the peer's control datagrams; call before QUIC comes up so none is missed. */
  public Future<Void> listen() {
    consumer = vertx.eventBus().localConsumer(Addresses.sessionControlIn(local, sessionId), m -> onDatagram(m.body()));
    return consumer.completion();
  }

  /** QUIC is up on the relay and our addresses are gathered: the initiator sends its first CONNECT. */
  public void start() {
    if (initiator && attempt == 0) {
      attempt(1);
    }
  }

  public void close() {
    finished = true;
    cancelTimer();
    stopNoise();
    if (consumer != null) {
      consumer.unregister();
    }
  }

  void onDatagram(Buffer data) {
    DcutrMessage m;
    try {
      m = DcutrDecoder.decode(data);
    } catch (DcutrDecodeException e) {
      dropped("garbled", e.getMessage());
      return;
    }
    if (m instanceof DcutrMessage.Connect c) {
      if (initiator) {
        onConnectAnswer(c);
      } else {
        onConnect(c);
      }
    } else if (!initiator) {
      onSync((DcutrMessage.Sync) m);
    } else {
      dropped("unexpected", "SYNC sent to the initiator");
    }
  }

  // ------------------------------------------------------------------------------ initiator (B)

  private void attempt(int n) {
    attempt = n;
    answered = false;
    stopNoise();
    credentials = IceCredentials.random();
    List<Candidate> addresses = checks.observedAddresses();
    mark.accept("dcutr connect", "attempt " + n + " of " + MAX_ATTEMPTS + ", " + addresses.size() + " observed addresses");
    metrics.counter("p2p.dcutr.attempts").increment();
    connectSentNanos = System.nanoTime();
    send(new DcutrMessage.Connect(n, credentials, addresses));
    armTimer(n);
  }

  private void onConnectAnswer(DcutrMessage.Connect c) {
    if (finished || c.attempt() != attempt || answered) {
      dropped("stale", "CONNECT of attempt " + c.attempt() + " (now " + attempt + ")");
      return;
    }
    answered = true;
    int n = attempt;
    rttMs = (System.nanoTime() - connectSentNanos) / 1e6;
    Future<CandidatePair> selection = checks.restart(credentials);
    checks.remoteCredentials(c.credentials());
    send(new DcutrMessage.Sync(n));
    long half = Math.max(1, Math.round(rttMs / 2));
    mark.accept("dcutr sync", String.format("round trip %.1f ms through the relay; punching %d ms after SYNC", rttMs, half));
    vertx.setTimer(half, t -> {
      if (n != attempt || finished) {
        return;
      }
      List<InetSocketAddress> targets = c.addresses().stream().map(Candidate::address)
          .filter(a -> !a.isUnresolved()).distinct().toList();
      mark.accept("dcutr punch", "random UDP to " + targets.size() + " addresses every 10-200 ms; checks join");
      noise = new PunchNoise(vertx, endpoint, targets, ATTEMPT_TIMEOUT_MS, metrics).start();
      checks.dial(c.addresses());
    });
    selection.onComplete(ar -> onSelection(n, ar));
  }

  // ------------------------------------------------------------------------------ responder (A)

  private void onConnect(DcutrMessage.Connect c) {
    if (c.attempt() < attempt || c.attempt() == attempt && pending != null) {
      dropped("stale", "CONNECT of attempt " + c.attempt() + " (now " + attempt + ")");
      return;
    }
    int n = c.attempt();
    if (pending != null && !finished && failedAttempt != attempt) {
      // Not already reported by its own timeout: one "failed" line per attempt, whichever side noticed first.
      mark.accept("dcutr attempt failed", "attempt " + attempt + ": the peer started attempt " + n);
    }
    attempt = n;
    finished = false;
    pending = c;
    synced = false;
    IceCredentials mine = IceCredentials.random();
    Future<CandidatePair> selection = checks.restart(mine);
    List<Candidate> addresses = checks.observedAddresses();
    mark.accept("dcutr connect", "attempt " + n + ": the peer offers " + c.addresses().size() + " addresses; answering with "
        + addresses.size());
    send(new DcutrMessage.Connect(n, mine, addresses));
    armTimer(n);
    selection.onComplete(ar -> onSelection(n, ar));
  }

  private void onSync(DcutrMessage.Sync s) {
    if (pending == null || s.attempt() != attempt || synced) {
      dropped("stale", "SYNC of attempt " + s.attempt() + " (now " + attempt + ")");
      return;
    }
    synced = true;
    mark.accept("dcutr dial", "SYNC of attempt " + attempt + ": checks to the peer's " + pending.addresses().size() + " addresses");
    checks.remoteCredentials(pending.credentials());
    checks.dial(pending.addresses());
  }

  // ------------------------------------------------------------------------------ both

  private void onSelection(int n, AsyncResult<CandidatePair> ar) {
    if (n != attempt || finished) {
      return;
    }
    if (ar.succeeded() && !ar.result().relayed()) {
      cancelTimer();
      stopNoise();
      checks.use(ar.result());
      finish(true, ar.result().describe());
    } else {
      attemptFailed(n, ar.succeeded() ? "the checks selected a relayed pair" : ar.cause().getMessage());
    }
  }

  private void attemptFailed(int n, String why) {
    if (n != attempt || finished) {
      return;
    }
    cancelTimer();
    stopNoise();
    failedAttempt = n;
    mark.accept("dcutr attempt failed", "attempt " + n + ": " + why);
    if (n >= MAX_ATTEMPTS) {
      finish(false, "dcutr: no direct path after " + MAX_ATTEMPTS + " attempts; the session stays on the relay");
    } else if (initiator) {
      attempt(n + 1);
    } // the responder waits for the initiator's next CONNECT
  }

  private void finish(boolean direct, String detail) {
    finished = true;
    metrics.counter("p2p.dcutr.upgrades", "outcome", direct ? "direct" : "relayed").increment();
    mark.accept(direct ? "dcutr direct" : "dcutr relayed", direct ? "attempt " + attempt + ": " + detail : detail);
    JsonObject event = new JsonObject()
        .put("type", "dcutr")
        .put("sessionId", sessionId)
        .put("localPeer", local.value())
        .put("peer", remote.value())
        .put("path", direct ? "direct" : "relayed")
        .put("attempts", attempt);
    if (direct) {
      event.put("upgradeMs", checks.elapsedMs());
    } else {
      event.put("reason", detail);
    }
    if (rttMs >= 0) {
      event.put("relayRttMs", Math.round(rttMs * 10) / 10.0);
    }
    vertx.eventBus().publish(Addresses.SESSION_EVENTS, event);
  }

  private void armTimer(int n) {
    cancelTimer();
    timer = vertx.setTimer(ATTEMPT_TIMEOUT_MS, t -> attemptFailed(n, "no direct pair selected within " + ATTEMPT_TIMEOUT_MS + " ms"));
  }

  private void cancelTimer() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void stopNoise() {
    if (noise != null) {
      noise.stop();
      noise = null;
    }
  }

  private void send(DcutrMessage m) {
    vertx.eventBus().request(Addresses.sessionControl(local, sessionId), DcutrEncoder.encode(m),
            new DeliveryOptions().setLocalOnly(true))
        .onFailure(err -> mark.accept("dcutr send failed", err.getMessage()));
  }

  private void dropped(String reason, String detail) {
    metrics.counter("p2p.dcutr.dropped", "reason", reason).increment();
    mark.accept("dcutr dropped", reason + ": " + detail);
  }
}
