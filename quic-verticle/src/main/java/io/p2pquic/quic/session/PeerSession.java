package io.p2pquic.quic.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.quic.QuicPeerConnection;
import io.p2pquic.quic.QuicPeerStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer session on top of a QUIC connection: a default bidirectional stream (opened by the dialing
 * side right after the handshake: the client's first stream, id 0), the event-bus addresses of
 * docs/api.md, and, in echo mode, every byte received on it sent back. Every other stream starts with a
 * {@link StreamPreamble} and goes to the {@link StreamService} registered for its kind; a stream with no
 * preamble, an unknown kind or no service is reset, logged and counted, and nothing else is disturbed.
 */
public final class PeerSession implements LiveSession {
  private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);
  /** Application error code of a stream reset because no service takes its kind. */
  public static final int STREAM_REFUSED = 0x10;
  /** Application error code of a stream reset because its first bytes were no preamble. */
  public static final int STREAM_MALFORMED = 0x11;
  /** How long an incoming stream may take to send its preamble. */
  static final long PREAMBLE_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final PeerId local;
  private final String sessionId;
  private final QuicPeerConnection connection;
  private final boolean echo;
  private final Promise<QuicPeerStream> defaultStream = Promise.promise();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final java.util.function.Function<StreamKind, StreamService> services;
  private final Runnable onRefused;
  private final long startedAtMillis = System.currentTimeMillis();
  private final String method;
  private final long keepAliveMs;

  PeerSession(Vertx vertx, PeerId local, String sessionId, QuicPeerConnection connection, boolean echo,
      java.util.function.Function<StreamKind, StreamService> services, Runnable onRefused, String method,
      long keepAliveMs) {
    this.vertx = vertx;
    this.local = local;
    this.sessionId = sessionId;
    this.connection = connection;
    this.echo = echo;
    this.services = services;
    this.onRefused = onRefused;
    this.method = method;
    this.keepAliveMs = keepAliveMs;
  }

  /**
   * Opens or awaits the default stream and registers the session's addresses; completes once they
   * are registered, which on a clustered Vert.x means listed in the cluster's subscription registry,
   * so a service on another node that learns the session id can use them at once.
   */
  Future<Void> start() {
    connection.streamHandler(stream -> {
      if (stream.id() == 0) { // the client's first bidirectional stream: the default one
        attach(stream);
        defaultStream.tryComplete(stream);
      } else {
        route(stream);
      }
    });
    if (connection.isClient()) {
      connection.openBidiStream().onSuccess(s -> {
        attach(s);
        defaultStream.tryComplete(s);
      }).onFailure(defaultStream::tryFail);
    }
    // consumer(), not localConsumer(): the addresses name this peer and session, so they are
    // cluster-wide when Vert.x is clustered (Buffer and JsonObject bodies cross the cluster).
    consumers.add(vertx.eventBus().<Buffer>consumer(Addresses.sessionSend(local, sessionId), msg ->
        defaultStream.future().compose(s -> s.write(msg.body()))
            .onSuccess(v -> msg.reply(new JsonObject()))
            .onFailure(err -> msg.fail(500, "send on session " + sessionId + " failed: " + err.getMessage()))));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.sessionClose(local, sessionId), msg ->
        close(msg.body() == null ? "closed by a local service" : msg.body().getString("reason", "closed"))
            .onComplete(ar -> msg.reply(new JsonObject()))));
    // Control datagrams of the session's method (DCUtR): node-local both ways, never the user's streams.
    DeliveryOptions localOnly = new DeliveryOptions().setLocalOnly(true);
    connection.datagramHandler(data -> {
      if (onPingDatagram(data)) {
        return;
      }
      vertx.eventBus().publish(Addresses.sessionControlIn(local, sessionId), data, localOnly);
    });
    consumers.add(vertx.eventBus().<Buffer>localConsumer(Addresses.sessionControl(local, sessionId), msg ->
        connection.sendDatagram(msg.body().copy())
            .onSuccess(v -> msg.reply(new JsonObject()))
            .onFailure(err -> msg.fail(500, "control datagram on session " + sessionId + " not sent: " + err.getMessage()))));
    // QUIC's idle timer only counts QUIC packets (not ICE consent): a session that received nothing for
    // a whole interval keeps itself alive with a ping the peer answers (token 0: nobody waits for its
    // pong). Only when quiet: DATAGRAMs sent while streams end were seen to keep quiche from ever
    // sending a stream's zero-length FIN (8 parallel forwards, about one run in four).
    // Checked every half interval, so the longest quiet gap is one interval: with a whole-interval check,
    // two sides whose checks fell within one round trip both pinged, both then saw traffic at the next
    // check and skipped, and the path stayed quiet for two intervals (20 s), longer than a 15 s NAT UDP
    // timeout (NatRebindingLabTest's idle test failed so, once in CI).
    long[] lastRecv = {-1};
    long keepAlive = keepAliveMs <= 0 ? -1 : vertx.setPeriodic(Math.max(1, keepAliveMs / 2), t -> connection.stats().onSuccess(st -> {
      if (st.recvPackets() == lastRecv[0]) {
        connection.sendDatagram(Buffer.buffer(12).appendBuffer(PING_MAGIC).appendLong(0L));
      }
      lastRecv[0] = st.recvPackets();
    }));
    connection.closeHandler(reason -> {
      vertx.cancelTimer(keepAlive);
      consumers.forEach(MessageConsumer::unregister);
      vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject()
          .put("type", "closed").put("sessionId", sessionId).put("localPeer", local.value())
          .put("peer", remotePeer().value())
          .put("reason", String.valueOf(reason)));
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void attach(QuicPeerStream stream) {
    DeliveryOptions headers = new DeliveryOptions().addHeader("stream", Long.toString(stream.id()));
    stream.handler(data -> {
      vertx.eventBus().publish(Addresses.sessionData(local, sessionId), data, headers);
      if (echo && stream.isWritable()) {
        stream.write(data);
      }
    });
    stream.endHandler(v -> {
      if (echo && stream.isWritable()) {
        stream.end();
      }
    });
  }

  /** Reads the preamble of an incoming stream (bounded in bytes and time) and hands it to its service. */
  private void route(QuicPeerStream stream) {
    Buffer first = Buffer.buffer();
    boolean[] done = {false};
    long timer = vertx.setTimer(PREAMBLE_TIMEOUT_MS, t -> {
      if (!done[0]) {
        done[0] = true;
        refuse(stream, STREAM_MALFORMED, "no preamble within " + PREAMBLE_TIMEOUT_MS + " ms");
      }
    });
    stream.handler(data -> {
      if (done[0]) {
        return;
      }
      first.appendBuffer(data);
      StreamPreamble.Decoded d;
      try {
        d = StreamPreamble.decode(first);
      } catch (StreamPreamble.MalformedPreambleException e) {
        done[0] = true;
        vertx.cancelTimer(timer);
        refuse(stream, STREAM_MALFORMED, e.getMessage());
        return;
      }
      if (d == null) {
        return; // a valid prefix: wait for the rest (MAX_LENGTH bounds it, the decoder refuses longer)
      }
      done[0] = true;
      vertx.cancelTimer(timer);
      stream.pause();
      StreamService service = services.apply(d.preamble().kind());
      if (service == null) {
        refuse(stream, STREAM_REFUSED, "no " + d.preamble().kind().name().toLowerCase() + " service on this peer");
        return;
      }
      try {
        service.serve(this, stream, d.preamble(), first.getBuffer(d.length(), first.length()));
      } catch (RuntimeException e) {
        refuse(stream, STREAM_REFUSED, "service failed: " + e);
      }
    });
  }

  private void refuse(QuicPeerStream stream, int code, String why) {
    LOG.warn("session {} with {}: stream {} refused: {}", sessionId, remotePeer().shortId(), stream.id(), why);
    onRefused.run();
    stream.reset(code);
  }

  // ---- ping: a 12-byte QUIC DATAGRAM each way on the session's control channel ------------------------

  /** "P2PI" + 8-byte token asks for a pong; "P2PO" + the same token answers. DCUtR never starts so. */
  static final Buffer PING_MAGIC = Buffer.buffer("P2PI");
  static final Buffer PONG_MAGIC = Buffer.buffer("P2PO");
  private final java.util.Map<Long, Promise<Double>> pings = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong pingTokens =
      new java.util.concurrent.atomic.AtomicLong(new java.security.SecureRandom().nextLong());

  /** "P2PD" + 8-byte stream id: the sender has read (and handed on) everything up to our FIN on that stream. */
  static final Buffer READ_ALL_MAGIC = Buffer.buffer("P2PD");
  private final java.util.Map<Long, Promise<Void>> peerReadAll = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Completes once the peer said it has read everything we sent on {@code streamId}, FIN included
   * ({@link #announceReadAll}). Closing the session before that loses what the peer's QUIC stack holds
   * but its application has not read yet (QUIC acknowledgements say "received", not "read").
   */
  public Future<Void> peerReadAll(long streamId) {
    return peerReadAll.computeIfAbsent(streamId, id -> Promise.promise()).future();
  }

  /**
   * Tells the peer we have read everything it sent on {@code streamId}: a small DATAGRAM, repeated every
   * 200 ms (datagrams may be lost) until the session closes, at most 50 times.
   */
  public void announceReadAll(long streamId) {
    Buffer msg = Buffer.buffer(12).appendBuffer(READ_ALL_MAGIC).appendLong(streamId);
    int[] left = {50};
    connection.sendDatagram(msg.copy());
    vertx.setPeriodic(200, t -> {
      if (--left[0] <= 0 || connection.closeReason() != null) {
        vertx.cancelTimer(t);
        return;
      }
      connection.sendDatagram(msg.copy());
    });
  }

  /** Answers a ping, completes a pong or a read-all; false for any other datagram. */
  private boolean onPingDatagram(Buffer data) {
    if (data.length() != 12) {
      return false;
    }
    Buffer magic = data.getBuffer(0, 4);
    if (magic.equals(READ_ALL_MAGIC)) {
      peerReadAll.computeIfAbsent(data.getLong(4), id -> Promise.promise()).tryComplete();
      return true;
    }
    if (magic.equals(PING_MAGIC)) {
      connection.sendDatagram(Buffer.buffer(12).appendBuffer(PONG_MAGIC).appendLong(data.getLong(4)));
      return true;
    }
    if (magic.equals(PONG_MAGIC)) {
      Promise<Double> p = pings.get(data.getLong(4));
      if (p != null) {
        p.tryComplete(null); // the waiter computes the RTT from its own clock
      }
      return true;
    }
    return false;
  }

  /** One round trip over the session (QUIC DATAGRAM ping/pong): the RTT in ms, or a failure after the timeout. */
  public Future<Double> ping(long timeoutMs) {
    long token = pingTokens.incrementAndGet();
    Promise<Double> pong = Promise.promise();
    pings.put(token, pong);
    long start = System.nanoTime();
    long timer = vertx.setTimer(timeoutMs, t -> pong.tryFail("no pong within " + timeoutMs + " ms"));
    connection.sendDatagram(Buffer.buffer(12).appendBuffer(PING_MAGIC).appendLong(token)).onFailure(pong::tryFail);
    return pong.future()
        .map(x -> Math.round((System.nanoTime() - start) / 1e4) / 100.0)
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          pings.remove(token);
        });
  }

  /** Opens a stream for {@code preamble}'s service on the other side and sends the preamble at once. */
  public Future<QuicPeerStream> openStream(StreamPreamble preamble) {
    return connection.openBidiStream().compose(s -> s.write(preamble.encode()).map(s));
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public long startedAtMillis() {
    return startedAtMillis;
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public PeerId remotePeer() {
    return connection.remotePeerId();
  }

  @Override
  public boolean isOpen() {
    return connection.closeReason() == null;
  }

  @Override
  public Future<TrafficCounters> traffic() {
    return connection.stats().map(st -> new TrafficCounters(st.sentBytes(), st.recvBytes(), st.rttMillis()));
  }

  public QuicPeerConnection connection() {
    return connection;
  }

  /** The session's default bidirectional stream (for code in the same JVM: a ReadStream/WriteStream). */
  public Future<QuicPeerStream> defaultStream() {
    return defaultStream.future();
  }

  @Override
  public Future<Void> close(String reason) {
    return connection.close(0, reason);
  }
}
