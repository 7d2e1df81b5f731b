package io.p2pquic.rendezvous.signalling;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.InvalidPeerIdException;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rendezvous signalling service: WebSocket endpoint ({@link #mount(Router)}) plus event-bus
 * operations ({@link Addresses#RENDEZVOUS_LOOKUP}, {@link Addresses#RENDEZVOUS_RELAY}); protocol in
 * docs/signalling.md.
 *
 * <p>Registry: peerId -> {node, sessionId, publicKey, observedAddress, registeredAt} in the
 * cluster-wide AsyncMap {@link SignallingConfig#registryMapName()}, written with a TTL and refreshed
 * by the node holding the connection. Delivery to a peer goes to the node-local connection if there
 * is one, else to the node its registry entry names, over the (clustered) event bus at that node's
 * one address {@link Addresses#signalNode(String) p2p.signal.node.<nodeId>} (the peer in a header); no
 * consumer there means the node is gone. A lookup of a peer registered on another node probes that
 * address, so entries of a node that died are reported offline (and removed) at once, and expire by TTL
 * anyway. One address per node, not one per peer: a clustered event-bus consumer is a Hazelcast
 * multimap entry written on every registration and watched by every node, which held a 3-node cluster
 * to a few registrations per second. A registration tells the other nodes to drop an older connection
 * of the same peer with one publish on {@link Addresses#SIGNAL_REPLACE}.
 *
 * <p>Threading: all state lives on the context that called {@link #start()}; WebSocket and
 * event-bus handlers hop onto it. Nothing blocks.
 */
public final class SignallingService {

  private static final Logger LOG = LoggerFactory.getLogger(SignallingService.class);

  private static final String OP = "op";
  private static final String OP_DELIVER = "deliver";
  private static final String OP_PING = "ping";
  private static final String OP_REPLACE = "replace";
  private static final String H_SESSION = "session";
  private static final String H_REGISTERED_AT = "registeredAt";
  private static final String H_NODE = "node";
  private static final String H_PEER = "peer";
  private static final long REFRESH_TICK_MS = 1000;
  private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final Vertx vertx;
  private final SignallingConfig config;
  private final SignallingMetrics metrics;
  private final String nodeId;
  private final SecureRandom random = new SecureRandom();
  private volatile JsonObject quicSignalling;

  private Context context;
  private AsyncMap<String, JsonObject> registry;
  private final List<MessageConsumer<JsonObject>> serviceConsumers = new ArrayList<>();
  /** All open connections of this node. */
  private final Set<Session> sessions = new LinkedHashSet<>();
  /** The current registered connection of each peer held by this node. */
  private final Map<PeerId, Session> localPeers = new HashMap<>();
  /** The sessions this node relayed signalling for (operator API). */
  private final RelayedSessions relayedSessions;
  private long refreshTimer = -1;
  private int refreshSlices = 1;
  private long refreshTicks;
  private volatile java.util.function.BiFunction<PeerId, String, JsonObject> relayCredentials;
  private volatile boolean started;
  private volatile boolean stopped;

  public SignallingService(Vertx vertx, SignallingConfig config, MeterRegistry meterRegistry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = new SignallingConfig(Objects.requireNonNull(config, "config")).validate();
    this.metrics = new SignallingMetrics(Objects.requireNonNull(meterRegistry, "meterRegistry"));
    this.nodeId = config.nodeId() != null ? config.nodeId() : UUID.randomUUID().toString();
    Gauge.builder(SignallingMetrics.CONNECTIONS, sessions, Set::size)
        .description("open signalling WebSocket connections on this node").register(meterRegistry);
    Gauge.builder(SignallingMetrics.PEERS, localPeers, Map::size)
        .description("peers registered on this node").register(meterRegistry);
    this.relayedSessions = new RelayedSessions(this.config.maxSessionRecords(), meterRegistry);
  }

  /**
   * Opens the registry map and registers the event-bus consumers. Call from the verticle's start
   * (the calling context becomes the service's context).
   */
  public Future<Void> start() {
    if (started) {
      return Future.failedFuture(new IllegalStateException("already started"));
    }
    started = true;
    context = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> vertx.sharedData().<String, JsonObject>getAsyncMap(config.registryMapName())
        .compose(map -> {
          registry = map;
          EventBus eb = vertx.eventBus();
          MessageConsumer<JsonObject> lookup = eb.consumer(Addresses.RENDEZVOUS_LOOKUP, this::onLookupRequest);
          MessageConsumer<JsonObject> relay = eb.consumer(Addresses.RENDEZVOUS_RELAY, this::onRelayRequest);
          MessageConsumer<JsonObject> delivery = eb.consumer(Addresses.signalNode(nodeId), this::onNodeAddress);
          MessageConsumer<JsonObject> replace = eb.consumer(Addresses.SIGNAL_REPLACE, this::onReplaceNotice);
          serviceConsumers.addAll(List.of(lookup, relay, delivery, replace));
          // Each entry is refreshed every third of its TTL, a slice of the peers each tick: refreshing 50,000
          // entries at once stalled this context (and every message behind it) for about a second.
          long period = Math.max(1, config.registryTtlMs() / 3);
          long tick = Math.min(period, REFRESH_TICK_MS);
          refreshSlices = (int) Math.max(1, period / tick);
          refreshTimer = vertx.setPeriodic(tick, t -> refreshRegistry());
          return Future.all(lookup.completion(), relay.completion(), delivery.completion(), replace.completion());
        })
        .<Void>mapEmpty()
        .onSuccess(x -> LOG.info("signalling: node {} serving {} (map {}, max message {} B)", nodeId,
            config.path(), config.registryMapName(), config.maxMessageBytes()))
        .onComplete(done));
    return done.future();
  }

  /** Adds the WebSocket endpoint ({@link SignallingConfig#path()}, default {@code /signal}). */
  public void mount(Router router) {
    router.route(config.path()).handler(this::onHttpRequest);
  }

  /**
   * Closes all connections (close code 1001), removes this node's registry entries and
   * unregisters the consumers.
   */
  public Future<Void> stop() {
    if (!started || stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (refreshTimer >= 0) {
        vertx.cancelTimer(refreshTimer);
      }
      List<Future<?>> all = new ArrayList<>();
      for (MessageConsumer<JsonObject> c : serviceConsumers) {
        all.add(c.unregister());
      }
      serviceConsumers.clear();
      for (Map.Entry<PeerId, Session> e : new ArrayList<>(localPeers.entrySet())) {
        if (registry != null && e.getValue().entry != null) {
          all.add(registry.removeIfPresent(e.getKey().value(), e.getValue().entry));
        }
      }
      localPeers.clear();
      for (Session s : new ArrayList<>(sessions)) {
        s.shutdown();
      }
      Future.join(all).<Void>mapEmpty().otherwiseEmpty().onComplete(done);
    });
    return done.future();
  }

  /**
   * Issues TURN credentials to each peer that registers: the function's JSON (see {@code
   * RelayCredentials}) goes into the {@code registered} reply as {@code "turn"}. Null: no relay, no field.
   */
  public void relayCredentials(java.util.function.BiFunction<PeerId, String, JsonObject> issuer) {
    this.relayCredentials = issuer;
  }

  /** The {@code "turn"} field of a registration reply for {@code p} (who registered with {@code grantToken}, or null), or null. */
  JsonObject relayCredentialsFor(PeerId p, String grantToken) {
    java.util.function.BiFunction<PeerId, String, JsonObject> issuer = relayCredentials;
    return issuer == null ? null : issuer.apply(p, grantToken);
  }

  /** This node's id (as in registry entries and {@code registered} replies). */
  public String nodeId() {
    return nodeId;
  }

  public SignallingConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  SignallingMetrics metrics() {
    return metrics;
  }

  // ---- WebSocket endpoint -----------------------------------------------------------------------

  private void onHttpRequest(RoutingContext rc) {
    String upgrade = rc.request().getHeader("Upgrade");
    if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade)) {
      rc.response().setStatusCode(426).putHeader("Upgrade", "websocket")
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("This is the p2p-quic signalling WebSocket endpoint: connect with a WebSocket client.\n");
      return;
    }
    if (stopped || context == null) {
      rc.response().setStatusCode(503).end("signalling service not running\n");
      return;
    }
    rc.request().toWebSocket().onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("signalling: WebSocket upgrade failed", ar.cause());
        return;
      }
      accept(ar.result());
    });
  }

  private void accept(ServerWebSocket ws) {
    Session s = open(new WebSocketConnection(ws));
    // Handlers are set right away (on the connection's context) and hop onto the service context;
    // hops from one thread keep their order, so open() runs before any message.
    ws.textMessageHandler(text -> received(s, text));
    ws.binaryMessageHandler(buf -> {
      Session.Inbound in = s.readBinary(buf.length());
      onContext(() -> s.onInbound(in));
    });
    ws.exceptionHandler(t -> LOG.debug("signalling: connection {} error: {}", s.observedAddress, t.toString()));
    ws.closeHandler(v -> closed(s));
  }

  /**
   * A new connection on any transport ({@link SignallingConnection}), on the connection's thread: challenged
   * at once from that thread, then opened on the service context. The transport then feeds {@link #received}
   * and {@link #closed} from the same thread, so the hops keep their order.
   */
  Session open(SignallingConnection conn) {
    byte[] nonce = new byte[SignallingProtocol.NONCE_LENGTH];
    random.nextBytes(nonce);
    Session s = new Session(this, conn, nonce);
    s.sendChallenge();
    onContext(() -> {
      if (stopped) {
        s.shutdown();
        return;
      }
      sessions.add(s);
      s.open();
    });
    return s;
  }

  /**
   * One JSON text message of {@code s}, from any transport, on the connection's thread: decoded (and a
   * register's signature checked) there, so that this work spreads over the event loops serving connections.
   */
  void received(Session s, String text) {
    Session.Inbound in = s.readText(text);
    onContext(() -> s.onInbound(in));
  }

  /** A QUIC frame longer than {@code max} bytes was skipped: answered as the WebSocket answers one. */
  void tooLarge(Session s, int max) {
    onContext(() -> s.sendError(null, io.p2pquic.api.signalling.ErrorCode.TOO_LARGE, "frame longer than "
        + max + " bytes skipped; shorten it (e.g. trickle candidates one per message)"));
  }

  void closed(Session s) {
    onContext(s::onClosed);
  }

  /**
   * Where the QUIC signalling transport listens ({@code {"port", "peerId"}}), told to peers in their
   * {@code registered} reply; null while it is off.
   */
  public void quicSignalling(JsonObject advert) {
    this.quicSignalling = advert;
  }

  public JsonObject quicSignalling() {
    return quicSignalling;
  }

  private void onContext(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  // ---- operator view (read-only) ---------------------------------------------------------------------

  /**
   * The peers registered on this node: {@code peerId}, {@code transport} (ws or quic), {@code remote} (the
   * address they connected from), {@code registeredAt} (epoch ms). Read on the service's context.
   */
  public Future<io.vertx.core.json.JsonArray> registeredPeers() {
    return onContextFuture(() -> {
      io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
      for (Session s : localPeers.values()) {
        if (s.state == Session.State.REGISTERED) {
          out.add(new JsonObject().put("peerId", s.peerId.value()).put("transport", s.transport())
              .put("remote", s.observedAddress).put("registeredAt", s.registeredAt));
        }
      }
      return out;
    });
  }

  /** The sessions this node relayed signalling for, newest first (see {@link RelayedSessions}). */
  public Future<io.vertx.core.json.JsonArray> relayedSessions() {
    return onContextFuture(relayedSessions::toJson);
  }

  RelayedSessions sessionTable() {
    return relayedSessions;
  }

  private <T> Future<T> onContextFuture(java.util.function.Supplier<T> read) {
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("signalling not started"));
    }
    Promise<T> p = Promise.promise();
    onContext(() -> p.complete(read.get()));
    return p.future();
  }

  // ---- registry -------------------------------------------------------------------------------------

  /** Binds a session that proved its key to its peer id, cluster-wide. */
  Future<Void> register(Session s) {
    PeerId p = s.peerId;
    Session old = localPeers.put(p, s);
    if (old != null && old != s) {
      LOG.info("signalling: {} re-registered on this node from {}, replacing {}", p, s.observedAddress,
          old.observedAddress);
      old.replacedBy(s.id, nodeId);
    }
    // Tell other nodes holding an older connection of this peer to let go of it.
    vertx.eventBus().publish(Addresses.SIGNAL_REPLACE, new JsonObject(), new DeliveryOptions()
        .addHeader(H_PEER, p.value()).addHeader(H_SESSION, s.id).addHeader(H_NODE, nodeId)
        .addHeader(H_REGISTERED_AT, Long.toString(s.registeredAt)));
    s.entry = new JsonObject()
        .put("peerId", p.value())
        .put("node", nodeId)
        .put("sessionId", s.id)
        .put("publicKey", s.publicKey)
        .put("observedAddress", s.observedAddress)
        .put("registeredAt", s.registeredAt);
    Future<Void> put = registry.put(p.value(), s.entry, config.registryTtlMs());
    metrics.registered();
    LOG.debug("signalling: registered {} from {}", p, s.observedAddress);
    return put;
  }

  /** Undoes the registration of {@code s} if it is still the current one for its peer. */
  void unregisterPeer(Session s) {
    PeerId p = s.peerId;
    if (p == null || s.replaced || localPeers.get(p) != s) {
      return;
    }
    localPeers.remove(p);
    if (s.entry != null && registry != null) {
      registry.removeIfPresent(p.value(), s.entry)
          .onFailure(t -> LOG.debug("signalling: removing registry entry of {} failed: {}", p, t.toString()));
    }
  }

  void sessionClosed(Session s) {
    sessions.remove(s);
    unregisterPeer(s);
  }

  private void refreshRegistry() {
    int slice = (int) (refreshTicks++ % refreshSlices);
    for (Session s : new ArrayList<>(localPeers.values())) {
      if (s.entry == null || Math.floorMod(s.peerId.hashCode(), refreshSlices) != slice) {
        continue;
      }
      String key = s.peerId.value();
      JsonObject mine = s.entry;
      registry.get(key).onSuccess(current -> {
        if (localPeers.get(s.peerId) != s) {
          return;
        }
        // Refresh our own entry or restore an expired one; never overwrite a newer registration elsewhere.
        if (current == null || s.id.equals(current.getString("sessionId"))) {
          registry.put(key, mine, config.registryTtlMs());
        }
      });
    }
  }

  /** Handler of {@link Addresses#SIGNAL_REPLACE}: a peer registered on some node; an older connection here goes. */
  private void onReplaceNotice(Message<JsonObject> msg) {
    PeerId p = peerIdOrNull(msg.headers().get(H_PEER));
    Session s = p == null ? null : localPeers.get(p);
    String newSession = msg.headers().get(H_SESSION);
    if (s == null || s.id.equals(newSession)) {
      return;
    }
    long theirs = parseLong(msg.headers().get(H_REGISTERED_AT));
    // Older registration loses; on a tie the larger session id wins, so both nodes agree.
    boolean ourIsOlder = s.registeredAt < theirs
        || (s.registeredAt == theirs && newSession != null && s.id.compareTo(newSession) < 0);
    if (!ourIsOlder) {
      return;
    }
    LOG.info("signalling: {} registered on node {}, closing the older connection here", p, msg.headers().get(H_NODE));
    localPeers.remove(p);
    s.replacedBy(newSession, msg.headers().get(H_NODE));
  }

  /** Handler of this node's delivery address: a message for, or a probe of, a peer held here. */
  private void onNodeAddress(Message<JsonObject> msg) {
    String op = msg.headers().get(OP);
    PeerId p = peerIdOrNull(msg.headers().get(H_PEER));
    Session s = p == null ? null : localPeers.get(p);
    if (s == null || s.state != Session.State.REGISTERED) {
      msg.fail(ErrorCode.UNKNOWN_TARGET.status(), ErrorCode.UNKNOWN_TARGET.wire());
      return;
    }
    if (OP_PING.equals(op)) {
      msg.reply(s.info().toJson());
      return;
    }
    if (OP_DELIVER.equals(op)) {
      if (!s.writable()) {
        ErrorCode code = s.state == Session.State.CLOSED ? ErrorCode.UNKNOWN_TARGET : ErrorCode.TARGET_BUSY;
        msg.fail(code.status(), code.wire());
        return;
      }
      s.send(msg.body());
      msg.reply(new JsonObject().put("type", SignallingProtocol.ACK));
      return;
    }
    msg.fail(ErrorCode.UNKNOWN_TYPE.status(), ErrorCode.UNKNOWN_TYPE.wire());
  }

  // ---- operations shared by WebSocket and event bus ---------------------------------------------------

  /** Delivers a fully formed frame to {@code target}; fails with a {@link SignallingException}. */
  Future<Void> deliver(PeerId target, JsonObject frame) {
    String type = frame.getString("type");
    Session local = localPeers.get(target);
    if (local != null && local.state == Session.State.REGISTERED) {
      if (!local.writable()) {
        return Future.failedFuture(new SignallingException(ErrorCode.TARGET_BUSY, "target busy", null));
      }
      local.send(frame);
      metrics.relayed(type);
      return Future.succeededFuture();
    }
    return registry.get(target.value()).compose(entry -> {
      String node = entry == null ? null : entry.getString("node");
      if (node == null || nodeId.equals(node)) {
        // Not registered, or an entry of this node for a connection it no longer holds.
        return Future.<Void>failedFuture(new SignallingException(ErrorCode.UNKNOWN_TARGET, "not registered", null));
      }
      return vertx.eventBus().<JsonObject>request(Addresses.signalNode(node), frame, new DeliveryOptions()
              .setSendTimeout(config.deliveryTimeoutMs()).addHeader(OP, OP_DELIVER).addHeader(H_PEER, target.value()))
          .transform(ar -> {
            if (ar.succeeded()) {
              metrics.relayed(type);
              return Future.<Void>succeededFuture();
            }
            if (ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
              removeStale(target, entry, "node " + node + " no longer answers");
            }
            return Future.<Void>failedFuture(toSignallingException(ar.cause()));
          });
    });
  }

  private static SignallingException toSignallingException(Throwable t) {
    if (t instanceof ReplyException) {
      ReplyException re = (ReplyException) t;
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new SignallingException(ErrorCode.UNKNOWN_TARGET, "not registered", null);
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new SignallingException(ErrorCode.DELIVERY_FAILED, "delivery timed out", null);
      }
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && ErrorCode.fromWire(re.getMessage()).isPresent()) {
        return new SignallingException(re.getMessage(), "rejected by the node holding the peer", null);
      }
      return new SignallingException(ErrorCode.DELIVERY_FAILED, String.valueOf(re.getMessage()), null);
    }
    return new SignallingException(ErrorCode.INTERNAL, String.valueOf(t), null);
  }

  /** What the cluster knows about {@code p}, validated against the node that holds it. */
  Future<PeerInfo> lookup(PeerId p) {
    Session local = localPeers.get(p);
    if (local != null && local.state == Session.State.REGISTERED) {
      metrics.lookup(true);
      return Future.succeededFuture(local.info());
    }
    return registry.get(p.value()).compose(entry -> {
      if (entry == null) {
        return Future.succeededFuture(PeerInfo.offline(p));
      }
      if (nodeId.equals(entry.getString("node"))) {
        if (local != null) {
          // Registration on this node still in progress: not online yet.
          return Future.succeededFuture(PeerInfo.offline(p));
        }
        removeStale(p, entry, "this node no longer holds it");
        return Future.succeededFuture(PeerInfo.offline(p));
      }
      return vertx.eventBus().<JsonObject>request(Addresses.signalNode(entry.getString("node")), new JsonObject(),
              new DeliveryOptions().setSendTimeout(config.lookupProbeTimeoutMs()).addHeader(OP, OP_PING)
                  .addHeader(H_PEER, p.value()))
          .transform(ar -> {
            if (ar.succeeded()) {
              try {
                return Future.succeededFuture(PeerInfo.fromJson(ar.result().body()));
              } catch (RuntimeException e) {
                return Future.succeededFuture(PeerInfo.offline(p));
              }
            }
            Throwable t = ar.cause();
            if (t instanceof ReplyException && (((ReplyException) t).failureType() == ReplyFailure.NO_HANDLERS
                || ((ReplyException) t).failureType() == ReplyFailure.RECIPIENT_FAILURE)) {
              removeStale(p, entry, "no node answers for it (node " + entry.getString("node") + " gone?)");
            }
            return Future.succeededFuture(PeerInfo.offline(p));
          });
    }).onSuccess(info -> metrics.lookup(info.online()));
  }

  private void removeStale(PeerId p, JsonObject entry, String why) {
    registry.removeIfPresent(p.value(), entry).onSuccess(removed -> {
      if (Boolean.TRUE.equals(removed)) {
        metrics.staleRemoved();
        LOG.info("signalling: removed stale registry entry of {} ({})", p, why);
      }
    });
  }

  // ---- event-bus API ----------------------------------------------------------------------------------

  private void onLookupRequest(Message<JsonObject> msg) {
    Object body = msg.body();
    PeerId p = body instanceof JsonObject ? peerIdOrNull(((JsonObject) body).getValue("peerId")) : null;
    if (p == null) {
      busError(msg, ErrorCode.MALFORMED);
      return;
    }
    onContext(() -> lookup(p).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result().toJson());
      } else {
        busError(msg, ErrorCode.INTERNAL);
      }
    }));
  }

  private void onRelayRequest(Message<JsonObject> msg) {
    Object raw = msg.body();
    if (!(raw instanceof JsonObject)) {
      busError(msg, ErrorCode.MALFORMED);
      return;
    }
    JsonObject req = (JsonObject) raw;
    Object type = req.getValue("type");
    PeerId to = peerIdOrNull(req.getValue("to"));
    Object from = req.getValue("from");
    Object body = req.getValue("body");
    if (!(type instanceof String) || to == null || !(from instanceof String)
        || !SERVICE_NAME.matcher((String) from).matches() || (body != null && !(body instanceof JsonObject))) {
      busError(msg, ErrorCode.MALFORMED);
      return;
    }
    if (!SignallingProtocol.RELAY_TYPES.contains(type)) {
      busError(msg, ErrorCode.UNKNOWN_TYPE);
      return;
    }
    JsonObject frame = new JsonObject()
        .put("type", type)
        .put("from", SignallingProtocol.SERVICE_FROM_PREFIX + from)
        .put("origin", SignallingProtocol.ORIGIN_SERVICE)
        .put("body", body == null ? new JsonObject() : body);
    if (frame.encode().getBytes(StandardCharsets.UTF_8).length > config.maxMessageBytes()) {
      busError(msg, ErrorCode.TOO_LARGE);
      return;
    }
    onContext(() -> deliver(to, frame).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject().put("type", SignallingProtocol.ACK));
      } else {
        SignallingException se = toSignallingException(ar.cause());
        if (ar.cause() instanceof SignallingException) {
          se = (SignallingException) ar.cause();
        }
        busError(msg, se.errorCode().orElse(ErrorCode.INTERNAL));
      }
    }));
  }

  private void busError(Message<?> msg, ErrorCode code) {
    metrics.error(code.wire());
    msg.fail(code.status(), code.wire());
  }

  private static PeerId peerIdOrNull(Object v) {
    if (!(v instanceof String)) {
      return null;
    }
    try {
      return PeerId.parse((String) v);
    } catch (InvalidPeerIdException e) {
      return null;
    }
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0L : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0L;
    }
  }
}
