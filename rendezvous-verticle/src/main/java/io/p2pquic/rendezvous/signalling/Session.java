package io.p2pquic.rendezvous.signalling;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.AckReply;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ClientFrame;
import io.p2pquic.api.signalling.frame.ClientFrameDecoder;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.LookupRequest;
import io.p2pquic.api.signalling.frame.PeerReply;
import io.p2pquic.api.signalling.frame.PingRequest;
import io.p2pquic.api.signalling.frame.PongReply;
import io.p2pquic.api.signalling.frame.RegisterRequest;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.api.signalling.frame.RelayRequest;
import io.p2pquic.api.signalling.frame.ReplacedNotice;
import io.p2pquic.api.signalling.frame.SessionReport;
import io.p2pquic.api.signalling.frame.SignallingFrameException;
import io.p2pquic.api.signalling.frame.TurnCredentialsRequest;
import io.p2pquic.api.signalling.frame.TurnCredentialsReply;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.api.net.TokenBucket;
import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One signalling connection (WebSocket or QUIC stream, {@link SignallingConnection}). All methods run on the
 * service's context (the service hops there from the connection's handlers), so the state needs no locking,
 * except {@link #readText} and {@link #readBinary}: they run on the connection's own thread, before the hop,
 * and touch only what that thread alone uses (the rate bucket, the decoder, the final nonce). The costly pure
 * work of a frame (JSON parsing, the Ed25519 check of a {@code register}) so runs on every event loop that
 * serves connections instead of on the one service context.
 */
final class Session {

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  enum State { CHALLENGED, REGISTERING, REGISTERED, CLOSED }

  private final SignallingService service;
  private final SignallingConnection ws;
  /** Used by the connection's thread only ({@link #readText}, {@link #readBinary}). */
  private final TokenBucket bucket;
  private final ClientFrameDecoder decoder;
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
    this.decoder = new ClientFrameDecoder(cfg.maxMessageBytes());
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
  }

  /**
   * On the connection's thread, before anything else is written: the challenge. Written from another thread
   * right after a WebSocket upgrade, a frame could reach the channel before its WebSocket encoder and be lost.
   */
  void sendChallenge() {
    send(new Challenge(nonce, SignallingProtocol.VERSION).toJson());
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
    send(new ReplacedNotice(peerId.value(), "peer id " + peerId + " registered again on another connection (node "
        + newNode + "); this connection is closed. Do not reconnect automatically if the other connection is yours.")
        .toJson());
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

  /**
   * What the connection's thread made of one inbound frame: a decoded frame (for a {@code register}, with
   * whether its signature verifies over this connection's nonce), a refusal, or a drop for the rate limit
   * ({@code rateLimited}, with the request id when one could be read).
   */
  record Inbound(ClientFrame frame, boolean signatureValid, SignallingFrameException refused, boolean rateLimited,
      Object rateLimitedId, int binaryLength) {

    static Inbound decoded(ClientFrame frame, boolean signatureValid) {
      return new Inbound(frame, signatureValid, null, false, null, -1);
    }

    static Inbound refused(SignallingFrameException e) {
      return new Inbound(null, false, e, false, null, -1);
    }

    static Inbound limited(Object id) {
      return new Inbound(null, false, null, true, id, -1);
    }

    static Inbound binary(int length) {
      return new Inbound(null, false, null, false, null, length);
    }
  }

  /** On the connection's thread: rate limit, decode and (for a register) verify one text frame. */
  Inbound readText(String text) {
    if (!bucket.tryTake()) {
      return Inbound.limited(text.length() <= service.config().maxMessageBytes() ? ClientFrameDecoder.requestIdOf(text) : null);
    }
    ClientFrame frame;
    try {
      frame = decoder.decode(text);
    } catch (SignallingFrameException refused) {
      return Inbound.refused(refused);
    }
    boolean valid = frame instanceof RegisterRequest r
        && PeerIdentity.verify(r.publicKey(), SignallingProtocol.registrationPayload(nonce), r.signature());
    return Inbound.decoded(frame, valid);
  }

  /** On the connection's thread: a binary frame of {@code length} bytes (refused, after the rate limit). */
  Inbound readBinary(int length) {
    return bucket.tryTake() ? Inbound.binary(length) : Inbound.limited(null);
  }

  /** On the service context: acts on what {@link #readText} or {@link #readBinary} made of a frame. */
  void onInbound(Inbound in) {
    if (state == State.CLOSED) {
      return;
    }
    if (in.rateLimited()) {
      rateLimited(in.rateLimitedId());
      return;
    }
    if (in.binaryLength() >= 0) {
      sendError(null, ErrorCode.MALFORMED, "binary frame of " + in.binaryLength()
          + " bytes ignored: send JSON objects as WebSocket text frames");
      return;
    }
    if (in.refused() != null) {
      SignallingFrameException refused = in.refused();
      // The registration state is checked before a type's own fields: an unregistered lookup without a
      // peer id is told to register first, a second register is already-registered whatever it holds.
      if (refused.frameType() == null || !refusedByState(refused.frameType(), refused.requestId())) {
        sendError(refused.requestId(), refused.code(), refused.getMessage());
      }
      return;
    }
    ClientFrame frame = in.frame();
    try {
      dispatch(frame, in.signatureValid());
    } catch (RuntimeException e) {
      LOG.warn("signalling: unexpected failure handling {} from {}", frame.type(), describe(), e);
      sendError(frame.id(), ErrorCode.INTERNAL, "the server failed to handle this message; it was logged");
    }
  }

  private void dispatch(ClientFrame frame, boolean signatureValid) {
    Object id = frame.id();
    if (frame instanceof PingRequest) {
      send(new PongReply(id).toJson());
      return;
    }
    if (refusedByState(frame.type(), id)) {
      return;
    }
    if (frame instanceof RegisterRequest register) {
      onRegister(register, signatureValid);
    } else if (frame instanceof LookupRequest lookup) {
      onLookup(id, lookup.peerId());
    } else if (frame instanceof TurnCredentialsRequest) {
      JsonObject turn = service.relayCredentialsFor(peerId, grantToken);
      if (turn == null) {
        sendError(id, ErrorCode.UNKNOWN_TARGET, "this rendezvous hands out no relay credentials (no TURN relay"
            + " and no turn.authSecret configured)");
      } else {
        send(new TurnCredentialsReply(id, turn).toJson());
      }
    } else if (frame instanceof RelayRequest relay) {
      onRelay(relay);
    } else if (frame instanceof SessionReport report) {
      onSessionReport(report);
    }
  }

  /**
   * Whether the connection's state refuses a frame of {@code type} (and the refusal was sent): register
   * only once, everything but ping and register only once registered.
   */
  private boolean refusedByState(String type, Object id) {
    if (SignallingProtocol.PING.equals(type)) {
      return false;
    }
    if (SignallingProtocol.REGISTER.equals(type)) {
      if (state == State.REGISTERED || state == State.REGISTERING) {
        sendError(id, ErrorCode.ALREADY_REGISTERED, "this connection is already registered as " + peerId
            + "; open a new connection to register another id");
        return true;
      }
      return false;
    }
    if (state != State.REGISTERED) {
      sendError(id, ErrorCode.UNAUTHENTICATED, state == State.REGISTERING
          ? "registration in progress: wait for \"registered\" before sending \"" + type + "\""
          : "register first: answer the challenge with {\"type\":\"register\",...} before sending \"" + type + "\"");
      return true;
    }
    return false;
  }

  private void onRegister(RegisterRequest register, boolean signatureValid) {
    Object id = register.id();
    // Optional relay grant token (RelayGrantToken), checked by whoever issues relay credentials.
    grantToken = register.grantToken();
    PeerId claimed = register.peerId();
    PublicKey key = register.publicKey();
    if (!signatureValid) {
      sendError(id, ErrorCode.BAD_SIGNATURE, "signature does not verify: sign the bytes of \""
          + SignallingProtocol.REGISTER_DOMAIN_TEXT + "\", one zero byte, then the decoded challenge nonce, "
          + "with the private key of \"publicKey\"");
      return;
    }
    peerId = claimed;
    publicKey = PeerIdentity.encodePublicKey(key);
    registeredAt = System.currentTimeMillis();
    if (register.attach()) {
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
      JsonObject limits = new JsonObject()
          .put("maxMessageBytes", cfg.maxMessageBytes())
          .put("ratePerSecond", cfg.ratePerSecond())
          .put("rateBurst", cfg.rateBurst());
      send(new RegisteredReply(id, peerId, false, observedAddress, this.id, service.nodeId(), limits,
          service.relayCredentialsFor(peerId, grantToken), service.quicSignalling()).toJson());
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
    send(new RegisteredReply(id, peerId, true, observedAddress, this.id, service.nodeId(), null, null, null).toJson());
  }

  private void onLookup(Object id, PeerId p) {
    service.lookup(p).onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("signalling: lookup of {} failed", p, ar.cause());
        sendError(id, ErrorCode.INTERNAL, "lookup failed inside the rendezvous; retry later");
        return;
      }
      send(new PeerReply(id, ar.result()).toJson());
    });
  }

  private void onRelay(RelayRequest relay) {
    Object id = relay.id();
    PeerId target = relay.to();
    // "from" is always the authenticated peer id of this connection; a client-supplied "from" is ignored.
    JsonObject out = new SignallingMessage(relay.type(), peerId.value(), false, relay.body()).toJson();
    PeerId from = peerId;
    service.deliver(target, out).onComplete(ar -> {
      if (ar.succeeded()) {
        // Recorded even if this connection closed meanwhile: a bye sent on the way out still closes it.
        service.sessionTable().delivered(relay.type(), from, target, relay.body());
      }
      if (state == State.CLOSED) {
        return;
      }
      if (ar.succeeded()) {
        send(new AckReply(id).toJson());
      } else {
        SignallingException se = SignallingException.fromEventBus(ar.cause());
        ErrorCode code = se.errorCode().orElse(ErrorCode.INTERNAL);
        sendError(id, code, relayErrorText(code, target));
      }
    });
  }

  /** A peer's own view of a session this node relayed (operator API); never forwarded. */
  private void onSessionReport(SessionReport report) {
    if (service.sessionTable().report(peerId, report)) {
      send(new AckReply(report.id()).toJson());
    } else {
      sendError(report.id(), ErrorCode.UNKNOWN_TARGET, "no session " + report.sessionId() + " between " + peerId
          + " and another peer was signalled through this rendezvous node; report only your own sessions, to the"
          + " node that relayed their offer");
    }
  }

  String transport() {
    return ws.transport();
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
    send(new ErrorReply(id, code, message).toJson());
  }

  private void rateLimited(Object id) {
    SignallingConfig cfg = service.config();
    sendError(id, ErrorCode.RATE_LIMITED, "more than " + cfg.rateBurst() + " messages in a burst or "
        + cfg.ratePerSecond() + " per second; this message was dropped, slow down and resend it");
  }

  String describe() {
    return (peerId != null ? peerId.toString() : "unregistered") + "@" + observedAddress;
  }

}
