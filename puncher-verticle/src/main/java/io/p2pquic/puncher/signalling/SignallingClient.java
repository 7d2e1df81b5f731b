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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the rendezvous signalling WebSocket (docs/signalling.md): proves the peer's key,
 * then relays messages to other peers and looks them up.
 *
 * <p>Futures complete on the context that called {@link #connect()}. Handlers run there too.
 * Reconnecting is left to the caller (create a new client after {@link #closeHandler}).
 */
public final class SignallingClient {
  private static final long CLOSE_BOUND_MS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(SignallingClient.class);
  private static final String REGISTER_ID = "register";

  private final Vertx vertx;
  private final URI rendezvous;
  private final PeerIdentity identity;
  private final MeterRegistry meters;
  private final SignallingClientOptions options;
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

  private volatile WebSocketClient client;
  private volatile WebSocket ws;
  private volatile Registration registration;
  private volatile RelayCredentials renewedRelayCredentials;
  private volatile Promise<Registration> connecting;
  private volatile boolean closed;
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
    String scheme = rendezvous.getScheme();
    if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
      throw new IllegalArgumentException("rendezvous URI must be ws:// or wss://, got " + rendezvous);
    }
    if (rendezvous.getHost() == null) {
      throw new IllegalArgumentException("rendezvous URI has no host: " + rendezvous);
    }
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
    Promise<Registration> promise = Promise.promise();
    connecting = promise;
    boolean tls = "wss".equals(rendezvous.getScheme());
    int port = rendezvous.getPort() > 0 ? rendezvous.getPort() : (tls ? 443 : 80);
    String path = (rendezvous.getRawPath() == null || rendezvous.getRawPath().isEmpty()) ? "/" : rendezvous.getRawPath();
    if (rendezvous.getRawQuery() != null) {
      path += "?" + rendezvous.getRawQuery();
    }
    client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(options.maxFrameBytes())
        .setMaxMessageSize(options.maxFrameBytes()));
    long timer = vertx.setTimer(options.connectTimeoutMs(), t -> {
      if (promise.tryFail(new SignallingException(ErrorCode.TIMEOUT, "no \"registered\" from " + rendezvous
          + " within " + options.connectTimeoutMs() + " ms", null))) {
        shutdown("connect timeout");
      }
    });
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
          socket.closeHandler(v -> onClosed());
        })
        .onFailure(t -> {
          if (promise.tryFail(new SignallingException(ErrorCode.CLOSED, "cannot connect to " + rendezvous + ": "
              + t.getMessage(), null))) {
            shutdown("connect failed");
          }
        });
    return promise.future();
  }

  /**
   * Relays {@code body} as a message of {@code type} (offer, answer, candidate, end-of-candidates,
   * connect, sync, bye) to peer {@code to}; completes when the server acks delivery, fails with a
   * {@link SignallingException} carrying the error code otherwise.
   */
  public Future<Void> send(PeerId to, String type, JsonObject body) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(type, "type");
    JsonObject msg = new JsonObject().put("type", type).put("to", to.value())
        .put("body", body == null ? new JsonObject() : body);
    return request(msg, reply -> null);
  }

  /** Asks whether {@code peer} is registered; completes with its info (online or not). */
  public Future<PeerInfo> lookup(PeerId peer) {
    Objects.requireNonNull(peer, "peer");
    return request(new JsonObject().put("type", SignallingProtocol.LOOKUP).put("peerId", peer.value()),
        PeerInfo::fromJson);
  }

  /**
   * Fresh relay credentials from the rendezvous ({@code turn-credentials}); they also become
   * {@link #relayCredentials()}. Fails when the rendezvous hands out none.
   */
  public Future<RelayCredentials> renewRelayCredentials() {
    return request(new JsonObject().put("type", SignallingProtocol.TURN_CREDENTIALS),
        reply -> RelayCredentials.fromJson(reply.getJsonObject("turn", new JsonObject())))
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

  /** Application-level round trip (also keeps idle middleboxes from dropping the connection). */
  public Future<Void> ping() {
    return request(new JsonObject().put("type", SignallingProtocol.PING), reply -> null);
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

  /** The registration, or null before {@link #connect()} completed. */
  public Registration registration() {
    return registration;
  }

  public PeerIdentity identity() {
    return identity;
  }

  public boolean isConnected() {
    WebSocket s = ws;
    return registration != null && !closed && s != null && !s.isClosed();
  }

  /** Closes the connection; pending requests fail with {@code closed}. */
  public Future<Void> close() {
    return shutdown("client");
  }

  // ---- internals ------------------------------------------------------------------------------------

  private <T> Future<T> request(JsonObject msg, Function<JsonObject, T> onReply) {
    WebSocket s = ws;
    if (!isConnected() || s == null) {
      return fail(ErrorCode.CLOSED, closed ? "client closed" : "not registered: call connect() first");
    }
    String id = "c" + ids.incrementAndGet();
    msg.put("id", id);
    String text = msg.encode();
    int size = text.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxMessageBytes) {
      return fail(ErrorCode.TOO_LARGE, "message of " + size + " bytes exceeds the server's limit of "
          + maxMessageBytes + " bytes");
    }
    Pending p = new Pending(id);
    // Timer first, then publish the pending entry: whoever removes it can cancel a real timer.
    p.timer = vertx.setTimer(options.requestTimeoutMs(), t -> {
      if (pending.remove(id, p)) {
        count("p2p.signalling.client.errors", "code", ErrorCode.TIMEOUT.wire());
        p.promise.tryFail(new SignallingException(ErrorCode.TIMEOUT, "no reply to " + msg.getString("type")
            + " within " + options.requestTimeoutMs() + " ms", id));
      }
    });
    pending.put(id, p);
    String type = msg.getString("type");
    count("p2p.signalling.client.sent", "type", SignallingProtocol.RELAY_TYPES.contains(type)
        || SignallingProtocol.LOOKUP.equals(type) || SignallingProtocol.PING.equals(type) ? type : "other");
    s.writeTextMessage(text).onFailure(t -> {
      if (pending.remove(id, p)) {
        vertx.cancelTimer(p.timer);
        p.promise.tryFail(new SignallingException(ErrorCode.CLOSED, "write failed: " + t.getMessage(), id));
      }
    });
    return p.promise.future().map(reply -> onReply.apply(reply));
  }

  private <T> Future<T> fail(ErrorCode code, String text) {
    count("p2p.signalling.client.errors", "code", code.wire());
    return Future.failedFuture(new SignallingException(code, text, null));
  }

  private void onText(String text) {
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (RuntimeException e) {
      LOG.warn("signalling: server sent a frame that is not a JSON object; ignored");
      return;
    }
    String type = msg.getString("type", "");
    switch (type) {
      case SignallingProtocol.CHALLENGE:
        onChallenge(msg);
        return;
      case SignallingProtocol.REGISTERED:
        onRegistered(msg);
        return;
      case SignallingProtocol.ACK:
      case SignallingProtocol.PEER:
      case SignallingProtocol.PONG:
      case SignallingProtocol.TURN_CREDENTIALS:
        complete(msg);
        return;
      case SignallingProtocol.ERROR:
        onError(msg);
        return;
      case SignallingProtocol.REPLACED:
        LOG.warn("signalling: {}", msg.getString("message"));
        shutdown("replaced");
        return;
      default:
        if (SignallingProtocol.RELAY_TYPES.contains(type) && msg.getValue("from") instanceof String) {
          SignallingMessage m;
          try {
            m = SignallingMessage.fromJson(msg);
          } catch (IllegalArgumentException e) {
            LOG.warn("signalling: malformed relayed message ignored: {}", e.getMessage());
            return;
          }
          count("p2p.signalling.client.received", "type", type);
          try {
            messageHandler.handle(m);
          } catch (RuntimeException e) {
            LOG.warn("signalling: message handler failed on {}", type, e);
          }
        } else {
          LOG.debug("signalling: ignoring message of type \"{}\"", type);
        }
    }
  }

  private void onChallenge(JsonObject msg) {
    byte[] nonce;
    try {
      nonce = Base64.getDecoder().decode(msg.getString("nonce", ""));
    } catch (IllegalArgumentException e) {
      nonce = new byte[0];
    }
    if (nonce.length != SignallingProtocol.NONCE_LENGTH) {
      failConnect(new SignallingException(ErrorCode.MALFORMED, "server challenge has no 32-byte nonce", null));
      return;
    }
    byte[] sig = identity.sign(SignallingProtocol.registrationPayload(nonce));
    ws.writeTextMessage(new JsonObject()
        .put("type", SignallingProtocol.REGISTER)
        .put("id", REGISTER_ID)
        .put("peerId", identity.peerId().value())
        .put("publicKey", identity.publicKeyBase64())
        .put("signature", Base64.getEncoder().encodeToString(sig))
        .encode());
  }

  private void onRegistered(JsonObject msg) {
    Registration r;
    try {
      r = Registration.fromJson(msg);
    } catch (RuntimeException e) {
      failConnect(new SignallingException(ErrorCode.MALFORMED, "bad registered reply: " + e.getMessage(), null));
      return;
    }
    if (!identity.peerId().equals(r.peerId())) {
      failConnect(new SignallingException(ErrorCode.ID_MISMATCH, "server registered " + r.peerId()
          + " instead of " + identity.peerId(), null));
      return;
    }
    Object limit = r.limits().getValue("maxMessageBytes");
    if (limit instanceof Number && ((Number) limit).intValue() > 0) {
      maxMessageBytes = ((Number) limit).intValue();
    }
    registration = r;
    LOG.debug("signalling: registered {} at {}, observed {}", r.peerId(), rendezvous, r.observedAddress());
    Promise<Registration> p = connecting;
    if (p != null) {
      p.tryComplete(r);
    }
  }

  private void onError(JsonObject msg) {
    String code = msg.getString("code", ErrorCode.INTERNAL.wire());
    String text = msg.getString("message", "");
    Object idValue = msg.getValue("id");
    String id = idValue == null ? null : idValue.toString();
    count("p2p.signalling.client.errors", "code", ErrorCode.fromWire(code).map(ErrorCode::wire).orElse("other"));
    if (registration == null && (id == null || REGISTER_ID.equals(id))) {
      failConnect(new SignallingException(code, text, id));
      return;
    }
    Pending p = id == null ? null : pending.remove(id);
    if (p == null) {
      LOG.warn("signalling: server error {}: {}", code, text);
      return;
    }
    vertx.cancelTimer(p.timer);
    p.promise.tryFail(new SignallingException(code, text, id));
  }

  private void complete(JsonObject msg) {
    Object idValue = msg.getValue("id");
    Pending p = idValue == null ? null : pending.remove(idValue.toString());
    if (p == null) {
      LOG.debug("signalling: reply for unknown request {}", idValue);
      return;
    }
    vertx.cancelTimer(p.timer);
    p.promise.tryComplete(msg);
  }

  private void failConnect(SignallingException e) {
    Promise<Registration> p = connecting;
    if (p != null && p.tryFail(e)) {
      shutdown("registration failed");
    }
  }

  private void onClosed() {
    shutdown(closed ? "client" : "closed");
  }

  private Future<Void> shutdown(String reason) {
    boolean first;
    synchronized (this) {
      first = !closed;
      closed = true;
    }
    List<Pending> failed = new ArrayList<>();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      if (pending.remove(e.getKey(), e.getValue())) {
        failed.add(e.getValue());
      }
    }
    for (Pending p : failed) {
      vertx.cancelTimer(p.timer);
      p.promise.tryFail(new SignallingException(ErrorCode.CLOSED, "connection closed (" + reason + ")", p.id));
    }
    Promise<Registration> c = connecting;
    if (c != null) {
      c.tryFail(new SignallingException(ErrorCode.CLOSED, "connection closed before registration (" + reason + ")",
          null));
    }
    WebSocket s = ws;
    WebSocketClient wc = client;
    Future<Void> closing = Future.succeededFuture();
    if (s != null && !s.isClosed()) {
      closing = s.close().otherwiseEmpty();
    }
    if (wc != null) {
      closing = closing.compose(v -> wc.close()).otherwiseEmpty();
    }
    if (first && registration != null) {
      try {
        closeHandler.handle(reason);
      } catch (RuntimeException e) {
        LOG.warn("signalling: close handler failed", e);
      }
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

  private static final class Pending {
    final String id;
    final Promise<JsonObject> promise = Promise.promise();
    volatile long timer;

    Pending(String id) {
      this.id = id;
    }
  }
}
