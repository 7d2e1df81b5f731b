package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.GatheringResult.StunBinding.Outcome;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.GatheringResult;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session sockets bound ahead of time with their host and server-reflexive candidates already known
 * (WebRTC's ICE candidate pool), so that a new {@code ice} or {@code auto} session puts them straight
 * into its offer or answer. Without it the listener's server-reflexive candidate reaches the dialer one
 * STUN round trip plus one signalling crossing after the answer, and the dialer's checks wait for it
 * (about 60 ms of the 560 ms to the first echoed byte in the NAT lab at 20 ms per router).
 *
 * <p>Each pooled socket repeats its STUN Binding every {@code socketPoolRefreshMillis}: that keeps the
 * NAT mapping the candidate names alive (RFC 8445 section 11) and notices a mapping that changed; a
 * socket whose refresh gets no STUN answer is closed and replaced. A session
 * that takes a socket still gathers on it as before; what it finds that the pool already knew is not
 * offered twice. Relayed candidates are never pooled (an allocation costs the relay), and a session
 * whose gathering options differ from the pool's in anything but its relays binds its own socket.
 *
 * <p>Runs on the context it was created on (the puncher's), as the sessions do. Metrics:
 * {@code p2p.session.socket-pool{outcome=hit|miss}}, {@code p2p.session.socket-pool.replaced}.
 */
final class SessionSocketPool {
  private static final Logger LOG = LoggerFactory.getLogger(SessionSocketPool.class);
  /**
   * After a take, the next socket is bound this much later: past the session's offer (the bind and its
   * STUN Binding would share the event loop with it) but well inside the ~450 ms a session takes to
   * connect, so that connects in a row each find a socket ready (with 1 s, every other one of a run of
   * back-to-back connects in the NAT lab found the pool empty on both sides and waited a STUN round trip
   * for the peer's trickled server-reflexive candidate).
   */
  static final long REFILL_DELAY_MILLIS = 100;

  /** A pooled socket handed to a session: the session owns the endpoint from now on. */
  record Pooled(NettyUdpEndpoint endpoint, List<Candidate> candidates, long ageMillis) {}

  private static final class Entry {
    final NettyUdpEndpoint endpoint;
    final StunClient stun;
    List<Candidate> candidates = List.of();
    long gatheredNanos;
    long refreshTimer = -1;

    Entry(NettyUdpEndpoint endpoint, StunClient stun) {
      this.endpoint = endpoint;
      this.stun = stun;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final SessionContext ctx;
  private final Supplier<GatheringOptions> gathering;
  private final int size;
  private final long refreshMillis;
  private final MeterRegistry metrics;
  private final Deque<Entry> ready = new ArrayDeque<>();
  private int filling;
  private boolean closed;

  SessionSocketPool(SessionContext ctx, Supplier<GatheringOptions> gathering) {
    this.ctx = ctx;
    this.vertx = ctx.vertx();
    this.context = vertx.getOrCreateContext();
    this.gathering = gathering;
    this.size = ctx.options().socketPoolSize();
    this.refreshMillis = ctx.options().socketPoolRefreshMillis();
    this.metrics = ctx.metrics();
  }

  /** Starts filling the pool (nothing happens with a size of 0). */
  SessionSocketPool start() {
    context.runOnContext(v -> fill());
    return this;
  }

  /**
   * A ready socket for a session gathering with {@code options}, or null (none ready, or options the
   * pooled candidates do not match). The pool refills in the background.
   */
  Pooled take(GatheringOptions options) {
    if (size == 0 || closed) {
      return null;
    }
    Entry e = compatible(options) ? ready.pollFirst() : null;
    metrics.counter("p2p.session.socket-pool", "outcome", e == null ? "miss" : "hit").increment();
    if (e == null) {
      return null;
    }
    vertx.cancelTimer(e.refreshTimer);
    e.stun.close();
    vertx.setTimer(REFILL_DELAY_MILLIS, t -> fill());
    return new Pooled(e.endpoint, e.candidates, (System.nanoTime() - e.gatheredNanos) / 1_000_000);
  }

  /** Closes every pooled socket; a session's socket is the session's. */
  Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    for (Entry e : ready) {
      vertx.cancelTimer(e.refreshTimer);
      e.stun.close();
      all.add(e.endpoint.close());
    }
    ready.clear();
    return Future.join(all).mapEmpty();
  }

  int readyCount() {
    return ready.size();
  }

  /** Pooled candidates fit a session whose options equal the pool's but for the relays (a grant changes them). */
  private boolean compatible(GatheringOptions options) {
    return options.port() == 0 && pooledOptions(options).toJson().equals(pooledOptions(gathering.get()).toJson());
  }

  private static GatheringOptions pooledOptions(GatheringOptions g) {
    return new GatheringOptions(g.toJson()).setTurnServers(List.of());
  }

  private void fill() {
    GatheringOptions g = pooledOptions(gathering.get());
    if (closed || g.port() != 0 || g.stunServers().isEmpty() || ready.size() + filling >= size) {
      return; // a fixed port cannot be bound twice; without STUN a pooled socket saves nothing
    }
    filling++;
    bind(g).compose(ep -> {
      Entry e = new Entry(ep, new StunClient(vertx, ep, metrics).installAsHandler());
      return gather(e, g).map(e);
    }).onComplete(ar -> {
      filling--;
      if (ar.failed()) {
        LOG.debug("no pooled session socket: {}", ar.cause().getMessage());
        return; // the next take() asks again; sessions bind their own meanwhile
      }
      Entry e = ar.result();
      if (closed) {
        e.stun.close();
        e.endpoint.close();
        return;
      }
      ready.addLast(e);
      scheduleRefresh(e, g);
      fill();
    });
  }

  private Future<NettyUdpEndpoint> bind(GatheringOptions g) {
    if (!g.ipv6()) {
      return NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, metrics, ctx.datagramChannels());
    }
    return NettyUdpEndpoint.bind(vertx, "::", 0, metrics, ctx.datagramChannels())
        .recover(err -> g.ipv4() ? NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, metrics, ctx.datagramChannels())
            : Future.failedFuture(err));
  }

  /** Host and server-reflexive candidates of {@code e}'s socket; fails when no STUN server answered. */
  private Future<Void> gather(Entry e, GatheringOptions g) {
    return new CandidateGatherer(vertx, g, metrics).gather(List.of(e.stun), c -> { }).compose(r -> {
      // Answered is what counts: on a host without NAT the mapped address is the host's own (pruned as redundant).
      if (r.stun().stream().noneMatch(b -> b.outcome() == Outcome.MAPPED || b.outcome() == Outcome.REDUNDANT)) {
        return Future.failedFuture("no STUN answer (" + describe(r) + ")");
      }
      e.candidates = r.candidates();
      e.gatheredNanos = System.nanoTime();
      return Future.succeededFuture();
    });
  }

  private void scheduleRefresh(Entry e, GatheringOptions g) {
    e.refreshTimer = vertx.setTimer(refreshMillis, t -> {
      if (closed || !ready.contains(e)) {
        return;
      }
      gather(e, g).onComplete(ar -> {
        if (!ready.contains(e)) {
          return; // taken meanwhile: the session gathers for itself
        }
        if (ar.succeeded()) {
          scheduleRefresh(e, g);
          return;
        }
        // The mapping is gone or the STUN server is: a fresh socket, not a stale candidate.
        ready.remove(e);
        e.stun.close();
        e.endpoint.close();
        metrics.counter("p2p.session.socket-pool.replaced").increment();
        fill();
      });
    });
  }

  private static String describe(GatheringResult r) {
    return r.stun().isEmpty() ? "no STUN server of the socket's family" : r.stun().get(0).toJson().encode();
  }
}
