package io.p2pquic.puncher.quicnative;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.session.SessionContext;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session sockets for method quic-native, bound and already attached to the rendezvous's QUIC signalling
 * ({@link RendezvousAttachment}), with their host candidates and observed address known. Attaching is a
 * QUIC handshake plus the registration's challenge, four to five round trips to the rendezvous; each side
 * of a session did it before its offer or answer could leave (about 200 ms a side of the 690 ms to the
 * first echoed byte in the NAT lab at 20 ms per router). A session that takes a socket here sends at once.
 *
 * <p>The pool wakes on first use: a node that never runs quic-native keeps no extra connection to the
 * rendezvous. The first quic-native session (either side) attaches as before and starts the pool; from
 * then on one socket is kept ready. Every {@code socketPoolRefreshMillis} a ready socket pings the
 * rendezvous over its attachment (the rendezvous closes idle QUIC signalling after 30 s; the ping also
 * keeps the NAT mapping), and every fourth time attaches anew, which notices a changed observed
 * address. After
 * {@link #IDLE_MILLIS} without a take the pool closes its sockets and sleeps again. Size 0
 * ({@code session.socketPoolSize}) turns it off, as it does the ICE sockets' pool.
 *
 * <p>Runs on the context it was created on (the puncher's), as the sessions do. Metrics:
 * {@code p2p.session.attached-socket-pool{outcome=hit|miss}}.
 */
public final class AttachedSocketPool {
  private static final Logger LOG = LoggerFactory.getLogger(AttachedSocketPool.class);
  /** A pool that was not taken from for this long closes its sockets (their attachments cost the rendezvous). */
  static final long IDLE_MILLIS = 10 * 60_000;
  /**
   * After a take, the next socket attaches this much later: past the session's own offer or answer, but
   * soon, because attaching takes four to five round trips and connects in a row should each find one.
   */
  static final long REFILL_DELAY_MILLIS = 20;
  /** Every this many refreshes the ready socket attaches anew; the others are a ping. */
  static final int REATTACH_EVERY = 4;

  /** A socket attached to the rendezvous, its host candidates, and how long ago it attached. */
  public record Attached(NettyUdpEndpoint endpoint, RendezvousAttachment attachment, List<Candidate> hosts, long ageMillis) {}

  /** Where the rendezvous's QUIC signalling listens and the peer id its certificate must prove (null: any). */
  record Target(InetSocketAddress address, PeerId peerId) {}

  private static final class Entry {
    final NettyUdpEndpoint endpoint;
    final List<Candidate> hosts;
    RendezvousAttachment attachment;
    long attachedNanos;
    long refreshTimer = -1;
    int refreshes;

    Entry(NettyUdpEndpoint endpoint, List<Candidate> hosts) {
      this.endpoint = endpoint;
      this.hosts = hosts;
    }
  }

  private final SessionContext ctx;
  private final Vertx vertx;
  private final Context context;
  private final Supplier<GatheringOptions> gathering;
  private final URI rendezvous;
  private final QuicNativeOptions options;
  private final MeterRegistry metrics;
  private final int size;
  private final long refreshMillis;
  private Entry ready;
  private boolean filling;
  private boolean awake;
  private boolean closed;
  private long lastTakeNanos;
  private long idleTimer = -1;

  /**
   * @param gathering the sessions' gathering options (host candidates only are used, as by the session)
   * @param rendezvous the signalling URL, whose host the QUIC signalling runs on
   */
  public AttachedSocketPool(SessionContext ctx, Supplier<GatheringOptions> gathering, URI rendezvous,
      QuicNativeOptions options) {
    this.ctx = ctx;
    this.vertx = ctx.vertx();
    this.context = vertx.getOrCreateContext();
    this.gathering = gathering;
    this.rendezvous = rendezvous;
    this.options = options;
    this.metrics = ctx.metrics();
    this.size = Math.min(1, ctx.options().socketPoolSize());
    this.refreshMillis = ctx.options().socketPoolRefreshMillis();
  }

  /**
   * A ready attached socket, or null (none ready yet: the pool wakes and fills for the next session).
   * The session owns what it takes.
   */
  public Attached take() {
    if (size == 0 || closed) {
      return null;
    }
    lastTakeNanos = System.nanoTime();
    Entry e = ready;
    if (e != null && !e.attachment.isOpen()) {
      discard(e); // the rendezvous closed it (restart, idle): the session attaches itself
      e = null;
    }
    ready = null;
    metrics.counter("p2p.session.attached-socket-pool", "outcome", e == null ? "miss" : "hit").increment();
    if (!awake) {
      awake = true;
      idleTimer = vertx.setPeriodic(IDLE_MILLIS / 4, t -> sleepIfIdle());
    }
    vertx.setTimer(REFILL_DELAY_MILLIS, t -> fill());
    if (e == null) {
      return null;
    }
    vertx.cancelTimer(e.refreshTimer);
    return new Attached(e.endpoint, e.attachment, e.hosts, (System.nanoTime() - e.attachedNanos) / 1_000_000);
  }

  /** Closes the ready socket and stops refilling. */
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(idleTimer);
    Entry e = ready;
    ready = null;
    return e == null ? Future.succeededFuture() : discard(e);
  }

  private void sleepIfIdle() {
    if (System.nanoTime() - lastTakeNanos < IDLE_MILLIS * 1_000_000L) {
      return;
    }
    awake = false;
    vertx.cancelTimer(idleTimer);
    Entry e = ready;
    ready = null;
    if (e != null) {
      discard(e);
      LOG.debug("quic-native socket pool idle for {} ms: closed", IDLE_MILLIS);
    }
  }

  private void fill() {
    if (closed || !awake || filling || ready != null) {
      return;
    }
    filling = true;
    GatheringOptions g = hostOnly(gathering.get());
    Future<Target> target = target(vertx, ctx, rendezvous);
    target.compose(t -> bind(ctx, g).compose(ep -> hosts(ctx, g, ep)
        .map(h -> new Entry(ep, h))
        .compose(e -> attach(e, t).map(e))
        .onFailure(err -> ep.close())))
        .onComplete(ar -> context.runOnContext(v -> {
          filling = false;
          if (ar.failed()) {
            LOG.debug("no attached quic-native socket: {}", ar.cause().getMessage());
            return; // the next take tries again
          }
          Entry e = ar.result();
          if (closed || !awake || ready != null) {
            discard(e);
            return;
          }
          ready = e;
          scheduleRefresh(e, target.result());
        }));
  }

  private Future<Void> attach(Entry e, Target t) {
    return RendezvousAttachment.open(vertx, e.endpoint.channel(), t.address(), t.peerId(), ctx.signalling().identity(),
            options.attachTimeoutMs(), refreshMillis + options.attachTimeoutMs() + 5_000)
        .onSuccess(a -> {
          e.attachment = a;
          e.attachedNanos = System.nanoTime();
        })
        .mapEmpty();
  }

  /**
   * Each refresh period the ready socket pings the rendezvous over its attachment (one small packet each
   * way keeps the connection and the NAT mapping); every {@link #REATTACH_EVERY}th time it attaches anew
   * instead, which also notices a changed observed address. A socket that cannot is closed and replaced.
   * Attaching is a handshake and a signature check at the rendezvous: doing it on every refresh would cost
   * a rendezvous with 50,000 peers thousands a second.
   */
  private void scheduleRefresh(Entry e, Target t) {
    e.refreshTimer = vertx.setTimer(refreshMillis, id -> {
      if (ready != e) {
        return;
      }
      boolean reattach = ++e.refreshes % REATTACH_EVERY == 0;
      Future<Void> kept = reattach ? e.attachment.close().compose(v -> attach(e, t)) : e.attachment.keepAlive();
      kept.onComplete(ar -> context.runOnContext(v -> {
        if (ar.succeeded() && ready == e) {
          scheduleRefresh(e, t);
        } else if (ready == e) {
          ready = null;
          discard(e);
          fill();
        }
      }));
    });
  }

  private Future<Void> discard(Entry e) {
    vertx.cancelTimer(e.refreshTimer);
    Future<Void> detached = e.attachment == null ? Future.succeededFuture() : e.attachment.close();
    return detached.eventually(() -> e.endpoint.close());
  }

  // ---- what the pool and a session that attaches itself share -------------------------------------

  /**
   * The rendezvous's QUIC signalling, from the registration; fails, saying what to set, when the
   * rendezvous runs none.
   */
  static Future<Target> target(Vertx vertx, SessionContext ctx, URI rendezvous) {
    JsonObject advert = ctx.signalling().registration() == null ? null : ctx.signalling().registration().quicSignalling();
    if (advert == null || advert.getInteger("port") == null) {
      return Future.failedFuture("method quic-native needs the rendezvous's QUIC signalling transport, and this rendezvous"
          + " runs none (set signalling.quicPort in its configuration, or connect with method ice or auto)");
    }
    PeerId id = advert.getString("peerId") == null ? null : PeerId.parse(advert.getString("peerId"));
    int port = advert.getInteger("port");
    return vertx.executeBlocking(() -> new Target(new InetSocketAddress(InetAddress.getByName(rendezvous.getHost()), port), id),
        false);
  }

  /** {@code g} without STUN or TURN servers: the rendezvous connection gives the server-reflexive candidate. */
  static GatheringOptions hostOnly(GatheringOptions g) {
    return new GatheringOptions(g.toJson()).setStunServers(List.of()).setTurnServers(List.of());
  }

  /** A session socket of the family the gathering options allow (IPv6 wildcard first, IPv4 as fallback). */
  static Future<NettyUdpEndpoint> bind(SessionContext ctx, GatheringOptions g) {
    Vertx vertx = ctx.vertx();
    if (!g.ipv6()) {
      return NettyUdpEndpoint.bind(vertx, "0.0.0.0", g.port(), ctx.metrics(), ctx.datagramChannels());
    }
    return NettyUdpEndpoint.bind(vertx, "::", g.port(), ctx.metrics(), ctx.datagramChannels())
        .recover(err -> g.ipv4() ? NettyUdpEndpoint.bind(vertx, "0.0.0.0", g.port(), ctx.metrics(), ctx.datagramChannels())
            : Future.failedFuture(err));
  }

  /** The socket's host candidates (the rendezvous connection, not STUN, gives the server-reflexive one). */
  static Future<List<Candidate>> hosts(SessionContext ctx, GatheringOptions g, NettyUdpEndpoint endpoint) {
    StunClient stun = new StunClient(ctx.vertx(), endpoint, ctx.metrics());
    List<Candidate> found = new ArrayList<>();
    return new CandidateGatherer(ctx.vertx(), g, ctx.metrics()).gather(List.of(stun), found::add).map(r -> (List<Candidate>) found)
        .eventually(() -> {
          stun.close();
          return Future.succeededFuture();
        });
  }
}
