package io.p2pquic.puncher.ice;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.puncher.ice.GatheringResult.StunBinding;
import io.p2pquic.puncher.ice.GatheringResult.StunBinding.Outcome;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunErrorResponseException;
import io.p2pquic.puncher.stun.StunResponse;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.puncher.turn.RelayAllocation;
import io.p2pquic.puncher.turn.TurnClient;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers host, server-reflexive and relayed UDP candidates (RFC 8445 section 5.1.1), trickle style.
 *
 * <p><b>One socket per address family.</b> The gatherer works on the sockets it is given (normally one
 * wildcard-bound UDP socket for IPv4 and one for IPv6, see {@link #openSockets()}), not one socket per
 * interface address: later, one UDP socket per session carries STUN, ICE checks and QUIC, and the
 * QUIC codec can adopt exactly that channel. Each usable interface address of the socket's family
 * becomes a host candidate with the socket's port. The cost: the kernel, not the candidate, picks
 * the source address of each outgoing packet (by route), so a check "from" one host candidate may
 * leave from another address; the peer then sees a peer-reflexive address, which ICE handles
 * (RFC 8445 7.2.5.3.1). A socket bound to one specific IP yields just that host candidate.
 *
 * <p><b>Server-reflexive</b> candidates come from a Binding request to each configured STUN server of
 * the socket's family through the socket's {@link StunClient}. Their base is the host address the
 * kernel routes toward that server. A mapped address equal to its base (no NAT) is redundant
 * (RFC 8445 5.1.3) and is pruned unless {@link GatheringOptions#pruneRedundant()} is false; it is
 * still reported in {@link GatheringResult#stun()} as REDUNDANT.
 *
 * <p><b>Relayed</b> candidates come from a TURN allocation ({@link TurnClient}) on each configured TURN
 * server of the socket's family ({@link GatheringOptions#turnServers()}), made from the socket itself so
 * that the relay reaches exactly the socket ICE and QUIC use. Type preference 0, local preference of the
 * base (the host address routed toward the TURN server), related address the mapped address the TURN
 * server saw. The {@link RelayAllocation}s are in {@link GatheringResult#relays()}; the caller owns them
 * (they end when closed or when their socket closes). A pending allocation is waited for until
 * {@link GatheringOptions#relayGatheringTimeoutMillis()} (longer than the server-reflexive timeout: under
 * loss it needs its retransmissions); one that completes after that is closed at once.
 *
 * <p><b>Order and priorities.</b> Host addresses are ranked IPv6 and IPv4 interleaved, IPv6 first
 * (RFC 8421), loopback last, and get local preference 65535 minus their rank; a server-reflexive
 * candidate takes its base's local preference.
 *
 * <p><b>Trickle.</b> Candidates go to the handler as they are found (host candidates at once, each
 * server-reflexive one when its response arrives), on the Vert.x context current at {@link #gather}.
 * The returned future completes when every binding and allocation has answered or failed, or at the
 * gathering timeout (the relay gathering timeout while an allocation is pending; then {@code timedOut}
 * is true; nothing is emitted afterwards). It fails only on bad input.
 *
 * <p>Metrics: {@code p2p.ice.gathering.candidates{type}}, {@code p2p.ice.gathering.stun{outcome}},
 * {@code p2p.ice.gathering.turn{outcome=allocated|error|late}} (and the TURN client's {@code p2p.turn.*}).
 */
public final class CandidateGatherer {
  private static final Logger LOG = LoggerFactory.getLogger(CandidateGatherer.class);

  private final Vertx vertx;
  private final GatheringOptions options;
  private final MeterRegistry registry;

  public CandidateGatherer(Vertx vertx, GatheringOptions options, MeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.registry = registry;
  }

  /**
   * Opens one wildcard-bound UDP socket per enabled family on {@link GatheringOptions#port()} (IPv4
   * first), each with a {@link StunClient} installed as its handler. A family that cannot be bound
   * (no IPv6 on the host, or a fixed port already taken by the dual-stack IPv4 socket) is left out
   * with a warning; the future fails only when no socket could be opened. Closing the sockets is the
   * caller's job.
   */
  public Future<List<StunClient>> openSockets() {
    Future<Void> chain = Future.succeededFuture();
    List<StunClient> clients = Collections.synchronizedList(new ArrayList<>());
    List<String> families = new ArrayList<>();
    if (options.ipv4()) {
      families.add("0.0.0.0");
    }
    if (options.ipv6()) {
      families.add("::");
    }
    List<Throwable> errors = new ArrayList<>();
    for (String wildcard : families) {
      chain = chain.compose(v -> {
        return NettyUdpEndpoint.bind(vertx, wildcard, options.port(), registry)
            .map(endpoint -> {
              clients.add(new StunClient(vertx, endpoint, registry).installAsHandler());
              return (Void) null;
            })
            .recover(err -> {
              LOG.warn("cannot bind UDP {}:{} for gathering: {}", wildcard, options.port(), err.getMessage());
              errors.add(err);
              return Future.succeededFuture();
            });
      });
    }
    return chain.compose(v -> clients.isEmpty()
        ? Future.failedFuture(new IOException("no UDP socket could be bound for gathering"
            + (errors.isEmpty() ? " (IPv4 and IPv6 both disabled)" : ": " + errors.get(0).getMessage())))
        : Future.succeededFuture(List.copyOf(clients)));
  }

  /**
   * Gathers on {@code sockets} (one {@link StunClient} per socket, normally one per family) and hands
   * each candidate to {@code onCandidate} as soon as it is known.
   */
  public Future<GatheringResult> gather(List<StunClient> sockets, Handler<Candidate> onCandidate) {
    Context context = vertx.getOrCreateContext();
    long start = System.nanoTime();
    return vertx.executeBlocking(() -> plan(sockets), false)
        .compose(plans -> {
          Promise<GatheringResult> promise = Promise.promise();
          context.runOnContext(v -> new Run(context, plans, onCandidate, start, promise).start());
          return promise.future();
        });
  }

  // ---- planning (blocking: interface enumeration, DNS, route lookups) ----

  private record ServerPlan(InetSocketAddress server, InetAddress baseIp, String error) {}

  private record TurnPlan(TurnClientOptions options, InetSocketAddress server, InetAddress baseIp, String error) {}

  private record SocketPlan(StunClient client, InetSocketAddress bound, boolean v6, List<InetAddress> hostIps,
      List<ServerPlan> servers, List<TurnPlan> turns) {}

  private record Plan(List<SocketPlan> sockets, List<String> unresolved, List<String> unresolvedTurn) {}

  private Plan plan(List<StunClient> sockets) throws SocketException {
    List<InetSocketAddress> servers = new ArrayList<>();
    List<String> unresolved = new ArrayList<>();
    for (String s : options.stunServers()) {
      InetSocketAddress a = SocketAddresses.parseHostPort(s);
      if (!a.isUnresolved()) {
        servers.add(a);
        continue;
      }
      try {
        for (InetAddress ip : InetAddress.getAllByName(a.getHostString())) {
          servers.add(new InetSocketAddress(ip, a.getPort()));
        }
      } catch (UnknownHostException e) {
        LOG.warn("STUN server {} does not resolve; skipped", s);
        unresolved.add(s);
      }
    }
    List<TurnPlan> turnServers = new ArrayList<>();
    List<String> unresolvedTurn = new ArrayList<>();
    for (TurnClientOptions t : options.turnServers()) {
      try {
        for (InetAddress ip : InetAddress.getAllByName(t.host())) {
          turnServers.add(new TurnPlan(t, new InetSocketAddress(ip, t.port()), null, null));
        }
      } catch (UnknownHostException e) {
        LOG.warn("TURN server {} does not resolve; skipped", t.server());
        unresolvedTurn.add(t.server());
      }
    }
    List<SocketPlan> plans = new ArrayList<>();
    for (StunClient client : sockets) {
      InetSocketAddress bound = client.localAddress();
      boolean v6Socket = bound.getAddress() instanceof Inet6Address;
      // A session's single socket bound to "::" is dual-stack (Linux default): it carries candidates
      // of both families. Gathering sockets come one per family and are planned per family.
      boolean dualStack = v6Socket && bound.getAddress().isAnyLocalAddress() && sockets.size() == 1
          && options.ipv4() && options.ipv6();
      for (boolean v6 : dualStack ? List.of(true, false) : List.of(v6Socket)) {
        if ((v6 && !options.ipv6()) || (!v6 && !options.ipv4())) {
          continue;
        }
        boolean wildcard = bound.getAddress().isAnyLocalAddress();
        List<InetAddress> hosts = wildcard ? interfaceAddresses(v6) : usable(bound.getAddress()) ? List.of(bound.getAddress()) : List.of();
        List<ServerPlan> sp = new ArrayList<>();
        Set<InetSocketAddress> seen = new LinkedHashSet<>();
        for (InetSocketAddress server : servers) {
          if ((server.getAddress() instanceof Inet6Address) != v6 || !seen.add(server)) {
            continue;
          }
          if (!wildcard) {
            sp.add(new ServerPlan(server, bound.getAddress(), null));
            continue;
          }
          try {
            sp.add(new ServerPlan(server, SocketAddresses.routeSource(server), null));
          } catch (IOException e) {
            sp.add(new ServerPlan(server, null, "no route: " + e.getMessage()));
          }
        }
        List<TurnPlan> tp = new ArrayList<>();
        Set<InetSocketAddress> seenTurn = new LinkedHashSet<>();
        for (TurnPlan t : turnServers) {
          if ((t.server().getAddress() instanceof Inet6Address) != v6 || !seenTurn.add(t.server())) {
            continue;
          }
          try {
            InetAddress base = wildcard ? SocketAddresses.routeSource(t.server()) : bound.getAddress();
            tp.add(new TurnPlan(t.options(), t.server(), base, null));
          } catch (IOException e) {
            tp.add(new TurnPlan(t.options(), t.server(), null, "no route: " + e.getMessage()));
          }
        }
        plans.add(new SocketPlan(client, bound, v6, hosts, sp, tp));
      }
    }
    return new Plan(plans, unresolved, unresolvedTurn);
  }

  private List<InetAddress> interfaceAddresses(boolean v6) throws SocketException {
    List<InetAddress> normal = new ArrayList<>();
    List<InetAddress> loopback = new ArrayList<>();
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if ((a instanceof Inet6Address) != v6 || !usable(a)) {
          continue;
        }
        (a.isLoopbackAddress() ? loopback : normal).add(a);
      }
    }
    normal.addAll(loopback);
    return List.copyOf(new LinkedHashSet<>(normal));
  }

  private boolean usable(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
      return false;
    }
    if (a.isLoopbackAddress()) {
      return options.includeLoopback();
    }
    if (a instanceof Inet6Address && a.isLinkLocalAddress()) {
      return options.includeLinkLocalIpv6();
    }
    return true;
  }

  // ---- one gathering, on its context ----

  private final class Run {
    final Context context;
    final List<SocketPlan> plans;
    final List<String> unresolved;
    final List<String> unresolvedTurn;
    final List<GatheringResult.Relay> relays = new ArrayList<>();
    int pendingRelays;
    final Handler<Candidate> onCandidate;
    final long start;
    final Promise<GatheringResult> promise;
    final List<Candidate> emitted = new ArrayList<>();
    final List<StunBinding> bindings = new ArrayList<>();
    final List<Candidate> hosts = new ArrayList<>();
    long hostMillis;
    long timer = -1;
    boolean done;
    /** Past the gathering timeout while TURN allocations are still awaited: late STUN answers are ignored. */
    boolean stunOver;

    Run(Context context, Plan plan, Handler<Candidate> onCandidate, long start, Promise<GatheringResult> promise) {
      this.context = context;
      this.plans = plan.sockets();
      this.unresolved = plan.unresolved();
      this.unresolvedTurn = plan.unresolvedTurn();
      this.onCandidate = onCandidate;
      this.start = start;
      this.promise = promise;
    }

    void start() {
      // Rank host addresses: IPv6/IPv4 interleaved, IPv6 first (RFC 8421); each list has loopback last.
      List<InetSocketAddress> v6 = new ArrayList<>();
      List<InetSocketAddress> v4 = new ArrayList<>();
      for (SocketPlan p : plans) {
        for (InetAddress ip : p.hostIps()) {
          (p.v6() ? v6 : v4).add(new InetSocketAddress(ip, p.bound().getPort()));
        }
      }
      int rank = 0;
      for (int i = 0; i < Math.max(v6.size(), v4.size()); i++) {
        if (i < v6.size()) {
          hosts.add(Candidate.host(v6.get(i), 65535 - rank++, options.component()));
        }
        if (i < v4.size()) {
          hosts.add(Candidate.host(v4.get(i), 65535 - rank++, options.component()));
        }
      }
      hosts.forEach(this::emit);
      hostMillis = elapsed();

      List<Future<Void>> lookups = new ArrayList<>();
      for (String name : unresolved) {
        InetSocketAddress a = SocketAddresses.parseHostPort(name);
        bindings.add(new StunBinding(a, null, Outcome.PENDING, null, -1, null));
        record(bindings.size() - 1, new StunBinding(a, null, Outcome.ERROR, null, -1, "does not resolve"));
      }
      for (SocketPlan p : plans) {
        for (ServerPlan s : p.servers()) {
          int slot = bindings.size();
          bindings.add(new StunBinding(s.server(), p.bound(), Outcome.PENDING, null, -1, s.error()));
          if (s.baseIp() == null) {
            record(slot, new StunBinding(s.server(), p.bound(), Outcome.ERROR, null, -1, s.error()));
            continue;
          }
          InetSocketAddress base = new InetSocketAddress(s.baseIp(), p.bound().getPort());
          Promise<Void> finished = Promise.promise();
          lookups.add(finished.future());
          p.client().bindingResponse(s.server(), options.stunRetransmit()).onComplete(ar -> context.runOnContext(v -> {
            onBinding(slot, s.server(), p.bound(), base, ar.succeeded() ? ar.result() : null, ar.cause());
            finished.complete();
          }));
        }
      }
      for (String name : unresolvedTurn) {
        relays.add(new GatheringResult.Relay(name, null, null, "does not resolve"));
        registry.counter("p2p.ice.gathering.turn", "outcome", "error").increment();
      }
      for (SocketPlan p : plans) {
        for (TurnPlan t : p.turns()) {
          int slot = relays.size();
          String name = t.options().server();
          if (t.baseIp() == null) {
            relays.add(new GatheringResult.Relay(name, p.bound(), null, t.error()));
            registry.counter("p2p.ice.gathering.turn", "outcome", "error").increment();
            continue;
          }
          relays.add(new GatheringResult.Relay(name, p.bound(), null, "no allocation before the gathering timeout"));
          pendingRelays++;
          InetSocketAddress base = new InetSocketAddress(t.baseIp(), p.bound().getPort());
          TurnClientOptions o = t.options().setHost(SocketAddresses.formatIp(t.server().getAddress()));
          Promise<Void> finished = Promise.promise();
          lookups.add(finished.future());
          new TurnClient(vertx, p.client(), o, registry).allocate().onComplete(ar -> context.runOnContext(v -> {
            onAllocation(slot, name, t.server(), p.bound(), base, ar.succeeded() ? ar.result() : null, ar.cause());
            finished.complete();
          }));
        }
      }
      if (lookups.isEmpty()) {
        finish(false);
        return;
      }
      timer = vertx.setTimer(options.gatheringTimeoutMillis(), id -> onGatheringTimeout());
      Future.join(lookups).onComplete(ar -> context.runOnContext(v -> finish(false)));
    }

    /**
     * Server-reflexive candidates are not waited for any longer; a pending TURN allocation is, until the
     * relay gathering timeout: under loss its two transactions need their retransmissions, and where no
     * direct path exists the relayed candidate is the only one that can work.
     */
    void onGatheringTimeout() {
      long left = options.relayGatheringTimeoutMillis() - elapsed();
      if (pendingRelays == 0 || left <= 0) {
        finish(true);
        return;
      }
      stunOver = true;
      LOG.debug("gathering: {} TURN allocation(s) still pending, waiting up to {} ms more", pendingRelays, left);
      timer = vertx.setTimer(left, id -> finish(true));
    }

    void onBinding(int slot, InetSocketAddress server, InetSocketAddress local, InetSocketAddress base,
        StunResponse response, Throwable error) {
      if (done || stunOver) {
        return; // after the timeout: gathering (of server-reflexive candidates) is over
      }
      if (response == null) {
        Outcome o = error instanceof StunTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR;
        String detail = error instanceof StunErrorResponseException e ? e.getMessage() : String.valueOf(error.getMessage());
        record(slot, new StunBinding(server, local, o, null, -1, detail));
        LOG.debug("no server-reflexive candidate from {}: {}", SocketAddresses.format(server), detail);
        return;
      }
      InetSocketAddress mapped = response.mappedAddress().orElseThrow();
      long rtt = response.rtt().toMillis();
      boolean redundant = SocketAddresses.sameEndpoint(mapped, base)
          || emitted.stream().anyMatch(c -> c.type() == CandidateType.SERVER_REFLEXIVE
              && SocketAddresses.sameEndpoint(c.address(), mapped) && SocketAddresses.sameEndpoint(c.base(), base));
      if (redundant && options.pruneRedundant()) {
        record(slot, new StunBinding(server, local, Outcome.REDUNDANT, mapped, rtt, null));
        return;
      }
      int localPref = hosts.stream()
          .filter(h -> SocketAddresses.sameEndpoint(h.address(), base))
          .findFirst()
          .map(h -> (int) ((h.priority() >> 8) & 0xFFFF))
          .orElse(Math.max(0, 65535 - hosts.size()));
      record(slot, new StunBinding(server, local, Outcome.MAPPED, mapped, rtt, null));
      emit(Candidate.serverReflexive(mapped, base, server.getAddress(), localPref, options.component()));
    }

    void onAllocation(int slot, String name, InetSocketAddress server, InetSocketAddress local, InetSocketAddress base,
        RelayAllocation allocation, Throwable error) {
      if (done) {
        if (allocation != null) {
          registry.counter("p2p.ice.gathering.turn", "outcome", "late").increment();
          allocation.close(); // after the timeout nobody would own it
        }
        return;
      }
      pendingRelays--;
      if (allocation == null) {
        registry.counter("p2p.ice.gathering.turn", "outcome", "error").increment();
        relays.set(slot, new GatheringResult.Relay(name, local, null, String.valueOf(error.getMessage())));
        LOG.warn("no relayed candidate from {}: {}", name, error.getMessage());
        return;
      }
      registry.counter("p2p.ice.gathering.turn", "outcome", "allocated").increment();
      relays.set(slot, new GatheringResult.Relay(name, local, allocation, null));
      int localPref = hosts.stream()
          .filter(h -> SocketAddresses.sameEndpoint(h.address(), base))
          .findFirst()
          .map(h -> (int) ((h.priority() >> 8) & 0xFFFF))
          .orElse(Math.max(0, 65535 - hosts.size()));
      InetSocketAddress related = allocation.mappedAddress() != null ? allocation.mappedAddress() : base;
      emit(Candidate.relayed(allocation.relayedAddress(), related, server.getAddress(), localPref, options.component()));
    }

    void record(int slot, StunBinding b) {
      bindings.set(slot, b);
      registry.counter("p2p.ice.gathering.stun", "outcome", b.outcome().name().toLowerCase()).increment();
    }

    void emit(Candidate c) {
      if (done) {
        return;
      }
      emitted.add(c);
      registry.counter("p2p.ice.gathering.candidates", "type", c.type().sdpName()).increment();
      LOG.debug("gathered {}", c);
      try {
        onCandidate.handle(c);
      } catch (RuntimeException e) {
        LOG.warn("candidate handler failed on {}: {}", c, e.toString());
      }
    }

    void finish(boolean timedOut) {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      boolean pending = bindings.stream().anyMatch(b -> b.outcome() == Outcome.PENDING) || pendingRelays > 0;
      GatheringResult r = new GatheringResult(emitted, bindings, hostMillis, elapsed(), timedOut && pending, relays);
      LOG.debug("gathering done in {} ms: {} candidates{}", r.durationMillis(), emitted.size(),
          r.timedOut() ? " (timed out)" : "");
      promise.complete(r);
    }

    long elapsed() {
      return (System.nanoTime() - start) / 1_000_000;
    }
  }
}
