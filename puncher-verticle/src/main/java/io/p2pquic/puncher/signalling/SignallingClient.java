package io.p2pquic.puncher.signalling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.ClientFrame;
import io.p2pquic.api.signalling.frame.LookupRequest;
import io.p2pquic.api.signalling.frame.PingRequest;
import io.p2pquic.api.signalling.frame.RelayRequest;
import io.p2pquic.api.signalling.frame.TurnCredentialsRequest;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.PeerReply;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.api.signalling.frame.ReplacedNotice;
import io.p2pquic.api.signalling.frame.ServerFrame;
import io.p2pquic.api.signalling.frame.ServerFrameDecoder;
import io.p2pquic.api.signalling.frame.ServerReply;
import io.p2pquic.api.signalling.frame.SignallingFrameException;
import io.p2pquic.api.signalling.frame.TurnCredentialsReply;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.p2pquic.api.tls.CertificatePin;
import io.vertx.core.net.TrustOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the rendezvous signalling WebSocket (docs/signalling.md): proves the peer's key,
 * then relays messages to other peers and looks them up.
 *
 * <p>Futures complete on the context that called {@link #connect()}. Handlers run there too.
 *
 * <p>Staying up ({@link SignallingClientOptions#reconnect()}): after any loss of the connection, except
 * {@code replaced} (the same peer id registered elsewhere) and {@link #close()}, the client connects and
 * registers again with capped exponential backoff and full jitter, on a fresh WebSocket, and tells
 * {@link #registrationHandler} about each new registration. A heartbeat (application ping) notices a
 * connection that died silently, e.g. after a NAT forgot its state. Requests made while disconnected fail
 * at once with {@code closed}. The state is logged once per change, not once per attempt.
 */
public final class SignallingClient {
  private static final long CLOSE_BOUND_MS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(SignallingClient.class);
  private static final String REGISTER_ID = "register";
  /**
   * Frames that may wait for the rendezvous's rate limit: at 18 a second, about 14 s of them, longer than a
   * request waits for its reply, so a frame refused here would have timed out anyway.
   */
  static final int MAX_PACED_FRAMES = 256;
  /** The resend pause while the rendezvous has said no rate (an older one). */
  private static final long DEFAULT_TOKEN_MILLIS = 100;
  private final ServerFrameDecoder decoder = new ServerFrameDecoder();

  private final Vertx vertx;
  private final URI rendezvous;
  private final CertificatePin pin;
  private final PeerIdentity identity;
  private final MeterRegistry meters;
  private final SignallingClientOptions options;
  private final SignallingRequests requests;
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final SendPacer pacer;
  /** One token of the rendezvous's rate limit: the pause before a frame it refused is sent again. */
  private volatile long tokenMillis = DEFAULT_TOKEN_MILLIS;

  private volatile WebSocketClient client;
  private volatile WebSocket ws;
  private volatile Registration registration;
  private volatile RelayCredentials renewedRelayCredentials;
  private volatile Promise<Registration> connecting;
  /** The registration checks of the current connection attempt (its grant token is read at the attempt). */
  private volatile RegistrationHandshake handshake;
  /** The current connection ended (reset when a new one is made). */
  private volatile boolean closed;
  /** Closed for good: by {@link #close()} or "replaced". */
  private volatile boolean stopped;
  private volatile SignallingState state = SignallingState.CONNECTING;
  private volatile int attempts;
  private volatile String lastError;
  private volatile long registeredAtMillis;
  private volatile long lostAtMillis;
  private volatile boolean everRegistered;
  private volatile long retryTimer = -1;
  private volatile long heartbeatTimer = -1;
  private volatile Handler<Registration> registrationHandler = r -> { };
  private volatile Handler<SignallingState> stateHandler = st -> { };
  private volatile int maxMessageBytes = Integer.MAX_VALUE;
  private volatile Handler<SignallingMessage> messageHandler = m -> LOG.debug("signalling: unhandled {}", m);
  private volatile Handler<String> closeHandler = reason -> { };

  public SignallingClient(Vertx vertx, URI rendezvous, PeerIdentity identity, MeterRegistry meterRegistry) {
    this(vertx, rendezvous, identity, meterRegistry, new SignallingClientOptions());
  }

  public SignallingClient(Vertx vertx, URI rendezvous, PeerIdentity identity, MeterRegistry meterRegistry,
      SignallingClientOptions options) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.meters = Objects.requireNonNull(meterRegistry, "meterRegistry");
    this.options = Objects.requireNonNull(options, "options");
    this.requests = new SignallingRequests(vertx, "c");
    Counter paced = meters.counter("p2p.signalling.client.paced");
    this.pacer = new SendPacer(vertx.getOrCreateContext(), MAX_PACED_FRAMES, paced::increment);
    String scheme = rendezvous.getScheme();
    if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
      throw new IllegalArgumentException("rendezvous URI must be ws:// or wss://, got " + rendezvous);
    }
    if (rendezvous.getHost() == null) {
      throw new IllegalArgumentException("rendezvous URI has no host: " + rendezvous);
    }
    String fragment = rendezvous.getRawFragment();
    if (fragment != null && !"wss".equals(scheme)) {
      throw new IllegalArgumentException("#" + fragment + " pins a TLS certificate: use wss:// (" + rendezvous + ")");
    }
    this.pin = fragment == null ? null : CertificatePin.parse(fragment);
  }

  /** The certificate pin of a {@code wss://...#sha256=} address, or null. */
  public CertificatePin pin() {
    return pin;
  }

  private WebSocketClientOptions clientOptions(boolean tls) {
    WebSocketClientOptions o = new WebSocketClientOptions()
        .setMaxFrameSize(options.maxFrameBytes())
        .setMaxMessageSize(options.maxFrameBytes());
    if (tls && pin != null) {
      // The pin is the trust: a self-signed certificate works, any other certificate fails the handshake.
      o.setSsl(true).setVerifyHost(false).setTrustOptions(TrustOptions.wrap(new PinnedTrustManager(pin)));
    } else if (tls) {
      o.setSsl(true).setVerifyHost(true); // the JVM's CA store and the host name, as a browser would
    }
    return o;
  }

  /** A failed connect in words that say what to do, for TLS failures in particular. */
  private String describeConnectFailure(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    boolean tlsFailure = t instanceof javax.net.ssl.SSLException || root instanceof java.security.cert.CertificateException
        || root instanceof javax.net.ssl.SSLException
        || root.getClass().getName().startsWith("sun.security.provider.certpath");
    if (!tlsFailure) {
      return t.getMessage();
    }
    String why = root.getMessage() != null ? root.getMessage() : root.toString();
    if (pin == null && "wss".equals(rendezvous.getScheme())) {
      return "TLS: " + why + " (a rendezvous with a self-signed certificate is reached by its pin: --rendezvous "
          + "wss://HOST:PORT/signal#sha256=<the pin the rendezvous prints at start>)";
    }
    return "TLS: " + why;
  }

  /**
   * Connects, answers the challenge with a signature of this peer's key and completes with the
   * server's {@code registered} reply (observed address included). Fails with a
   * {@link SignallingException} if the server rejects the registration, {@code timeout} if it
   * takes longer than the connect timeout.
   */
  public Future<Registration> connect() {
    if (connecting != null) {
      return connecting.future();
    }
    return open();
  }

  /** One connection attempt: a fresh WebSocket, the challenge, {@code registered}. */
  private Future<Registration> open() {
    Promise<Registration> promise = Promise.promise();
    connecting = promise;
    handshake = new RegistrationHandshake(identity, REGISTER_ID, false, options.grantToken());
    closed = false;
    registration = null;
    attempts++;
    boolean tls = "wss".equals(rendezvous.getScheme());
    int port = rendezvous.getPort() > 0 ? rendezvous.getPort() : (tls ? 443 : 80);
    String path = (rendezvous.getRawPath() == null || rendezvous.getRawPath().isEmpty()) ? "/" : rendezvous.getRawPath();
    if (rendezvous.getRawQuery() != null) {
      path += "?" + rendezvous.getRawQuery();
    }
    client = vertx.createWebSocketClient(clientOptions(tls));
    long timer = vertx.setTimer(options.connectTimeoutMs(), t -> {
      if (promise.tryFail(new SignallingException(ErrorCode.TIMEOUT, "no \"registered\" from " + rendezvous
          + " within " + options.connectTimeoutMs() + " ms", null))) {
        shutdown("connect timeout");
      }
    });
    promise.future().onFailure(err -> lastError = err.getMessage());
    promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    client.connect(new WebSocketConnectOptions()
            .setHost(rendezvous.getHost())
            .setPort(port)
            .setSsl(tls)
            .setURI(path)
            .setConnectTimeout(options.connectTimeoutMs()))
        .onSuccess(socket -> {
          if (promise.future().isComplete()) {
            socket.close();
            return;
          }
          ws = socket;
          socket.textMessageHandler(this::onText);
          socket.exceptionHandler(t -> LOG.debug("signalling: connection error: {}", t.toString()));
          socket.closeHandler(v -> {
            if (ws == socket) { // not an old connection's late close
              onClosed();
            }
          });
        })
        .onFailure(t -> {
          if (promise.tryFail(new SignallingException(ErrorCode.CLOSED, "cannot connect to " + rendezvous + ": "
              + describeConnectFailure(t), null))) {
            shutdown("connect failed");
          }
        });
    return promise.future();
  }

  /**
   * Connects like {@link #connect()}, and when that fails keeps trying with the reconnect backoff
   * (start-up before the rendezvous is reachable). Completes with the first registration; fails only
   * when the client is closed or replaced meanwhile, or when reconnecting is off.
   */
  public Future<Registration> connectAndRetry() {
    Promise<Registration> first = Promise.promise();
    Handler<Registration> previous = registrationHandler;
    registrationHandler = r -> {
      registrationHandler = previous;
      first.tryComplete(r);
      previous.handle(r);
    };
    stateHandler = chain(stateHandler, st -> {
      if (st == SignallingState.REPLACED || st == SignallingState.CLOSED) {
        first.tryFail(new SignallingException(ErrorCode.CLOSED, "signalling " + st.name().toLowerCase()
            + (lastError != null ? ": " + lastError : ""), null));
      }
    });
    open().onFailure(err -> {
      if (!options.reconnect()) {
        first.tryFail(err);
      }
    });
    return first.future();
  }

  private static Handler<SignallingState> chain(Handler<SignallingState> a, Handler<SignallingState> b) {
    return st -> {
      a.handle(st);
      b.handle(st);
    };
  }

  /**
   * Relays {@code body} as a message of {@code type} (offer, answer, candidate, end-of-candidates,
   * connect, sync, bye) to peer {@code to}; completes when the server acks delivery, fails with a
   * {@link SignallingException} carrying the error code otherwise.
   */
  public Future<Void> send(PeerId to, String type, JsonObject body) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(type, "type");
    return request(new RelayRequest(type, to, null, body), reply -> null);
  }

  /** Relays a session message ({@link SessionSignal}: offer, answer, candidate, bye, ...) to peer {@code to}, like {@link #send}. */
  public Future<Void> send(PeerId to, SessionSignal signal) {
    return send(to, signal.type(), signal.toJson());
  }

  /** Asks whether {@code peer} is registered; completes with its info (online or not). */
  public Future<PeerInfo> lookup(PeerId peer) {
    Objects.requireNonNull(peer, "peer");
    return request(new LookupRequest(null, peer), reply -> expect(reply, PeerReply.class).info());
  }

  /**
   * Fresh relay credentials from the rendezvous ({@code turn-credentials}); they also become
   * {@link #relayCredentials()}. Fails when the rendezvous hands out none.
   */
  public Future<RelayCredentials> renewRelayCredentials() {
    return request(new TurnCredentialsRequest(null), reply -> expect(reply, TurnCredentialsReply.class).relayCredentials())
        .onSuccess(c -> renewedRelayCredentials = c);
  }

  /** The newest relay credentials: renewed ones, else those of the registration; null if none. */
  public RelayCredentials relayCredentials() {
    RelayCredentials renewed = renewedRelayCredentials;
    Registration r = registration;
    RelayCredentials registered = r == null ? null : r.relayCredentials();
    if (renewed == null) {
      return registered;
    }
    return registered == null || renewed.expiresAt() >= registered.expiresAt() ? renewed : registered;
  }

  /**
   * Tells the rendezvous how a session it signalled is doing ({@code session-report}: its operator API shows
   * path and RTT, which it cannot see). Optional: fails when the rendezvous predates it or did not relay
   * this session's offer (another cluster node did); callers ignore that.
   */
  public Future<Void> reportSession(io.p2pquic.api.signalling.frame.SessionReport report) {
    return request(report, reply -> null);
  }

  /** Application-level round trip (also keeps idle middleboxes from dropping the connection). */
  public Future<Void> ping() {
    return request(new PingRequest(null), reply -> null);
  }

  /** Receives relayed messages (offer, answer, candidate, ...), with {@code from} set by the server. */
  public SignallingClient messageHandler(Handler<SignallingMessage> handler) {
    this.messageHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Called once when the connection ends after registration, with the reason: {@code "replaced"}
   * (the same peer id registered elsewhere), {@code "closed"} (by the server or network) or
   * {@code "client"} (by {@link #close()}).
   */
  public SignallingClient closeHandler(Handler<String> handler) {
    this.closeHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /** Told about every registration: the first and each one after a reconnect (new observed address, relays). */
  public SignallingClient registrationHandler(Handler<Registration> handler) {
    this.registrationHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /** Told about each change of {@link #state()}. */
  public SignallingClient stateHandler(Handler<SignallingState> handler) {
    this.stateHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  public SignallingState state() {
    return state;
  }

  /** Connection attempts so far (1 after a first connect). */
  public int attempts() {
    return attempts;
  }

  /** Why the last attempt or connection ended, or null. */
  public String lastError() {
    return lastError;
  }

  /** When the current registration was made (epoch ms), 0 when not registered. */
  public long registeredAtMillis() {
    return state == SignallingState.REGISTERED ? registeredAtMillis : 0;
  }

  public URI rendezvous() {
    return rendezvous;
  }

  /** The state as JSON for status output: state, rendezvous, attempts, lastError, registeredAt, observed. */
  public JsonObject stateJson() {
    Registration r = registration;
    JsonObject j = new JsonObject().put("state", state.label()).put("rendezvous", rendezvous.toString())
        .put("attempts", attempts);
    if (lastError != null) {
      j.put("lastError", lastError);
    }
    if (state == SignallingState.REGISTERED && r != null) {
      j.put("registeredAt", java.time.Instant.ofEpochMilli(registeredAtMillis).toString())
          .put("observedAddress", String.valueOf(r.observedAddress()));
    }
    return j;
  }

  /** The registration, or null before {@link #connect()} completed. */
  public Registration registration() {
    return registration;
  }

  public PeerIdentity identity() {
    return identity;
  }

  public boolean isConnected() {
    WebSocket s = ws;
    return registration != null && !closed && !stopped && s != null && !s.isClosed();
  }

  /** Closes the connection for good (no reconnect); pending requests fail with {@code closed}. */
  public Future<Void> close() {
    stopped = true;
    vertx.cancelTimer(retryTimer);
    vertx.cancelTimer(heartbeatTimer);
    Future<Void> f = shutdown("client");
    setState(SignallingState.CLOSED);
    return f;
  }

  // ---- internals ------------------------------------------------------------------------------------

  private <T> Future<T> request(ClientFrame frame, Function<ServerReply, T> onReply) {
    return request(frame, onReply, options.requestTimeoutMs());
  }

  /** Sends {@code frame} (its own id replaced by this client's next one) and maps the reply to it. */
  private <T> Future<T> request(ClientFrame frame, Function<ServerReply, T> onReply, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    return send(frame, timeoutMs).recover(err -> resendWhenRateLimited(frame, err, deadline)).map(onReply::apply);
  }

  /**
   * The rendezvous dropped the frame for its rate limit (a frame that was not paced: a rendezvous that did not
   * say its limits, or frames bunched on the way): it was not acted on, so it is sent again after a token's
   * time while the request's time lasts.
   */
  private Future<ServerReply> resendWhenRateLimited(ClientFrame frame, Throwable err, long deadline) {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    long pause = tokenMillis;
    // Only the rendezvous's refusal is worth a resend: our own queue refusing (NotSent) would refuse again.
    if (!(err instanceof SignallingException se && se.is(ErrorCode.RATE_LIMITED)) || err instanceof NotSent
        || left <= pause) {
      return Future.failedFuture(err);
    }
    count("p2p.signalling.client.resent", "reason", ErrorCode.RATE_LIMITED.wire());
    Promise<Void> later = Promise.promise();
    vertx.setTimer(pause, t -> later.complete());
    return later.future().compose(v -> send(frame, left - pause))
        .recover(again -> resendWhenRateLimited(frame, again, deadline));
  }

  /** One try: the frame paced under the rate limit, written, and its reply (or error) awaited. */
  private Future<ServerReply> send(ClientFrame frame, long timeoutMs) {
    WebSocket s = ws;
    if (!isConnected() || s == null) {
      return fail(ErrorCode.CLOSED, stopped ? "client closed" : state == SignallingState.RECONNECTING
          ? "not registered: the connection to " + rendezvous + " was lost and is being re-established"
          : "not registered: call connect() first");
    }
    SignallingRequests.Request r = requests.issue(frame, timeoutMs);
    String text = r.frame().encode();
    int size = text.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxMessageBytes) {
      requests.withdraw(r.id());
      return fail(ErrorCode.TOO_LARGE, "message of " + size + " bytes exceeds the server's limit of "
          + maxMessageBytes + " bytes");
    }
    r.reply().onFailure(err -> {
      if (err instanceof SignallingException se && se.is(ErrorCode.TIMEOUT)) {
        count("p2p.signalling.client.errors", "code", ErrorCode.TIMEOUT.wire());
      }
    });
    String type = frame.type();
    count("p2p.signalling.client.sent", "type", SignallingProtocol.RELAY_TYPES.contains(type)
        || SignallingProtocol.LOOKUP.equals(type) || SignallingProtocol.PING.equals(type) ? type : "other");
    Promise<ServerReply> outcome = Promise.promise();
    r.reply().onComplete(outcome);
    pacer.submit(() -> {
      if (!outcome.future().isComplete()) { // not timed out, nor failed with the connection, while it waited
        s.writeTextMessage(text).onFailure(t -> requests.fail(r.id(), ErrorCode.CLOSED, "write failed: " + t.getMessage()));
      }
    }, () -> {
      requests.withdraw(r.id());
      outcome.tryFail(new NotSent(r.id()));
    }, frame instanceof io.p2pquic.api.signalling.frame.SessionReport);
    return outcome.future();
  }

  /** A frame our own pacer refused (its queue was full): {@code rate-limited}, but never sent, so not resent. */
  private static final class NotSent extends SignallingException {
    private static final long serialVersionUID = 1L;

    NotSent(String requestId) {
      super(ErrorCode.RATE_LIMITED, "too many messages already wait for the rendezvous's rate limit; this one was "
          + "not sent", requestId);
    }
  }

  private <T> Future<T> fail(ErrorCode code, String text) {
    count("p2p.signalling.client.errors", "code", code.wire());
    return Future.failedFuture(new SignallingException(code, text, null));
  }

  private void onText(String text) {
    ServerFrame frame;
    try {
      frame = decoder.decode(text);
    } catch (SignallingFrameException refused) {
      onUndecodable(refused);
      return;
    }
    try {
      dispatch(frame);
    } catch (RuntimeException e) {
      LOG.warn("signalling: failed to handle \"{}\" from the rendezvous: {}", frame.type(), e.toString());
    }
  }

  /** A frame the decoder refused: the rendezvous is hostile or broken, and never an exception on the loop. */
  private void onUndecodable(SignallingFrameException refused) {
    String type = refused.frameType();
    if (type == null) {
      // Not JSON, no type, or a type this version does not know (a newer server may send more): ignored.
      if (refused.code() == ErrorCode.UNKNOWN_TYPE) {
        LOG.debug("signalling: ignoring {}", refused.getMessage());
      } else {
        LOG.warn("signalling: server sent a frame that is not a JSON object with a type; ignored");
      }
      return;
    }
    if (SignallingProtocol.RELAY_TYPES.contains(type)) {
      LOG.warn("signalling: malformed relayed message ignored: {}", refused.getMessage());
      return;
    }
    count("p2p.signalling.client.malformed", "type", type);
    LOG.warn("signalling: malformed \"{}\" from the rendezvous ignored: {}", type, refused.getMessage());
    Object id = refused.requestId();
    if (id != null) { // a reply to a request of ours: fail it now rather than at its timeout
      requests.fail(id.toString(), ErrorCode.MALFORMED, refused.getMessage());
    }
    if (registration == null) {
      failConnect(new SignallingException(ErrorCode.MALFORMED, "the rendezvous sent a malformed "
          + refused.getMessage(), null));
    }
  }

  private void dispatch(ServerFrame frame) {
    if (frame instanceof Challenge challenge) {
      ws.writeTextMessage(handshake.answer(challenge).toJson().encode());
    } else if (frame instanceof RegisteredReply registered) {
      onRegistered(registered);
    } else if (frame instanceof ErrorReply error) {
      onError(error);
    } else if (frame instanceof ReplacedNotice replaced) {
      LOG.warn("signalling: {}", replaced.message());
      stopped = true; // another process holds this peer id now: reconnecting would take it back
      lastError = "another process registered peer id " + identity.peerId().value() + " at " + rendezvous
          + " (the same identity file?)";
      shutdown("replaced");
      setState(SignallingState.REPLACED);
    } else if (frame instanceof SignallingMessage m) {
      count("p2p.signalling.client.received", "type", m.type());
      try {
        messageHandler.handle(m);
      } catch (RuntimeException e) {
        LOG.warn("signalling: message handler failed on {}", m.type(), e);
      }
    } else if (frame instanceof ServerReply reply) { // ack, peer, pong, turn-credentials
      complete(reply);
    }
  }

  private void onRegistered(RegisteredReply reply) {
    Registration r;
    try {
      handshake.accept(reply);
      r = reply.registration();
    } catch (SignallingException e) {
      failConnect(e);
      return;
    } catch (RuntimeException e) {
      failConnect(new SignallingException(ErrorCode.MALFORMED, "bad registered reply: " + e.getMessage(), null));
      return;
    }
    Object limit = r.limits().getValue("maxMessageBytes");
    if (limit instanceof Number && ((Number) limit).intValue() > 0) {
      maxMessageBytes = ((Number) limit).intValue();
    }
    Object rate = r.limits().getValue("ratePerSecond");
    Object burst = r.limits().getValue("rateBurst");
    double perSecond = rate instanceof Number n ? n.doubleValue() : 0;
    pacer.limits(perSecond, burst instanceof Number b ? b.intValue() : 0);
    tokenMillis = perSecond > 0 ? (long) Math.ceil(1000 / perSecond) : DEFAULT_TOKEN_MILLIS;
    registration = r;
    registeredAtMillis = System.currentTimeMillis();
    LOG.debug("signalling: registered {} at {}, observed {}", r.peerId(), rendezvous, r.observedAddress());
    Promise<Registration> p = connecting;
    if (p != null) {
      p.tryComplete(r);
    }
    if (state == SignallingState.RECONNECTING) {
      LOG.info("signalling: registered{} at {} after {} attempt(s) in {} ms (observed {})",
          everRegistered ? " again" : "", rendezvous, attempts, System.currentTimeMillis() - lostAtMillis,
          r.observedAddress());
    }
    everRegistered = true;
    attempts = 0;
    lastError = null;
    setState(SignallingState.REGISTERED);
    scheduleHeartbeat();
    try {
      registrationHandler.handle(r);
    } catch (RuntimeException e) {
      LOG.warn("signalling: registration handler failed", e);
    }
  }

  private void setState(SignallingState next) {
    if (state == next) {
      return;
    }
    state = next;
    try {
      stateHandler.handle(next);
    } catch (RuntimeException e) {
      LOG.warn("signalling: state handler failed", e);
    }
  }

  /** An application ping every heartbeatIntervalMs; no pong within heartbeatTimeoutMs ends the connection. */
  private void scheduleHeartbeat() {
    vertx.cancelTimer(heartbeatTimer);
    long interval = options.heartbeatIntervalMs();
    if (interval <= 0 || stopped) {
      return;
    }
    WebSocket current = ws;
    heartbeatTimer = vertx.setTimer(interval, t -> {
      if (ws != current || !isConnected()) {
        return;
      }
      request(new PingRequest(null), reply -> null, options.heartbeatTimeoutMs())
          .onSuccess(v -> scheduleHeartbeat())
          .onFailure(err -> {
            if (ws == current && !stopped) {
              LOG.debug("signalling: heartbeat failed: {}", err.getMessage());
              current.close(); // a dead connection may never finish the close handshake: shut down at once
              if (!closed) {
                shutdown("no answer to a heartbeat within " + options.heartbeatTimeoutMs() + " ms");
              }
            }
          });
    });
  }

  /** After losing a connection (or failing to make one): try again later, unless stopped. */
  private void scheduleReconnect(String reason) {
    if (stopped || !options.reconnect()) {
      setState(stopped ? state : SignallingState.CLOSED);
      return;
    }
    if (state != SignallingState.RECONNECTING) {
      lostAtMillis = System.currentTimeMillis();
      LOG.warn("signalling: {} {} ({}); {} with backoff (up to {} s between attempts)",
          everRegistered ? "lost the connection to" : "cannot reach", rendezvous, reason,
          everRegistered ? "reconnecting" : "retrying", options.reconnectMaxDelayMs() / 1000);
      setState(SignallingState.RECONNECTING);
    }
    long delay = options.backoffMs(Math.max(1, attempts), java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
    LOG.debug("signalling: attempt {} in {} ms", attempts + 1, delay);
    vertx.cancelTimer(retryTimer);
    retryTimer = vertx.setTimer(delay, t -> {
      if (!stopped) {
        connecting = null;
        open().onFailure(err -> lastError = err.getMessage());
      }
    });
  }

  private void onError(ErrorReply error) {
    String id = error.idText();
    count("p2p.signalling.client.errors", "code", error.errorCode().map(ErrorCode::wire).orElse("other"));
    if (registration == null && handshake.refusedBy(error)) {
      failConnect(handshake.refusal(error));
      return;
    }
    if (!requests.fail(error)) {
      LOG.warn("signalling: server error {}: {}", error.code(), error.message());
    }
  }

  private void complete(ServerReply reply) {
    if (!requests.complete(reply)) {
      LOG.debug("signalling: reply for unknown request {}", reply.idText());
    }
  }

  /** The reply as the frame a request expects; another type from the rendezvous fails the request. */
  private static <F extends ServerReply> F expect(ServerReply reply, Class<F> type) {
    if (!type.isInstance(reply)) {
      throw new SignallingException(ErrorCode.MALFORMED, "the rendezvous answered with \"" + reply.type() + "\"", null);
    }
    return type.cast(reply);
  }

  private void failConnect(SignallingException e) {
    Promise<Registration> p = connecting;
    if (p != null && p.tryFail(e)) {
      shutdown("registration failed");
    }
  }

  private void onClosed() {
    shutdown(stopped ? "client" : "closed");
  }

  private Future<Void> shutdown(String reason) {
    boolean first;
    synchronized (this) {
      first = !closed;
      closed = true;
    }
    vertx.cancelTimer(heartbeatTimer);
    boolean wasRegistered = registration != null;
    pacer.clear();
    requests.failAll(reason);
    Promise<Registration> c = connecting;
    if (c != null) {
      c.tryFail(new SignallingException(ErrorCode.CLOSED, "connection closed before registration (" + reason + ")",
          null));
    }
    WebSocket s = ws;
    ws = null; // a late close event of this connection must not end the next one
    WebSocketClient wc = client;
    Future<Void> closing = Future.succeededFuture();
    if (s != null && !s.isClosed()) {
      closing = s.close().otherwiseEmpty();
    }
    if (wc != null) {
      closing = closing.compose(v -> wc.close()).otherwiseEmpty();
    }
    if (first && wasRegistered) {
      try {
        closeHandler.handle(reason);
      } catch (RuntimeException e) {
        LOG.warn("signalling: close handler failed", e);
      }
    }
    if (first && !"client".equals(reason) && !"replaced".equals(reason)) {
      if (lastError == null || wasRegistered) {
        lastError = reason.equals("closed") ? "the connection was closed (rendezvous stopped, or the network)" : reason;
      }
      scheduleReconnect(lastError);
    }
    // A close racing the server's own close (e.g. "replaced") can wait on a close handshake that never
    // ends; close() must not hang its caller, so it completes after a bound either way.
    Promise<Void> done = Promise.promise();
    long bound = vertx.setTimer(CLOSE_BOUND_MS, t -> done.tryComplete());
    closing.onComplete(ar -> {
      vertx.cancelTimer(bound);
      done.tryComplete();
    });
    return done.future();
  }

  private void count(String name, String tag, String value) {
    counters.computeIfAbsent(name + "|" + value, k -> Counter.builder(name).tag(tag, value).register(meters))
        .increment();
  }
}
