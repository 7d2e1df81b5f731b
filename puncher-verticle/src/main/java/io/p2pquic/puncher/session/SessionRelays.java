package io.p2pquic.puncher.session;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.transport.RelayTransport;
import io.p2pquic.puncher.transport.RelayUdpEndpoint;
import io.p2pquic.puncher.turn.RelayAllocation;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The TURN allocations of one ICE session (made from its socket, one per relayed local candidate) and
 * their upkeep: a relay suspected dead (a path through it went silent) must answer a Refresh within
 * {@link SessionOptions#relayProbeMillis()} or our allocation there is dropped; when none is left, the
 * session allocates on another relay (a fresh grant, skipping the dead ones) for up to
 * {@link SessionOptions#reallocationMillis()}, and the new relayed candidate trickles like any other.
 * On close, every allocation is deleted (bounded: a dead relay never answers).
 *
 * <p>Relays are kept warm: a Binding indication to each relay server every
 * {@link SessionOptions#relayKeepaliveMillis()}. While a session runs direct nothing else goes to the relay
 * for minutes (the next Refresh or permission refresh), and a NAT that forgets an idle UDP mapping after
 * 30 s would give the session socket a new public port (a random one behind a symmetric NAT): the TURN
 * server would then drop the fallback's packets as coming from a stranger, just when they are needed.
 */
final class SessionRelays {
  private final SessionContext ctx;
  private final ConnectMethod method;
  private final GatheringOptions gathering;
  /** Our allocations on the session socket, by relayed address (the relayed candidates' bases). */
  private final Map<InetSocketAddress, RelayUdpEndpoint> endpoints = new ConcurrentHashMap<>();
  /** Relay servers (by IP) that went silent in this session: re-allocation avoids them. */
  private final Set<InetAddress> dead = new HashSet<>();
  /** Relay IPs a path went silent through (ours or the peer's): told to the peer, which probes its own there. */
  private final Set<InetAddress> silent = new HashSet<>();
  /** Where fresh relays come from when every relay died (a new grant); null: the configured ones. */
  private Supplier<Future<List<TurnClientOptions>>> source;
  /** A re-allocation in progress, null otherwise. */
  private Future<Void> reallocation;
  private NettyUdpEndpoint socket;
  private StunClient stun;
  private Handler<Candidate> onRelayedCandidate;
  private BooleanSupplier over;
  private long keepalive = -1;
  private final byte[] keepaliveIndication = new io.p2pquic.stun.StunMessageEncoder().encodeToBytes(
      io.p2pquic.stun.StunMessage.builder(io.p2pquic.stun.StunMessageType.BINDING_INDICATION).fingerprint().build());

  SessionRelays(SessionContext ctx, ConnectMethod method, GatheringOptions gathering) {
    this.ctx = ctx;
    this.method = method;
    this.gathering = gathering;
  }

  /** Where fresh relays come from once every relay of the session died (e.g. a new grant from the rendezvous). */
  void source(Supplier<Future<List<TurnClientOptions>>> source) {
    this.source = source;
  }

  /**
   * The session's socket and STUN client (re-allocations are made from them), what to do with a new
   * relayed candidate, and whether the session is over (then nothing is allocated any more).
   */
  void attach(NettyUdpEndpoint socket, StunClient stun, Handler<Candidate> onRelayedCandidate, BooleanSupplier over) {
    this.socket = socket;
    this.stun = stun;
    this.onRelayedCandidate = onRelayedCandidate;
    this.over = over;
    keepalive = ctx.vertx().setPeriodic(ctx.options().relayKeepaliveMillis(), t -> keepWarm());
  }

  private void keepWarm() {
    if (over.getAsBoolean()) {
      ctx.vertx().cancelTimer(keepalive);
      return;
    }
    Set<InetSocketAddress> servers = new HashSet<>();
    endpoints.values().forEach(r -> servers.add(r.relay().server()));
    for (InetSocketAddress server : servers) {
      socket.send(io.vertx.core.buffer.Buffer.buffer(keepaliveIndication), server);
      ctx.metrics().counter("p2p.session.relay-keepalives").increment();
    }
  }

  /** Our allocation relaying at {@code relayed}, or null. */
  RelayUdpEndpoint at(InetSocketAddress relayed) {
    return relayed == null ? null : endpoints.get(relayed);
  }

  boolean holds(InetSocketAddress relayed) {
    return endpoints.containsKey(relayed);
  }

  /** A relayed candidate's allocation, seen as a socket bound to the relayed address. */
  RelayUdpEndpoint add(RelayTransport relay) {
    RelayUdpEndpoint ep = new RelayUdpEndpoint(relay);
    endpoints.put(relay.relayedAddress(), ep);
    return ep;
  }

  /** A path through the relay at {@code ip} went silent: the peer hears of it with the next restart. */
  void markSilent(InetAddress ip) {
    silent.add(ip);
  }

  Set<InetAddress> silent() {
    return Set.copyOf(silent);
  }

  /**
   * The relays at {@code suspects} stopped answering: forget our allocations there that do not answer a
   * Refresh and, when none is left, allocate on another relay (a fresh grant, which may still list a node
   * the cluster has not yet noticed is gone: those are skipped, and asked again for a while). Completes
   * when done or given up (the session keeps what it has).
   */
  Future<Void> replaceAt(Set<InetAddress> suspects) {
    if (suspects.isEmpty() || method == ConnectMethod.ICE) {
      return Future.succeededFuture();
    }
    // Silence on a path is a hint, not proof (a peer's relay, a loaded host, QUIC's probe backoff):
    // ask each of our allocations there for a Refresh and drop only those that do not answer.
    List<Future<Void>> probes = new ArrayList<>();
    for (RelayUdpEndpoint r : List.copyOf(endpoints.values())) {
      InetAddress server = r.relay().server().getAddress();
      if (!suspects.contains(server) || !(r.relay() instanceof RelayAllocation allocation)) {
        continue;
      }
      Promise<Void> probed = Promise.promise();
      // Drop before completing: completing runs the join below at once, which must see the drop.
      long timer = ctx.vertx().setTimer(ctx.options().relayProbeMillis(), t -> {
        if (!probed.future().isComplete()) {
          drop(r, allocation);
          probed.tryComplete();
        }
      });
      allocation.refresh().onComplete(ar -> {
        ctx.vertx().cancelTimer(timer);
        if (!probed.future().isComplete()) {
          if (ar.succeeded()) {
            ctx.mark("relay alive", SocketAddresses.format(r.relay().server()) + " answered a Refresh; keeping our allocation");
          } else {
            drop(r, allocation);
          }
          probed.tryComplete();
        }
      });
      probes.add(probed.future());
    }
    return Future.join(probes).transform(x -> {
      if (!endpoints.isEmpty() || reallocation != null) {
        return reallocation != null ? reallocation : Future.<Void>succeededFuture();
      }
      if (source == null && gathering.turnServers().isEmpty() || over.getAsBoolean()) {
        return Future.<Void>succeededFuture();
      }
      ctx.metrics().counter("p2p.session.relay-reallocations").increment();
      Promise<Void> done = Promise.promise();
      reallocation = done.future();
      allocateElsewhere(System.nanoTime() + ctx.options().reallocationMillis() * 1_000_000L, done);
      return reallocation.onComplete(y -> reallocation = null);
    });
  }

  private void drop(RelayUdpEndpoint r, RelayAllocation allocation) {
    dead.add(r.relay().server().getAddress());
    endpoints.values().remove(r);
    ctx.mark("relay dropped", "our allocation " + SocketAddresses.format(r.relay().relayedAddress()) + " on "
        + SocketAddresses.format(r.relay().server()) + " did not answer a Refresh within "
        + ctx.options().relayProbeMillis() + " ms");
    socket.removeRelay(r.relay());
    allocation.close(); // stops its refreshes; a dead node never answers the deallocation
  }

  private void allocateElsewhere(long deadlineNanos, Promise<Void> done) {
    Future<List<TurnClientOptions>> offered = source != null ? source.get() : Future.succeededFuture(gathering.turnServers());
    offered.recover(err -> Future.succeededFuture(List.of())).onSuccess(relays -> {
      if (over.getAsBoolean()) {
        done.tryComplete();
        return;
      }
      List<TurnClientOptions> live = relays.stream()
          .filter(t -> !SocketAddresses.isIpLiteral(t.host()) || !dead.contains(SocketAddresses.parseIp(t.host())))
          .toList();
      Future<Boolean> allocated = live.isEmpty() ? Future.succeededFuture(false)
          : new CandidateGatherer(ctx.vertx(), new GatheringOptions(gathering.toJson()).setStunServers(List.of()).setTurnServers(live),
              ctx.metrics())
              .gather(List.of(stun), c -> {
                if (c.type() == CandidateType.RELAYED) {
                  onRelayedCandidate.handle(c);
                }
              })
              .map(r -> r.relays().stream().anyMatch(x -> x.allocation() != null));
      allocated.onComplete(ar -> {
        if (ar.succeeded() && ar.result()) {
          ctx.mark("relay re-allocated", endpoints.keySet().stream().map(SocketAddresses::format).toList().toString());
          done.tryComplete();
        } else if (System.nanoTime() < deadlineNanos && !over.getAsBoolean()) {
          ctx.vertx().setTimer(1_000, t -> allocateElsewhere(deadlineNanos, done));
        } else {
          ctx.mark("relay re-allocation failed", "no live relay within " + ctx.options().reallocationMillis()
              + " ms (offered: " + relays.stream().map(TurnClientOptions::host).toList() + ", silent: " + dead + ")");
          done.tryComplete();
        }
      });
    });
  }

  /**
   * Deletes every allocation (Refresh with lifetime 0, which needs the socket: an allocation left to expire
   * counts against the user's quota for its whole lifetime; seen in the lab: 486 after 16 sessions).
   * Completes when all answered or after 1 s, since a dead relay never answers.
   */
  Future<Void> close() {
    if (keepalive >= 0) {
      ctx.vertx().cancelTimer(keepalive);
    }
    List<Future<?>> deallocations = new ArrayList<>();
    for (RelayUdpEndpoint r : endpoints.values()) {
      if (r.relay() instanceof RelayAllocation allocation) {
        deallocations.add(allocation.close());
      }
    }
    if (deallocations.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> released = Promise.promise();
    Future.join(deallocations).onComplete(x -> released.tryComplete());
    long timer = ctx.vertx().setTimer(1_000, t -> released.tryComplete());
    return released.future().onComplete(x -> ctx.vertx().cancelTimer(timer));
  }
}
