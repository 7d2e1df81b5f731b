package io.p2pquic.rendezvous.signalling;

import static io.p2pquic.api.signalling.SignallingProtocol.F_BODY;
import static io.p2pquic.api.signalling.SignallingProtocol.F_CODE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_FROM;
import static io.p2pquic.api.signalling.SignallingProtocol.F_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_MESSAGE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_NONCE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_PEER_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_PUBLIC_KEY;
import static io.p2pquic.api.signalling.SignallingProtocol.F_SIGNATURE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_TO;
import static io.p2pquic.api.signalling.SignallingProtocol.F_TYPE;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.InvalidPeerIdException;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.TokenBucket;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One signalling connection (WebSocket or QUIC stream, {@link SignallingConnection}). All methods run on the service's context (the service hops there from
 * the connection's handlers), so the state needs no locking.
 */
final class Session {

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  /** Types only the server sends: a client sending them gets unknown-type. */
  private static final Set<String> SERVER_TYPES = Set.of(
      SignallingProtocol.CHALLENGE, SignallingProtocol.REGISTERED, SignallingProtocol.REPLACED,
      SignallingProtocol.PEER, SignallingProtocol.ACK, SignallingProtocol.ERROR, SignallingProtocol.PONG);

  enum State { CHALLENGED, REGISTERING, REGISTERED, CLOSED }

  private final SignallingService service;
  private final SignallingConnection ws;
  private final TokenBucket bucket;
  private String grantToken;
  final String id = UUID.randomUUID().toString();
  final byte[] nonce;
  final String observedAddress;

  State state = State.CHALLENGED;
  PeerId peerId;
  String publicKey;
  long registeredAt;
  /** The exact registry value this session wrote (removeIfPresent compares values). */
  JsonObject entry;
  /** Set when a newer registration of the same peer took over: close must not clean up the peer. */
  boolean replaced;
  /** Registered with {@code "attach": true}: may send as its peer, never holds the peer's registration. */
  boolean attached;
  private long timeoutTimer = -1;

  Session(SignallingService service, SignallingConnection ws, byte[] nonce) {
    this.service = service;
    this.ws = ws;
    this.nonce = nonce;
    SignallingConfig cfg = service.config();
    this.bucket = new TokenBucket(cfg.ratePerSecond(), cfg.rateBurst());
    this.observedAddress = format(ws.remoteAddress());
  }

  static String format(java.net.InetSocketAddress a) {
    return a == null ? null : io.p2pquic.api.net.SocketAddresses.format(a);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  void open() {
    if (ws.isClosed()) {
      state = State.CLOSED;
      return;
    }
    timeoutTimer = service.vertx().setTimer(service.config().registrationTimeoutMs(), t -> {
      timeoutTimer = -1;
      if (state == State.CHALLENGED || state == State.REGISTERING) {
        sendError(null, ErrorCode.REGISTRATION_TIMEOUT, "no valid register message within "
            + service.config().registrationTimeoutMs() + " ms of the challenge; reconnect and register promptly");
        ws.close(SignallingProtocol.CLOSE_REGISTRATION_TIMEOUT, "registration timeout");
      }
    });
    send(new JsonObject()
        .put(F_TYPE, SignallingProtocol.CHALLENGE)
        .put(F_NONCE, Base64.getEncoder().encodeToString(nonce))
        .put("version", SignallingProtocol.VERSION));
  }

  void onClosed() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    cancelTimeout();
    service.sessionClosed(this);
  }

  /** A newer registration of the same peer id took over this connection's peer. */
  void replacedBy(String newSessionId, String newNode) {
    if (state == State.CLOSED) {
      return;
    }
    replaced = true;
    send(new JsonObject().put(F_TYPE, SignallingProtocol.REPLACED)
        .put(F_PEER_ID, peerId.value())
        .put(F_MESSAGE, "peer id " + peerId + " registered again on another connection (node " + newNode
            + "); this connection is closed. Do not reconnect automatically if the other connection is yours."));
    ws.close(SignallingProtocol.CLOSE_REPLACED, "replaced");
  }

  void shutdown() {
    if (!ws.isClosed()) {
      ws.close(SignallingProtocol.CLOSE_GOING_AWAY, "rendezvous shutting down");
    }
  }

  private void cancelTimeout() {
    if (timeoutTimer >= 0) {
      service.vertx().cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
  }

  PeerInfo info() {
    return new PeerInfo(peerId, true, publicKey, observedAddress, registeredAt, service.nodeId());
  }

  // ---- inbound ------------------------------------------------------------------------------------

  void onBinary(int length) {
    if (state == State.CLOSED) {
      return;
    }
    if (!bucket.tryTake()) {
      rateLimited(null);
      return;
    }
    sendError(null, ErrorCode.MALFORMED, "binary frame of " + length
        + " bytes ignored: send JSON objects as WebSocket text frames");
  }

  void onText(String text) {
    if (state == State.CLOSED) {
      return;
    }
    int max = service.config().maxMessageBytes();
    if (!bucket.tryTake()) {
      rateLimited(text.length() <= max ? requestIdOf(text) : null);
      return;
    }
    if (text.length() > max || (text.length() * 3L > max && utf8Length(text) > max)) {
      sendError(null, ErrorCode.TOO_LARGE, "message of " + utf8Length(text) + " bytes exceeds the limit of "
          + max + " bytes; shorten it (e.g. trickle candidates one per message)");
      return;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (RuntimeException e) {
      sendError(null, ErrorCode.MALFORMED, "not a JSON object: send one JSON object per text frame, e.g. "
          + "{\"type\":\"lookup\",\"id\":\"1\",\"peerId\":\"pq1...\"}");
      return;
    }
    Object id = msg.getValue(F_ID);
    if (id != null && !(id instanceof String && ((String) id).length() <= SignallingProtocol.MAX_REQUEST_ID_LENGTH)
        && !(id instanceof Integer || id instanceof Long)) {
      sendError(null, ErrorCode.MALFORMED, "\"id\" must be a string of at most "
          + SignallingProtocol.MAX_REQUEST_ID_LENGTH + " characters or an integer");
      return;
    }
    Object typeValue = msg.getValue(F_TYPE);
    if (!(typeValue instanceof String)) {
      sendError(id, ErrorCode.MALFORMED, "missing string field \"type\"");
      return;
    }
    String type = (String) typeValue;
    try {
      dispatch(type, id, msg);
    } catch (RuntimeException e) {
      LOG.warn("signalling: unexpected failure handling {} from {}", type, describe(), e);
      sendError(id, ErrorCode.INTERNAL, "the server failed to handle this message; it was logged");
    }
  }

  private void dispatch(String type, Object id, JsonObject msg) {
    if (SignallingProtocol.PING.equals(type)) {
      send(new JsonObject().put(F_TYPE, SignallingProtocol.PONG).put(F_ID, id));
      return;
    }
    if (SignallingProtocol.REGISTER.equals(type)) {
      onRegister(id, msg);
      return;
    }
    boolean known = SignallingProtocol.LOOKUP.equals(type) || SignallingProtocol.TURN_CREDENTIALS.equals(type)
        || SignallingProtocol.RELAY_TYPES.contains(type);
    if (!known) {
      if (SERVER_TYPES.contains(type)) {
        sendError(id, ErrorCode.UNKNOWN_TYPE, "\"" + type + "\" is sent by the server, not accepted from clients");
      } else {
        sendError(id, ErrorCode.UNKNOWN_TYPE, "unknown type \"" + truncate(type) + "\"; known: register, lookup, ping, turn-credentials, "
            + String.join(", ", SignallingProtocol.RELAY_TYPES));
      }
      return;
    }
    if (state != State.REGISTERED) {
      sendError(id, ErrorCode.UNAUTHENTICATED, state == State.REGISTERING
          ? "registration in progress: wait for \"registered\" before sending \"" + type + "\""
          : "register first: answer the challenge with {\"type\":\"register\",...} before sending \"" + type + "\"");
      return;
    }
    if (SignallingProtocol.LOOKUP.equals(type)) {
      onLookup(id, msg);
    } else if (SignallingProtocol.TURN_CREDENTIALS.equals(type)) {
      JsonObject turn = service.relayCredentialsFor(peerId, grantToken);
      if (turn == null) {
        sendError(id, ErrorCode.UNKNOWN_TARGET, "this rendezvous hands out no relay credentials (no TURN relay"
            + " and no turn.authSecret configured)");
      } else {
        send(new JsonObject().put(F_TYPE, SignallingProtocol.TURN_CREDENTIALS).put(F_ID, id).put("turn", turn));
      }
    } else {
      onRelay(type, id, msg);
    }
  }

  private void onRegister(Object id, JsonObject msg) {
    if (state == State.REGISTERED || state == State.REGISTERING) {
      sendError(id, ErrorCode.ALREADY_REGISTERED, "this connection is already registered as " + peerId
          + "; open a new connection to register another id");
      return;
    }
    Object token = msg.getValue("grantToken");
    // Optional relay grant token (RelayGrantToken), checked by whoever issues relay credentials.
    grantToken = token instanceof String t && t.length() <= io.p2pquic.api.signalling.RelayGrantToken.MAX_LENGTH ? t : null;
    String idText = stringField(msg, F_PEER_ID);
    String keyText = stringField(msg, F_PUBLIC_KEY);
    String sigText = stringField(msg, F_SIGNATURE);
    if (idText == null || keyText == null || sigText == null) {
      sendError(id, ErrorCode.MALFORMED, "register needs string fields \"peerId\", \"publicKey\" "
          + "(base64 X.509 SubjectPublicKeyInfo) and \"signature\" (base64 Ed25519 signature of "
          + "\"" + SignallingProtocol.REGISTER_DOMAIN_TEXT + "\" || 0x00 || nonce)");
      return;
    }
    PeerId claimed;
    try {
      claimed = PeerId.parse(idText);
    } catch (InvalidPeerIdException e) {
      sendError(id, ErrorCode.MALFORMED, "\"peerId\": " + e.getMessage());
      return;
    }
    PublicKey key;
    try {
      key = PeerIdentity.decodePublicKey(keyText);
    } catch (IllegalArgumentException e) {
      sendError(id, ErrorCode.MALFORMED, "\"publicKey\": " + e.getMessage());
      return;
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(sigText);
    } catch (IllegalArgumentException e) {
      sendError(id, ErrorCode.MALFORMED, "\"signature\" is not valid base64");
      return;
    }
    if (!claimed.matches(key)) {
      sendError(id, ErrorCode.ID_MISMATCH, "\"peerId\" " + claimed + " is not derived from \"publicKey\" (which gives "
          + PeerId.of(key) + "); a peer can only register the id of its own key");
      return;
    }
    if (!PeerIdentity.verify(key, SignallingProtocol.registrationPayload(nonce), sig)) {
      sendError(id, ErrorCode.BAD_SIGNATURE, "signature does not verify: sign the bytes of \""
          + SignallingProtocol.REGISTER_DOMAIN_TEXT + "\", one zero byte, then the decoded challenge nonce, "
          + "with the private key of \"publicKey\"");
      return;
    }
    peerId = claimed;
    publicKey = PeerIdentity.encodePublicKey(key);
    registeredAt = System.currentTimeMillis();
    if (Boolean.TRUE.equals(msg.getValue(SignallingProtocol.F_ATTACH))) {
      attachAs(id);
      return;
    }
    state = State.REGISTERING;
    service.register(this).onComplete(ar -> {
      if (state != State.REGISTERING || replaced) {
        return; // closed or replaced meanwhile
      }
      if (ar.failed()) {
        LOG.warn("signalling: registering {} failed", peerId, ar.cause());
        service.unregisterPeer(this);
        state = State.CHALLENGED;
        peerId = null;
        publicKey = null;
        sendError(id, ErrorCode.INTERNAL, "the registry is not available right now; retry in a few seconds");
        return;
      }
      state = State.REGISTERED;
      cancelTimeout();
      SignallingConfig cfg = service.config();
      JsonObject registered = new JsonObject()
          .put(F_TYPE, SignallingProtocol.REGISTERED)
          .put(F_ID, id)
          .put(F_PEER_ID, peerId.value())
          .put("observedAddress", observedAddress)
          .put("sessionId", this.id)
          .put("node", service.nodeId())
          .put("limits", new JsonObject()
              .put("maxMessageBytes", cfg.maxMessageBytes())
              .put("ratePerSecond", cfg.ratePerSecond())
              .put("rateBurst", cfg.rateBurst()));
      JsonObject turn = service.relayCredentialsFor(peerId, grantToken);
      if (turn != null) {
        registered.put("turn", turn);
      }
      JsonObject quic = service.quicSignalling();
      if (quic != null) {
        registered.put(SignallingProtocol.F_QUIC_SIGNALLING, quic);
      }
      send(registered);
    });
  }

  /**
   * A per-session attachment (method quic-native): the peer proved its key, but this connection does
   * not take over its registration (the peer's main connection keeps receiving). It may send session
   * messages as that peer; the reply tells it the address this connection came from, its
   * server-reflexive address on the socket it will punch from.
   */
  private void attachAs(Object id) {
    attached = true;
    state = State.REGISTERED;
    cancelTimeout();
    service.metrics().attached(ws.transport());
    send(new JsonObject()
        .put(F_TYPE, SignallingProtocol.REGISTERED)
        .put(F_ID, id)
        .put(F_PEER_ID, peerId.value())
        .put(SignallingProtocol.F_ATTACH, true)
        .put("observedAddress", observedAddress)
        .put("sessionId", this.id)
        .put("node", service.nodeId()));
  }

  private void onLookup(Object id, JsonObject msg) {
    String target = stringField(msg, F_PEER_ID);
    if (target == null) {
      sendError(id, ErrorCode.MALFORMED, "lookup needs string field \"peerId\"");
      return;
    }
    PeerId p;
    try {
      p = PeerId.parse(target);
    } catch (InvalidPeerIdException e) {
      sendError(id, ErrorCode.MALFORMED, "\"peerId\": " + e.getMessage());
      return;
    }
    service.lookup(p).onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("signalling: lookup of {} failed", p, ar.cause());
        sendError(id, ErrorCode.INTERNAL, "lookup failed inside the rendezvous; retry later");
        return;
      }
      JsonObject reply = ar.result().toJson();
      JsonObject out = new JsonObject().put(F_TYPE, SignallingProtocol.PEER).put(F_ID, id);
      reply.forEach(e -> out.put(e.getKey(), e.getValue()));
      send(out);
    });
  }

  private void onRelay(String type, Object id, JsonObject msg) {
    String to = stringField(msg, F_TO);
    if (to == null) {
      sendError(id, ErrorCode.MALFORMED, "\"" + type + "\" needs string field \"to\" (the target peer id)");
      return;
    }
    PeerId target;
    try {
      target = PeerId.parse(to);
    } catch (InvalidPeerIdException e) {
      sendError(id, ErrorCode.MALFORMED, "\"to\": " + e.getMessage());
      return;
    }
    Object body = msg.getValue(F_BODY);
    if (body != null && !(body instanceof JsonObject)) {
      sendError(id, ErrorCode.MALFORMED, "\"body\" must be a JSON object");
      return;
    }
    // "from" is always the authenticated peer id of this connection; a client-supplied "from" is ignored.
    JsonObject out = new JsonObject()
        .put(F_TYPE, type)
        .put(F_FROM, peerId.value())
        .put(F_BODY, body == null ? new JsonObject() : body);
    service.deliver(target, out).onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.succeeded()) {
        send(new JsonObject().put(F_TYPE, SignallingProtocol.ACK).put(F_ID, id));
      } else {
        SignallingException se = SignallingException.fromEventBus(ar.cause());
        ErrorCode code = se.errorCode().orElse(ErrorCode.INTERNAL);
        sendError(id, code, relayErrorText(code, target));
      }
    });
  }

  static String relayErrorText(ErrorCode code, PeerId target) {
    switch (code) {
      case UNKNOWN_TARGET:
        return "peer " + target + " is not registered with this rendezvous cluster; look it up and retry when online";
      case TARGET_BUSY:
        return "peer " + target + " is not reading its messages fast enough; retry shortly";
      case DELIVERY_FAILED:
      case TIMEOUT:
        return "the rendezvous node holding peer " + target + " did not confirm delivery in time; retry";
      default:
        return "delivery to " + target + " failed (" + code.wire() + ")";
    }
  }

  // ---- outbound -----------------------------------------------------------------------------------

  boolean writable() {
    return state != State.CLOSED && !ws.isClosed() && !ws.writeQueueFull();
  }

  /** Writes one frame; pauses reading from this connection while its write queue is full. */
  void send(JsonObject frame) {
    if (ws.isClosed()) {
      return;
    }
    ws.writeText(frame.encode());
    if (ws.writeQueueFull()) {
      ws.pauseUntilDrained();
    }
  }

  void sendError(Object id, ErrorCode code, String message) {
    service.metrics().error(code.wire());
    JsonObject err = new JsonObject().put(F_TYPE, SignallingProtocol.ERROR);
    if (id == null) {
      err.putNull(F_ID);
    } else {
      err.put(F_ID, id);
    }
    send(err.put(F_CODE, code.wire()).put(F_MESSAGE, message));
  }

  /** The request id of a small message, so a rate-limited client can tell which request was dropped. */
  private static Object requestIdOf(String text) {
    try {
      Object id = new JsonObject(text).getValue(F_ID);
      if (id instanceof String && ((String) id).length() <= SignallingProtocol.MAX_REQUEST_ID_LENGTH
          || id instanceof Integer || id instanceof Long) {
        return id;
      }
    } catch (RuntimeException e) {
      // not JSON: no id
    }
    return null;
  }

  private void rateLimited(Object id) {
    SignallingConfig cfg = service.config();
    sendError(id, ErrorCode.RATE_LIMITED, "more than " + cfg.rateBurst() + " messages in a burst or "
        + cfg.ratePerSecond() + " per second; this message was dropped, slow down and resend it");
  }

  String describe() {
    return (peerId != null ? peerId.toString() : "unregistered") + "@" + observedAddress;
  }

  private static String stringField(JsonObject msg, String key) {
    Object v = msg.getValue(key);
    return v instanceof String ? (String) v : null;
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
