package io.p2pquic.puncher.ice.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateTransport;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunResponse;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMethod;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ICE agent (RFC 8445) for one data stream with one UDP component, with trickle (RFC 8838),
 * regular nomination and consent freshness (RFC 7675). See {@code docs/ice.md} for the state machine,
 * pacing, nomination and the security rules.
 *
 * <p><b>Wiring.</b> Every local candidate comes with the {@link StunClient} of the socket its base is
 * bound on ({@link #addLocalCandidate}); checks go out as transactions of that client, so its
 * retransmission and response matching are reused. Inbound requests and indications that the client
 * does not consume are handed to {@link #handleIncoming} with the same client, e.g.
 * {@code client.installAsHandler(agent.incomingHandler(client))}. The remote side's credentials and
 * candidates come from its {@code PeerDescription} ({@link #setRemoteCredentials}, {@link
 * #addRemoteCandidate}, {@link #remoteCandidatesComplete}).
 *
 * <p><b>Threading.</b> All state lives on the Vert.x context current when the agent was created (or a
 * new event-loop context). Public methods may be called from any thread: off the context they are
 * queued onto it. Handlers run on it. Nothing blocks.
 *
 * <p><b>Outcome.</b> {@link #selected()} completes with the nominated pair (the same path on both
 * sides) or fails with an {@link IceFailedException} listing what was tried. After selection the
 * agent keeps the pair alive (keepalives) and checks consent; losing it moves the agent to {@link
 * IceAgentState#DISCONNECTED} and then {@link IceAgentState#FAILED}.
 */
public final class IceAgent {
  private static final Logger LOG = LoggerFactory.getLogger(IceAgent.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_FORGED_RESPONSES = 8;
  private static final int MAX_REPORTED_PAIRS = 24;

  /** What a check is for; the metrics tag and event text use the label. */
  enum CheckKind {
    ORDINARY,
    TRIGGERED,
    NOMINATION,
    CONSENT;

    String label() {
      return name().toLowerCase();
    }
  }

  /** One check transaction (retransmissions included) and what it was sent with. */
  private static final class Attempt {
    final CandidatePair pair;
    final CheckKind kind;
    final StunMessage request;
    final IceRole role;
    final int generation;
    final byte[] key;
    final long prflxPriority;
    int forged;

    Attempt(CandidatePair pair, CheckKind kind, StunMessage request, IceRole role, int generation, byte[] key,
        long prflxPriority) {
      this.pair = pair;
      this.kind = kind;
      this.request = request;
      this.role = role;
      this.generation = generation;
      this.key = key;
      this.prflxPriority = prflxPriority;
    }
  }

  private final ContextInternal context;
  private final IceAgentOptions options;
  private final IceMetrics metrics;
  private volatile boolean allowLoopbackRemotes = true;
  private final long tieBreaker;
  private final long createdNanos = System.nanoTime();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final ConsentFreshness consent;

  private volatile IceRole role;
  private volatile IceAgentState state = IceAgentState.NEW;
  private volatile IceCredentials local;
  private volatile CandidatePair selected;
  private volatile String failureReason;
  private IceCredentials previousLocal;
  private IceCredentials remote;
  private IceCredentials selectedLocal;
  private IceCredentials selectedRemote;
  private int generation;
  private final List<LocalCandidate> locals = new CopyOnWriteArrayList<>();
  private final List<Candidate> remotes = new CopyOnWriteArrayList<>();
  private volatile CheckList checkList;
  private boolean localComplete;
  private boolean remoteComplete;
  private Promise<CandidatePair> selectedPromise;
  private CandidatePair generationSelected;
  private int selectedGeneration = -1;
  private CandidatePair nominating;
  private long firstValidNanos = -1;
  private long checkingStartNanos = -1;
  private long pacingTimer = -1;
  /** When the last ordinary or triggered check left (System.nanoTime()), 0 before the first. */
  private long lastPacedNanos;
  /** Paced checks sent in this generation: the first {@code firstChecks} go 5 ms apart, the rest Ta. */
  private int pacedChecks;
  private boolean pacePending;
  private long checkingTimer = -1;
  private int prflxCount;
  private volatile boolean closed;
  private Handler<IceAgentState> stateHandler = s -> {};
  private Handler<IceEvent> eventHandler = e -> {};

  /**
   * @param role the initial role; RFC 8445 6.1.1 makes the offerer (the initiating agent) controlling.
   *     A conflict with the peer is resolved by tie-breaker, so both sides may start controlling.
   * @param local this agent's ufrag and pwd, as sent in its description
   */
  public IceAgent(Vertx vertx, IceAgentOptions options, IceRole role, IceCredentials local, MeterRegistry registry) {
    this.context = ((VertxInternal) Objects.requireNonNull(vertx, "vertx")).getOrCreateContext();
    this.options = new IceAgentOptions(Objects.requireNonNull(options, "options"));
    this.role = Objects.requireNonNull(role, "role");
    this.local = Objects.requireNonNull(local, "local");
    this.metrics = new IceMetrics(Objects.requireNonNull(registry, "registry"));
    this.tieBreaker = RANDOM.nextLong();
    this.checkList = new CheckList(this.options.maxPairs());
    this.selectedPromise = context.promise();
    this.consent = new ConsentFreshness(context, this.options, new ConsentCallbacks());
  }

  // ------------------------------------------------------------------------------------------------
  // Public API

  /** Receives every state change, on the agent's context. */
  public IceAgent stateHandler(Handler<IceAgentState> handler) {
    this.stateHandler = handler == null ? s -> {} : handler;
    return this;
  }

  /** Receives what the agent does (pairs checked, succeeded, nominated...), on the agent's context. */
  public IceAgent eventHandler(Handler<IceEvent> handler) {
    this.eventHandler = handler == null ? e -> {} : handler;
    return this;
  }

  /**
   * Adds a local candidate; {@code via} is the STUN client of the socket its base is bound on (host and
   * server-reflexive candidates of one socket share it). Host candidates are paired with every
   * compatible remote candidate at once; a server-reflexive candidate is only advertised, since its
   * pairs would be those of its base (RFC 8445 6.1.2.4). A relayed candidate is its own base and is
   * paired like a host candidate; its {@code via} is a STUN client on the allocation
   * ({@code RelayUdpEndpoint}), so its checks, responses and consent travel through the relay.
   *
   * @throws IllegalArgumentException for TCP or other-component candidates
   */
  public IceAgent addLocalCandidate(Candidate candidate, StunClient via) {
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(via, "via");
    if (candidate.transport() != CandidateTransport.UDP || candidate.component() != options.component()) {
      throw new IllegalArgumentException("only UDP candidates of component " + options.component() + ": " + candidate);
    }
    if (candidate.address().isUnresolved()) {
      throw new IllegalArgumentException("a local candidate needs an IP address: " + candidate);
    }
    onContext(() -> addLocal(candidate, via));
    return this;
  }

  /** The remote agent's ufrag and pwd (from its description); checks start as soon as pairs exist. */
  public IceAgent setRemoteCredentials(IceCredentials credentials) {
    Objects.requireNonNull(credentials, "credentials");
    onContext(() -> setRemote(credentials));
    return this;
  }

  /**
   * A remote candidate, as trickled (RFC 8838): paired with the compatible local candidates at once.
   * Candidates of another component or transport, or with a name instead of an IP (mDNS/FQDN: resolve
   * them first), are ignored and counted.
   */
  /**
   * Whether remote loopback candidates are checked (default true, for a library agent; sessions allow
   * them only when they offer loopback candidates themselves). Other refused addresses:
   * {@link io.p2pquic.puncher.ice.RemoteAddressPolicy}.
   */
  public IceAgent allowLoopbackRemotes(boolean allow) {
    this.allowLoopbackRemotes = allow;
    return this;
  }

  public IceAgent addRemoteCandidate(Candidate candidate) {
    Objects.requireNonNull(candidate, "candidate");
    onContext(() -> addRemote(candidate));
    return this;
  }

  /** The remote agent said end-of-candidates (RFC 8838 section 13): ICE may now fail when all pairs fail. */
  public IceAgent remoteCandidatesComplete() {
    onContext(() -> {
      if (!remoteComplete) {
        remoteComplete = true;
        emit(IceEvent.Type.END_OF_CANDIDATES, "remote: " + remotes.size() + " candidates", null);
        checkFailure();
      }
    });
    return this;
  }

  /** This agent's gathering ended (all local candidates were added). */
  public IceAgent localCandidatesComplete() {
    onContext(() -> {
      if (!localComplete) {
        localComplete = true;
        emit(IceEvent.Type.END_OF_CANDIDATES, "local: " + reportedLocals().size() + " candidates", null);
        checkFailure();
      }
    });
    return this;
  }

  /**
   * Offers an inbound STUN datagram that arrived on {@code via}'s socket and that the client did not
   * consume. Returns true for Binding requests and indications, which the agent handles (answers,
   * rejects or counts) on its context; false for anything else (the caller may count it).
   */
  public boolean handleIncoming(Datagram datagram, StunClient via) {
    if (closed) {
      return false;
    }
    StunMessage m;
    try {
      m = decoder.decode(datagram.data().getBytes());
    } catch (StunDecodeException e) {
      metrics.dropped("undecodable");
      return false;
    }
    if (!m.method().equals(StunMethod.BINDING)) {
      return false;
    }
    if (m.messageClass() == StunClass.REQUEST) {
      onContext(() -> onRequest(m, datagram.sender(), via));
      return true;
    }
    if (m.messageClass() == StunClass.INDICATION) {
      onContext(() -> metrics.increment("p2p.ice.indications.received"));
      return true;
    }
    return false;
  }

  /** {@code d -> handleIncoming(d, via)}, counting what it does not take: for {@link StunClient#installAsHandler(Handler)}. */
  public Handler<Datagram> incomingHandler(StunClient via) {
    return d -> {
      if (!handleIncoming(d, via)) {
        metrics.dropped("not-ice");
      }
    };
  }

  /**
   * Completes with the selected (nominated) pair of the current ICE generation, or fails with an
   * {@link IceFailedException} when ICE fails (all pairs failed after end-of-candidates on both sides,
   * or {@code checkingTimeoutMillis}) or the agent is closed. After {@link #restart} this is the new
   * generation's selection.
   */
  public Future<CandidatePair> selected() {
    return selectedPromise.future();
  }

  /** The pair in use now (the previous generation's during a restart), or null. */
  public CandidatePair selectedPair() {
    return selected;
  }

  public IceAgentState state() {
    return state;
  }

  public IceRole role() {
    return role;
  }

  /** The 64-bit tie-breaker sent in ICE-CONTROLLING / ICE-CONTROLLED (compared unsigned). */
  public long tieBreaker() {
    return tieBreaker;
  }

  public IceCredentials localCredentials() {
    return local;
  }

  public IceAgentOptions options() {
    return new IceAgentOptions(options);
  }

  /** Why the agent failed, or null. */
  public String failureReason() {
    return failureReason;
  }

  /** Local candidates added or learnt (peer-reflexive), without internal pairing bases. */
  public List<Candidate> localCandidates() {
    return reportedLocals();
  }

  /** Remote candidates signalled or learnt (peer-reflexive). */
  public List<Candidate> remoteCandidates() {
    return List.copyOf(remotes);
  }

  /** A snapshot of the current generation's pairs (checklist and valid pairs), highest priority first. */
  public List<CandidatePair> pairs() {
    CheckList cl = checkList;
    try {
      return List.copyOf(cl.all());
    } catch (RuntimeException changedMeanwhile) { // read off the agent's context while it changed
      return List.of();
    }
  }

  /**
   * ICE restart (RFC 8445 section 9): new local credentials, remote credentials and candidates
   * forgotten, a fresh checklist. Local candidates are kept and paired again as the new remote
   * candidates arrive (call {@link #setRemoteCredentials} and {@link #addRemoteCandidate} with the
   * peer's new description). A selected pair keeps working meanwhile: consent still runs on it, and
   * requests with the previous local credentials are still answered, until a new pair is nominated.
   *
   * @return the new generation's selection, as {@link #selected()}
   */
  public Future<CandidatePair> restart(IceCredentials newLocal) {
    Objects.requireNonNull(newLocal, "newLocal");
    Promise<CandidatePair> result = context.promise();
    onContext(() -> {
      if (closed) {
        result.fail(new IllegalStateException("ICE agent is closed"));
        return;
      }
      if (newLocal.ufrag().equals(local.ufrag()) || newLocal.pwd().equals(local.pwd())) {
        result.fail(new IllegalArgumentException("an ICE restart needs a new ufrag and a new pwd"));
        return;
      }
      doRestart(newLocal);
      selectedPromise.future().onComplete(result);
    });
    return result.future();
  }

  /** Stops checks, consent and timers; fails a pending {@link #selected()}. The sockets are not touched. */
  public Future<Void> close() {
    Promise<Void> done = context.promise();
    onContext(() -> {
      if (!closed) {
        closed = true;
        cancelTimers();
        consent.stop();
        setState(IceAgentState.CLOSED);
        selectedPromise.tryFail(new IceFailedException("ICE agent closed", List.of()));
      }
      done.complete();
    });
    return done.future();
  }

  // ------------------------------------------------------------------------------------------------
  // Candidates and credentials

  private void addLocal(Candidate c, StunClient via) {
    if (closed) {
      return;
    }
    LocalCandidate existing = findLocal(c.address(), via);
    if (existing != null && existing.candidate().type() == c.type()) {
      if (existing.synthetic()) {
        // The base we made up for a server-reflexive candidate arrived as a real host candidate.
        locals.set(locals.indexOf(existing), new LocalCandidate(existing.candidate(), via, false));
        emit(IceEvent.Type.CANDIDATE, "local " + c.toSdp(), null);
      }
      return;
    }
    LocalCandidate lc = new LocalCandidate(c, via, false);
    locals.add(lc);
    emit(IceEvent.Type.CANDIDATE, "local " + c.toSdp(), null);
    if (c.type() == CandidateType.HOST || c.type() == CandidateType.RELAYED) {
      remotes.forEach(r -> pair(lc, r));
    } else if (c.type() == CandidateType.SERVER_REFLEXIVE
        && c.relatedAddress() != null
        && !c.relatedAddress().isUnresolved()
        && findHost(c.relatedAddress(), via) == null) {
      // Server-reflexive candidates are paired through their base (6.1.2.4); the base was never
      // added as a host candidate, so pair from it anyway.
      Candidate base = Candidate.host(c.relatedAddress(), localPreference(c), c.component());
      LocalCandidate lb = new LocalCandidate(base, via, true);
      locals.add(lb);
      remotes.forEach(r -> pair(lb, r));
    }
  }

  private LocalCandidate findHost(InetSocketAddress address, StunClient via) {
    for (LocalCandidate l : locals) {
      if (l.via() == via && l.candidate().type() == CandidateType.HOST
          && SocketAddresses.sameEndpoint(l.candidate().address(), address)) {
        return l;
      }
    }
    return null;
  }

  private void setRemote(IceCredentials credentials) {
    if (closed) {
      return;
    }
    if (remote != null) {
      if (!remote.equals(credentials)) {
        throw new IllegalStateException(
            "remote credentials changed (ufrag " + remote.ufrag() + " -> " + credentials.ufrag()
                + "): that is an ICE restart, call restart() first (RFC 8445 9)");
      }
      return;
    }
    remote = credentials;
    emit(IceEvent.Type.CREDENTIALS, "remote ufrag " + credentials.ufrag(), null);
    if (state == IceAgentState.NEW) {
      setState(IceAgentState.CHECKING);
    }
    checkingStartNanos = System.nanoTime();
    long timeout = options.checkingTimeoutMillis();
    int gen = generation;
    checkingTimer = context.setTimer(timeout, id -> {
      if (gen == generation && isActive() && !checkList.completed) {
        fail("no candidate pair was nominated within " + timeout + " ms", "timeout");
      }
    });
    startPacing();
    paceNow();
  }

  private void startPacing() {
    pacingTimer = context.setPeriodic(options.taMillis(), id -> tick());
  }

  /** The least time from one paced check to the next: short for the first few of a generation (see firstChecks). */
  private long spacingMillis() {
    return pacedChecks < options.firstChecks()
        ? Math.min(IceAgentOptions.FIRST_CHECK_SPACING_MILLIS, options.taMillis()) : options.taMillis();
  }

  /**
   * A check became possible (the first pairs, a new pair, a triggered check): when the last paced check
   * left a whole Ta ago, or none has, it goes now instead of at the next tick, and the ticks restart from
   * it. Pacing stays one check per Ta (RFC 8445 section 6.1.4.2); what goes is the wait for a tick that
   * cost up to Ta at the start of checking and for every triggered check (20 ms a side in the NAT lab).
   * Runs after the current handler, so pairs added together are sorted before one is picked.
   */
  private void paceNow() {
    if (pacePending || pacingTimer < 0) {
      return;
    }
    pacePending = true;
    context.runOnContext(v -> {
      pacePending = false;
      if (pacingTimer < 0 || !isActive() || remote == null || checkList.completed
          || lastPacedNanos != 0 && System.nanoTime() - lastPacedNanos < TimeUnit.MILLISECONDS.toNanos(spacingMillis())) {
        return;
      }
      context.owner().cancelTimer(pacingTimer);
      startPacing();
      tick();
    });
  }

  private void addRemote(Candidate c) {
    if (closed) {
      return;
    }
    if (c.component() != options.component() || c.transport() != CandidateTransport.UDP) {
      metrics.dropped("unsupported-candidate");
      emit(IceEvent.Type.CANDIDATE, "remote candidate ignored (only UDP component " + options.component() + "): " + c.toSdp(), null);
      return;
    }
    if (c.address().isUnresolved()) {
      metrics.dropped("unsupported-candidate");
      emit(IceEvent.Type.CANDIDATE, "remote candidate ignored (a name, not an IP; resolve it first): " + c.toSdp(), null);
      return;
    }
    String refused = io.p2pquic.puncher.ice.RemoteAddressPolicy.refuse(c.address(), allowLoopbackRemotes);
    if (refused != null) {
      metrics.dropped("refused-address");
      emit(IceEvent.Type.CANDIDATE, "remote candidate refused (" + refused + "): " + c.toSdp(), null);
      return;
    }
    Candidate existing = remoteByAddress(c.address());
    if (existing != null) {
      if (existing.type() == CandidateType.PEER_REFLEXIVE && c.type() != CandidateType.PEER_REFLEXIVE) {
        // Learnt from a check before the signalling delivered it: take the signalled form.
        remotes.set(remotes.indexOf(existing), c);
        for (CandidatePair p : checkList.all()) {
          if (p.remote() == existing) {
            p.remote(c, role);
          }
        }
        checkList.resort();
        emit(IceEvent.Type.CANDIDATE, "remote " + c.toSdp() + " (was known as peer-reflexive)", null);
        for (LocalCandidate lc : pairingLocals()) {
          pair(lc, c);
        }
      }
      return;
    }
    remotes.add(c);
    emit(IceEvent.Type.CANDIDATE, "remote " + c.toSdp(), null);
    for (LocalCandidate lc : pairingLocals()) {
      pair(lc, c);
    }
  }

  private void pair(LocalCandidate lc, Candidate r) {
    if (checkList.completed || !compatible(lc.candidate().address(), r.address())) {
      return;
    }
    CandidatePair fresh = new CandidatePair(lc, r, true, PairState.FROZEN, role);
    CandidatePair p = checkList.add(fresh);
    if (p == fresh) {
      emit(IceEvent.Type.PAIR_ADDED, p.describe() + " (" + p.state().label() + ")", p);
      paceNow();
    }
  }

  /** Same family; IPv6 link-local only with link-local (6.1.2.2); loopback only with loopback. */
  private static boolean compatible(InetSocketAddress a, InetSocketAddress b) {
    InetAddress x = a.getAddress();
    InetAddress y = b.getAddress();
    if ((x instanceof Inet6Address) != (y instanceof Inet6Address)) {
      return false;
    }
    if (x.isLinkLocalAddress() != y.isLinkLocalAddress() && x instanceof Inet6Address) {
      return false;
    }
    return x.isLoopbackAddress() == y.isLoopbackAddress();
  }

  private List<LocalCandidate> pairingLocals() {
    return locals.stream()
        .filter(l -> l.candidate().type() == CandidateType.HOST || l.candidate().type() == CandidateType.RELAYED)
        .toList();
  }

  private List<Candidate> reportedLocals() {
    return locals.stream().filter(l -> !l.synthetic()).map(LocalCandidate::candidate).toList();
  }

  private LocalCandidate findLocal(InetSocketAddress address, StunClient via) {
    for (LocalCandidate l : locals) {
      if (l.via() == via && SocketAddresses.sameEndpoint(l.candidate().address(), address)) {
        return l;
      }
    }
    return null;
  }

  private Candidate remoteByAddress(InetSocketAddress address) {
    for (Candidate c : remotes) {
      if (SocketAddresses.sameEndpoint(c.address(), address)) {
        return c;
      }
    }
    return null;
  }

  private static int localPreference(Candidate c) {
    return (int) ((c.priority() >> 8) & 0xFFFF);
  }

  // ------------------------------------------------------------------------------------------------
  // Inbound requests (RFC 8445 7.3)

  private void onRequest(StunMessage m, InetSocketAddress source, StunClient via) {
    if (closed) {
      return;
    }
    Optional<String> username = m.string(StunAttributeType.USERNAME);
    if (username.isEmpty() || !m.hasMessageIntegrity()) {
      reject(m, source, via, ErrorCodeAttribute.BAD_REQUEST, "Bad Request", null, "missing-credentials",
          "without USERNAME or MESSAGE-INTEGRITY");
      return;
    }
    String u = username.get();
    int colon = u.indexOf(':');
    String ours = colon < 0 ? u : u.substring(0, colon);
    IceCredentials credentials = null;
    boolean previousGeneration = false;
    if (colon > 0 && ours.equals(local.ufrag())) {
      credentials = local;
    } else if (colon > 0 && previousLocal != null && ours.equals(previousLocal.ufrag())) {
      credentials = previousLocal;
      previousGeneration = true;
    }
    if (credentials == null) {
      reject(m, source, via, ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", null, "unknown-username",
          "with unknown USERNAME '" + u + "'");
      return;
    }
    byte[] key = StunCredentials.shortTermKey(credentials.pwd());
    if (!m.verifyMessageIntegrity(key)) {
      reject(m, source, via, ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", null, "bad-integrity",
          "with a MESSAGE-INTEGRITY that does not verify");
      return;
    }
    List<Integer> unknown = m.unknownComprehensionRequired(CheckMessages.UNDERSTOOD);
    if (!unknown.isEmpty()) {
      StunMessage r = CheckMessages.unknownAttributes(m, unknown, key);
      send(via, source, r);
      metrics.rejected("unknown-attribute");
      emit(IceEvent.Type.CHECK_REJECTED, "420 to " + SocketAddresses.format(source) + ": unknown attributes " + unknown, null);
      return;
    }
    Optional<Long> priority = m.uint32(StunAttributeType.PRIORITY);
    Optional<Long> controlling = m.uint64(StunAttributeType.ICE_CONTROLLING);
    Optional<Long> controlled = m.uint64(StunAttributeType.ICE_CONTROLLED);
    if (priority.isEmpty() || priority.get() == 0 || controlling.isPresent() == controlled.isPresent()) {
      reject(m, source, via, ErrorCodeAttribute.BAD_REQUEST, "Bad Request", key, "missing-attribute",
          "without PRIORITY or with not exactly one of ICE-CONTROLLING / ICE-CONTROLLED");
      return;
    }
    // 7.3.1.1 role conflict.
    if (role == IceRole.CONTROLLING && controlling.isPresent()) {
      if (Long.compareUnsigned(tieBreaker, controlling.get()) >= 0) {
        reject(m, source, via, ErrorCodeAttribute.ROLE_CONFLICT, "Role Conflict", key, "role-conflict",
            "(both controlling; our tie-breaker is larger, we stay controlling)");
        return;
      }
      switchRole(IceRole.CONTROLLED, "the peer is controlling too and its tie-breaker is larger");
    } else if (role == IceRole.CONTROLLED && controlled.isPresent()) {
      if (Long.compareUnsigned(tieBreaker, controlled.get()) >= 0) {
        switchRole(IceRole.CONTROLLING, "the peer is controlled too and our tie-breaker is larger");
      } else {
        reject(m, source, via, ErrorCodeAttribute.ROLE_CONFLICT, "Role Conflict", key, "role-conflict",
            "(both controlled; the peer's tie-breaker is larger, it must switch)");
        return;
      }
    }
    StunMessage ok = CheckMessages.success(m, source, key);
    send(via, source, ok);
    metrics.increment("p2p.ice.requests.received");
    if (previousGeneration || !isActive()) {
      return; // answered (consent on the old pair during a restart); no state changes
    }
    onAuthenticatedCheck(source, via, priority.get(), m.has(StunAttributeType.USE_CANDIDATE));
  }

  private void reject(StunMessage m, InetSocketAddress source, StunClient via, int code, String reason, byte[] key,
      String metric, String why) {
    send(via, source, CheckMessages.error(m, code, reason, key));
    metrics.rejected(metric);
    emit(IceEvent.Type.CHECK_REJECTED, code + " to a check from " + SocketAddresses.format(source) + " " + why, null);
  }

  private void onAuthenticatedCheck(InetSocketAddress source, StunClient via, long priority, boolean useCandidate) {
    LocalCandidate lc = receivingCandidate(via, source);
    if (lc == null) {
      metrics.dropped("no-local-candidate");
      return;
    }
    Candidate rc = remoteByAddress(source);
    if (rc == null) {
      // 7.3.1.3: a peer-reflexive remote candidate, known only from this check.
      rc = new Candidate("prflx" + (++prflxCount), options.component(), CandidateTransport.UDP, priority,
          CandidateType.PEER_REFLEXIVE, source, null, Map.of());
      remotes.add(rc);
      metrics.increment("p2p.ice.prflx", "side", "remote");
      emit(IceEvent.Type.PEER_REFLEXIVE, "remote " + SocketAddresses.format(source)
          + ": a check came from an address the peer did not signal", null);
    }
    CandidatePair p = checkList.find(lc.candidate().address(), source);
    if (checkList.completed) {
      if (useCandidate && role == IceRole.CONTROLLED && p != null) {
        useCandidate(p);
      }
      return;
    }
    if (p == null) {
      CandidatePair fresh = new CandidatePair(lc, rc, true, PairState.WAITING, role);
      p = checkList.add(fresh);
      if (p == null) {
        return;
      }
      if (p == fresh) {
        emit(IceEvent.Type.PAIR_ADDED, p.describe() + " (from an incoming check)", p);
      }
    }
    // 7.3.1.4 triggered check.
    if (p.state() != PairState.SUCCEEDED) {
      if (p.state() != PairState.IN_PROGRESS) {
        p.state(PairState.WAITING);
      }
      checkList.enqueueTriggered(p);
      paceNow();
    }
    if (useCandidate && role == IceRole.CONTROLLED) {
      useCandidate(p);
    }
  }

  /** 7.3.1.5: the controlled agent learns the controlling agent's nomination. */
  private void useCandidate(CandidatePair p) {
    if (p.state() == PairState.SUCCEEDED && p.validPair != null) {
      nominate(p.validPair, "USE-CANDIDATE from the controlling agent");
    } else if (!p.nominateOnSuccess) {
      p.nominateOnSuccess = true;
      emit(IceEvent.Type.NOMINATED, p.describe() + ": USE-CANDIDATE received, nominated once our own check succeeds", p);
    }
  }

  /**
   * The local candidate a request arrived at. A socket bound to one address has one; a wildcard socket
   * has one host candidate per interface address and the destination IP is not reported, so take the
   * one already paired with the source, else the best host candidate of that family (loopback for
   * loopback sources). The response's XOR-MAPPED-ADDRESS tells the peer the truth either way.
   */
  private LocalCandidate receivingCandidate(StunClient via, InetSocketAddress source) {
    for (CandidatePair p : checkList.pairs()) {
      if (p.via() == via && SocketAddresses.sameEndpoint(p.remote().address(), source)) {
        return p.localCandidate();
      }
    }
    LocalCandidate best = null;
    for (LocalCandidate l : pairingLocals()) {
      if (l.via() != via || !compatible(l.candidate().address(), source)) {
        continue;
      }
      if (best == null || l.candidate().priority() > best.candidate().priority()) {
        best = l;
      }
    }
    if (best == null) {
      for (LocalCandidate l : pairingLocals()) {
        boolean sameFamily = (l.candidate().address().getAddress() instanceof Inet6Address)
            == (source.getAddress() instanceof Inet6Address);
        if (l.via() == via && sameFamily && (best == null || l.candidate().priority() > best.candidate().priority())) {
          best = l;
        }
      }
    }
    return best;
  }

  // ------------------------------------------------------------------------------------------------
  // Outbound checks (RFC 8445 6.1.4, 7.2)

  private void tick() {
    if (!isActive() || remote == null || checkList.completed) {
      return;
    }
    CandidatePair next = null;
    CheckKind kind = CheckKind.TRIGGERED;
    for (CandidatePair p = checkList.pollTriggered(); p != null; p = checkList.pollTriggered()) {
      if (p.state() != PairState.SUCCEEDED && checkList.pairs().contains(p)) {
        next = p;
        break;
      }
    }
    if (next == null) {
      next = checkList.nextOrdinary();
      kind = CheckKind.ORDINARY;
    }
    if (next != null) {
      lastPacedNanos = System.nanoTime();
      pacedChecks++;
      sendCheck(next, kind);
      if (pacedChecks < options.firstChecks()) {
        // The next of the first checks need not wait for the Ta tick: look again after the short spacing.
        int gen = generation;
        context.setTimer(spacingMillis(), id -> {
          if (gen == generation) {
            paceNow();
          }
        });
      }
    }
    maybeNominate();
    checkFailure();
  }

  private void sendCheck(CandidatePair p, CheckKind kind) {
    IceCredentials theirs = kind == CheckKind.CONSENT ? selectedRemote : remote;
    IceCredentials ours = kind == CheckKind.CONSENT ? selectedLocal : local;
    if (theirs == null) {
      return;
    }
    long prflxPriority = Candidate.priority(CandidateType.PEER_REFLEXIVE, localPreference(p.local()), options.component());
    byte[] key = StunCredentials.shortTermKey(theirs.pwd());
    StunMessage request = CheckMessages.request(theirs.ufrag(), ours.ufrag(), key, prflxPriority, role, tieBreaker,
        kind == CheckKind.NOMINATION);
    if (kind == CheckKind.ORDINARY || kind == CheckKind.TRIGGERED) {
      p.state(PairState.IN_PROGRESS);
    }
    p.inFlight++;
    p.sent();
    metrics.checkSent(kind.label());
    if (kind != CheckKind.CONSENT) {
      emit(IceEvent.Type.CHECK_SENT, kind.label() + " check " + p.describe() + (kind == CheckKind.NOMINATION ? " with USE-CANDIDATE"
          : ""), p);
    }
    transact(new Attempt(p, kind, request, role, generation, key, prflxPriority), options.checkRetransmit());
  }

  private void transact(Attempt a, RetransmitPolicy policy) {
    a.pair.via().request(a.pair.remote().address(), a.request, policy)
        .onComplete(ar -> onContext(() -> onCheckResult(a, policy, ar)));
  }

  private void onCheckResult(Attempt a, RetransmitPolicy policy, AsyncResult<StunResponse> ar) {
    CandidatePair p = a.pair;
    p.inFlight--;
    if (closed) {
      return;
    }
    if (a.kind != CheckKind.CONSENT && (a.generation != generation || !isActive())) {
      metrics.dropped("stale-generation");
      return;
    }
    if (ar.failed()) {
      if (a.kind == CheckKind.CONSENT) {
        return; // the consent watchdog judges silence
      }
      Throwable e = ar.cause();
      boolean timeout = e instanceof StunTimeoutException;
      metrics.checkFailed(timeout ? "timeout" : "send-failed");
      checkFailed(a, timeout
          ? "no response after " + ((StunTimeoutException) e).attempts() + " requests in "
              + ((StunTimeoutException) e).elapsedMillis() + " ms"
          : "send failed: " + e.getMessage());
      return;
    }
    StunResponse r = ar.result();
    StunMessage m = r.message();
    boolean authentic = m.hasMessageIntegrity() && m.verifyMessageIntegrity(a.key);
    int code = m.errorCode().map(ErrorCodeAttribute::code).orElse(0);
    if (!authentic && (r.isSuccess() || m.hasMessageIntegrity() || code == ErrorCodeAttribute.ROLE_CONFLICT)) {
      // RFC 8489 9.1.3: discard as if never received; the transaction goes on.
      metrics.dropped("bad-response-integrity");
      LOG.debug("dropped a {} from {} whose integrity does not verify", m.type(), r.source());
      if (++a.forged > MAX_FORGED_RESPONSES) {
        metrics.checkFailed("forged");
        checkFailed(a, "more than " + MAX_FORGED_RESPONSES + " responses failed integrity");
        return;
      }
      RetransmitPolicy rest = new RetransmitPolicy(policy.initialRto(),
          Math.max(1, policy.maxRequests() - r.attempts()), policy.lastWaitMultiplier(), policy.maxRto());
      p.inFlight++;
      transact(a, rest);
      return;
    }
    if (!SocketAddresses.sameEndpoint(r.source(), p.remote().address())) {
      if (a.kind == CheckKind.CONSENT) {
        return;
      }
      metrics.checkFailed("asymmetric");
      checkFailed(a, "the response came from " + SocketAddresses.format(r.source()) + ", not "
          + SocketAddresses.format(p.remote().address()) + " (not symmetric, RFC 8445 7.2.5.2.1)");
      return;
    }
    if (a.kind == CheckKind.CONSENT) {
      if (r.isSuccess()) {
        metrics.checkSucceeded(a.kind.label());
        consent.fresh(p);
      }
      return;
    }
    if (!r.isSuccess()) {
      if (code == ErrorCodeAttribute.ROLE_CONFLICT) {
        onRoleConflictResponse(a);
        return;
      }
      metrics.checkFailed("error-response");
      checkFailed(a, "error response " + code + m.errorCode().map(e -> " " + e.reason()).orElse(""));
      return;
    }
    Optional<InetSocketAddress> mapped = m.address(StunAttributeType.XOR_MAPPED_ADDRESS);
    if (mapped.isEmpty()) {
      metrics.checkFailed("no-mapped-address");
      checkFailed(a, "success response without XOR-MAPPED-ADDRESS");
      return;
    }
    metrics.checkSucceeded(a.kind.label());
    onCheckSuccess(a, r, mapped.get());
  }

  /** 7.2.5.1: the peer says both sides claim {@code a.role}; switch unless done already, and retry. */
  private void onRoleConflictResponse(Attempt a) {
    CandidatePair p = a.pair;
    if (role == a.role) {
      switchRole(a.role.opposite(), "the peer answered 487 (role conflict)");
    }
    p.lastOutcome("487 role conflict; retried as " + role.label());
    if (a.kind == CheckKind.NOMINATION) {
      nominating = null;
      return;
    }
    if (p.state() != PairState.SUCCEEDED) {
      p.state(PairState.WAITING);
      checkList.enqueueTriggered(p);
      paceNow();
    }
  }

  /** 7.2.5.3: the check succeeded; find or learn the local candidate and build the valid pair. */
  private void onCheckSuccess(Attempt a, StunResponse r, InetSocketAddress mapped) {
    CandidatePair p = a.pair;
    long rtt = r.rtt().toMillis();
    if (a.kind == CheckKind.NOMINATION) {
      nominating = null;
      p.lastOutcome("nominated, rtt " + rtt + " ms");
      if (role == IceRole.CONTROLLING && a.role == IceRole.CONTROLLING) {
        nominate(p, "our USE-CANDIDATE check succeeded");
      }
      return;
    }
    LocalCandidate lv = findLocal(mapped, p.via());
    if (lv == null) {
      // 7.2.5.3.1: the peer sees us at an address we did not know: a local peer-reflexive candidate.
      InetSocketAddress base = p.local().base();
      Candidate prflx = new Candidate(
          Candidate.foundation(CandidateType.PEER_REFLEXIVE, base.getAddress(), null, CandidateTransport.UDP),
          options.component(), CandidateTransport.UDP, a.prflxPriority, CandidateType.PEER_REFLEXIVE, mapped, base,
          Map.of());
      lv = new LocalCandidate(prflx, p.via(), false);
      locals.add(lv);
      metrics.increment("p2p.ice.prflx", "side", "local");
      emit(IceEvent.Type.PEER_REFLEXIVE, "local " + SocketAddresses.format(mapped) + " (base "
          + SocketAddresses.format(base) + "): the peer sees us at an address we did not gather", p);
    }
    p.state(PairState.SUCCEEDED);
    p.rttMillis(rtt);
    p.lastOutcome("succeeded, rtt " + rtt + " ms");
    CandidatePair v = checkList.findAny(lv.candidate().address(), p.remote().address());
    if (v == null) {
      v = new CandidatePair(lv, p.remote(), false, PairState.SUCCEEDED, role);
      v.rttMillis(rtt);
      v.lastOutcome("valid through " + p.describe());
      checkList.addValidOnly(v);
    }
    v.valid(true);
    p.validPair = v;
    checkList.unfreeze(p.foundation());
    if (firstValidNanos < 0) {
      firstValidNanos = System.nanoTime();
    }
    emit(IceEvent.Type.CHECK_SUCCEEDED, p.describe() + " succeeded, rtt " + rtt + " ms"
        + (v != p ? "; valid pair " + v.describe() : ""), v);
    if (state == IceAgentState.CHECKING) {
      setState(IceAgentState.CONNECTED);
    }
    if (role == IceRole.CONTROLLED && p.nominateOnSuccess) {
      nominate(v, "USE-CANDIDATE arrived while our check was in progress");
    }
    maybeNominate();
  }

  private void checkFailed(Attempt a, String why) {
    CandidatePair p = a.pair;
    p.lastOutcome(why);
    if (a.kind == CheckKind.NOMINATION) {
      p.nominationFailed = true;
      p.valid(false);
      nominating = null;
      emit(IceEvent.Type.CHECK_FAILED, "nomination of " + p.describe() + " failed: " + why, p);
      maybeNominate();
      checkFailure();
      return;
    }
    if (p.inFlight > 0 || p.state() == PairState.SUCCEEDED) {
      return;
    }
    p.state(PairState.FAILED);
    emit(IceEvent.Type.CHECK_FAILED, p.describe() + ": " + why, p);
    checkFailure();
  }

  // ------------------------------------------------------------------------------------------------
  // Roles and nomination (RFC 8445 8)

  private void switchRole(IceRole newRole, String why) {
    if (role == newRole) {
      return;
    }
    role = newRole;
    metrics.increment("p2p.ice.role.switches");
    checkList.reprioritise(newRole);
    if (newRole == IceRole.CONTROLLED) {
      nominating = null;
    }
    emit(IceEvent.Type.ROLE_SWITCHED, "now " + newRole.label() + ": " + why, null);
  }

  /** Controlling, regular nomination: nominate the best valid pair once nothing better is pending (or waited enough). */
  private void maybeNominate() {
    if (role != IceRole.CONTROLLING || checkList.completed || nominating != null || remote == null || !isActive()) {
      return;
    }
    CandidatePair best = checkList.bestValid();
    if (best == null) {
      return;
    }
    long waited = (System.nanoTime() - firstValidNanos) / 1_000_000;
    boolean betterPending = checkList.any(q -> q.inCheckList() && q.priority() > best.priority()
        && (q.state() == PairState.FROZEN || q.state() == PairState.WAITING || q.state() == PairState.IN_PROGRESS));
    if (best.relayed() && checkList.any(q -> q.inCheckList() && !q.relayed()
        && (q.state() == PairState.FROZEN || q.state() == PairState.WAITING || q.state() == PairState.IN_PROGRESS))) {
      // A relayed pair is nominated only once no direct pair can succeed any more: data may flow on the
      // valid relayed pair meanwhile (12.1), so waiting costs the session nothing and a late direct
      // path (a NAT that opens after a few retransmissions) still wins.
      return;
    }
    // With trickle, a better pair may not exist yet: a candidate still on its way (the peer's IPv6 host
    // candidate after its IPv4 server-reflexive one) deserves the same wait as a pair still checking.
    boolean candidatesOpen = !remoteComplete || !localComplete;
    // A better pair's check sent about when the first valid pair's was needs about the same round trip:
    // (a punched one: its first request may be dropped until the peer's own check opened the way), so wait
    // at least four such RTTs (at most 1 s), or a configured 20 ms loses the race to every path
    // longer than 10 ms and a slower-to-answer IPv6 host pair to an IPv4 server-reflexive one.
    long rttWait = Math.min(1_000, 4 * Math.max(0, best.rttMillis()));
    if ((betterPending || candidatesOpen) && waited < Math.max(options.nominationWaitMillis(), rttWait)) {
      return;
    }
    nominating = best;
    emit(IceEvent.Type.NOMINATING, best.describe() + (betterPending || candidatesOpen
        ? " (waited " + waited + " ms for higher-priority pairs" + (candidatesOpen ? " and candidates" : "") + ")"
        : " (no higher-priority pair pending: " + checkList.pairs().stream().filter(q -> q.priority() > best.priority())
            .map(q -> q.describe() + " " + q.state()).toList() + ")"), best);
    sendCheck(best, CheckKind.NOMINATION);
  }

  private void nominate(CandidatePair v, String why) {
    if (!v.nominated()) {
      v.nominated(true);
      metrics.increment("p2p.ice.nominated");
      emit(IceEvent.Type.NOMINATED, v.describe() + ": " + why, v);
    }
    CandidatePair current = generationSelected;
    if (current == v || current != null && current.priority() >= v.priority()) {
      return; // the controlled side uses the highest-priority nominated pair (8.1.1)
    }
    select(v);
  }

  private void select(CandidatePair v) {
    generationSelected = v;
    selected = v;
    selectedGeneration = generation;
    selectedLocal = local;
    selectedRemote = remote;
    if (previousLocal != null) {
      // The peer may select a moment later and still sends consent with our old ufrag meanwhile:
      // keep answering it for one transaction lifetime.
      IceCredentials old = previousLocal;
      context.setTimer(options.checkRetransmit().timeoutMillis(), id -> {
        if (previousLocal == old) {
          previousLocal = null;
        }
      });
    }
    checkList.complete();
    cancelTimers();
    consent.start(v);
    metrics.increment("p2p.ice.selected");
    long ms = checkingStartNanos < 0 ? -1 : (System.nanoTime() - checkingStartNanos) / 1_000_000;
    emit(IceEvent.Type.SELECTED, v.describe() + " as " + role.label() + (ms >= 0 ? ", " + ms + " ms after checks began" : ""), v);
    setState(IceAgentState.COMPLETED);
    selectedPromise.tryComplete(v);
  }

  // ------------------------------------------------------------------------------------------------
  // Failure, restart, consent

  /** Fails the generation once nothing can succeed any more and both sides said end-of-candidates. */
  private void checkFailure() {
    if (!isActive() || checkList.completed || remote == null || !localComplete || !remoteComplete) {
      return;
    }
    if (checkList.hasPending() || nominating != null || checkList.bestValid() != null) {
      return;
    }
    // Give the peer's checks one transaction timeout to reach us (they may teach us a prflx pair);
    // the pacing timer calls this again on every tick.
    long since = (System.nanoTime() - checkingStartNanos) / 1_000_000;
    if (since < options.checkRetransmit().timeoutMillis()) {
      return;
    }
    List<CandidatePair> all = checkList.all();
    fail(all.isEmpty()
        ? "no candidate pair could be formed (local: " + describe(reportedLocals()) + "; remote: " + describe(remotes) + ")"
        : "all " + all.size() + " candidate pairs failed", "all-pairs-failed");
  }

  private void fail(String reason, String metric) {
    List<String> attempts = checkList.all().stream()
        .map(p -> p.describe() + ": " + p.lastOutcome())
        .collect(Collectors.toList());
    StringBuilder msg = new StringBuilder("ICE failed: ").append(reason);
    if (!attempts.isEmpty()) {
      msg.append(". Tried: ").append(String.join("; ", attempts.subList(0, Math.min(attempts.size(), MAX_REPORTED_PAIRS))));
      if (attempts.size() > MAX_REPORTED_PAIRS) {
        msg.append("; and ").append(attempts.size() - MAX_REPORTED_PAIRS).append(" more");
      }
    }
    if (checkList.pruned() > 0) {
      msg.append(" (").append(checkList.pruned()).append(" redundant pairs pruned)");
    }
    failureReason = msg.toString();
    metrics.increment("p2p.ice.failed", "reason", metric);
    cancelTimers();
    consent.stop();
    emit(IceEvent.Type.FAILED, failureReason, null);
    setState(IceAgentState.FAILED);
    selectedPromise.tryFail(new IceFailedException(failureReason, attempts));
  }

  private void doRestart(IceCredentials newLocal) {
    boolean keepOld = selected != null
        && (state == IceAgentState.COMPLETED || state == IceAgentState.DISCONNECTED);
    previousLocal = keepOld ? selectedLocal : null;
    local = newLocal;
    remote = null;
    generation++;
    remotes.clear();
    locals.removeIf(l -> l.candidate().type() == CandidateType.PEER_REFLEXIVE);
    remoteComplete = false;
    cancelTimers();
    nominating = null;
    firstValidNanos = -1;
    checkingStartNanos = -1;
    generationSelected = null;
    pacedChecks = 0;
    lastPacedNanos = 0;
    checkList = new CheckList(options.maxPairs());
    failureReason = null;
    if (selectedPromise.future().isComplete()) {
      selectedPromise = context.promise();
    }
    emit(IceEvent.Type.RESTART, "new local ufrag " + newLocal.ufrag()
        + (keepOld ? "; " + selected.describe() + " stays in use until a new pair is nominated" : ""), null);
    if (!keepOld) {
      consent.stop();
      selected = null;
      setState(IceAgentState.NEW);
    }
  }

  private final class ConsentCallbacks implements ConsentFreshness.Callbacks {
    @Override
    public void sendConsentRequest(CandidatePair pair) {
      if (!closed) {
        sendCheck(pair, CheckKind.CONSENT);
      }
    }

    @Override
    public void sendKeepalive(CandidatePair pair) {
      if (closed) {
        return;
      }
      StunMessage indication = CheckMessages.keepalive();
      pair.lastSentNanos = System.nanoTime();
      metrics.increment("p2p.ice.keepalives.sent");
      send(pair.via(), pair.remote().address(), indication);
    }

    @Override
    public void disconnected(CandidatePair pair, long silentMillis) {
      metrics.increment("p2p.ice.consent", "outcome", "disconnected");
      emit(IceEvent.Type.CONSENT, "no consent response on " + pair.describe() + " for " + silentMillis + " ms", pair);
      if (state == IceAgentState.COMPLETED) {
        setState(IceAgentState.DISCONNECTED);
      }
    }

    @Override
    public void restored(CandidatePair pair) {
      metrics.increment("p2p.ice.consent", "outcome", "restored");
      emit(IceEvent.Type.CONSENT, "consent on " + pair.describe() + " is fresh again", pair);
      if (state == IceAgentState.DISCONNECTED) {
        setState(IceAgentState.COMPLETED);
      }
    }

    @Override
    public void lost(CandidatePair pair, long silentMillis) {
      metrics.increment("p2p.ice.consent", "outcome", "lost");
      String why = "consent lost on " + pair.describe() + ": no authenticated response for " + silentMillis
          + " ms (RFC 7675); stop sending on this path";
      if (selectedGeneration != generation) {
        // An ICE restart is under way: the old path is gone, the new generation goes on checking.
        selected = null;
        emit(IceEvent.Type.CONSENT, why + "; the ICE restart goes on", pair);
        setState(remote == null ? IceAgentState.NEW
            : checkList.any(CandidatePair::valid) ? IceAgentState.CONNECTED : IceAgentState.CHECKING);
        return;
      }
      failureReason = why;
      metrics.increment("p2p.ice.failed", "reason", "consent-lost");
      cancelTimers();
      emit(IceEvent.Type.FAILED, why, pair);
      setState(IceAgentState.FAILED);
      selectedPromise.tryFail(new IceFailedException(why, List.of(pair.describe() + ": " + why)));
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Plumbing

  private boolean isActive() {
    return !closed && state != IceAgentState.FAILED;
  }

  private void cancelTimers() {
    if (pacingTimer >= 0) {
      context.owner().cancelTimer(pacingTimer);
      pacingTimer = -1;
    }
    if (checkingTimer >= 0) {
      context.owner().cancelTimer(checkingTimer);
      checkingTimer = -1;
    }
  }

  private void send(StunClient via, InetSocketAddress to, StunMessage m) {
    via.endpoint().send(Buffer.buffer(encoder.encodeToBytes(m)), to)
        .onFailure(e -> LOG.debug("sending {} to {} failed: {}", m.type(), to, e.getMessage()));
  }

  private void setState(IceAgentState s) {
    if (state == s) {
      return;
    }
    IceAgentState old = state;
    state = s;
    emit(IceEvent.Type.STATE, old.label() + " -> " + s.label(), null);
    stateHandler.handle(s);
  }

  private void emit(IceEvent.Type type, String detail, CandidatePair pair) {
    IceEvent e = new IceEvent((System.nanoTime() - createdNanos) / 1_000_000, type, detail, pair);
    LOG.debug("[{}] {}", local.ufrag(), e);
    try {
      eventHandler.handle(e);
    } catch (RuntimeException ex) {
      LOG.warn("ICE event handler failed on {}: {}", e, ex.toString());
    }
  }

  private void onContext(Runnable r) {
    if (context.isRunningOnContext()) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  private static String describe(List<Candidate> candidates) {
    return candidates.isEmpty()
        ? "none"
        : candidates.stream().map(c -> c.type().sdpName() + " " + SocketAddresses.format(c.address()))
            .collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return "IceAgent[" + role.label() + ", " + state.label() + ", ufrag " + local.ufrag()
        + (selected != null ? ", selected " + selected.describe() : "") + "]";
  }
}
