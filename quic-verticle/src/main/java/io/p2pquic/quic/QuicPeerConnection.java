package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClosedChannelException;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.codec.quic.QuicTransportParameters;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QUIC connection to a peer whose identity was verified in the TLS handshake
 * ({@link #remotePeerId()}), on a channel adopted from the puncher.
 *
 * <p>Streams: {@link #openBidiStream()}, {@link #openUniStream()}, {@link #streamHandler} for the
 * peer's. Datagrams (RFC 9221): {@link #sendDatagram}, {@link #datagramHandler}. End:
 * {@link #close(int, String)}, {@link #closeHandler} with a {@link QuicCloseReason}. Handlers run on
 * the connection's Vert.x context (an event-loop context on the channel's event loop); methods may be
 * called from any thread.
 *
 * <p>Readiness: the accepting side opens its first unidirectional stream (id 3) right after it has
 * verified the dialer's certificate and writes one byte, {@code 0x01}, and FIN. With
 * {@link QuicOptions#dialerReady()} "accepted" the dialer's connect future completes only when that byte
 * arrives, so a dialer the listener rejects sees a failed connect (TLS alert in the reason) instead of a
 * connection that dies one round trip later; with "handshake" (the default) it completes with the dialer's
 * own handshake, one round trip earlier, and the byte only confirms. That stream is never shown to the
 * application.
 */
public final class QuicPeerConnection {

  static final AttributeKey<QuicPeerConnection> KEY = AttributeKey.valueOf("p2p-quic.connection");
  static final AttributeKey<QuicPeerStream> STREAM_KEY = AttributeKey.valueOf("p2p-quic.stream");
  /** The byte the accepting side sends on its control stream once it accepted the dialer. */
  static final int CONTROL_ACCEPTED = 0x01;
  /** The first server-initiated unidirectional stream (RFC 9000 section 2.1). */
  static final long SERVER_CONTROL_STREAM_ID = 3;
  /** Application error code sent when the readiness protocol is violated. */
  static final int PROTOCOL_ERROR = 0x1;

  private static final Logger LOG = LoggerFactory.getLogger(QuicPeerConnection.class);

  /** Incoming streams of every connection: routes each to its connection. */
  static final ChannelHandler INCOMING_STREAMS = new ChannelInitializer<QuicStreamChannel>() {
    @Override
    protected void initChannel(QuicStreamChannel ch) {
      QuicPeerConnection conn = ch.parent().attr(KEY).get();
      if (conn == null) {
        ch.close();
      } else {
        conn.onIncomingStream(ch);
      }
    }
  };

  private final ContextInternal context;
  private final boolean client;
  private final QuicOptions options;
  private final PeerTrustManager.Policy policy;
  private final InetSocketAddress dialled;
  private final QuicPeerServer server;
  private final PromiseInternal<QuicPeerConnection> ready;
  private final PromiseInternal<QuicCloseReason> closed;
  private final long startNanos = System.nanoTime();

  private volatile QuicChannel channel;
  private volatile PeerId remotePeerId;
  private volatile PeerCertificateException localRejection;
  private volatile int maxDatagramLength;
  private volatile QuicCloseReason closeReason;
  private volatile Duration handshakeDuration;
  private volatile InetSocketAddress lastRemote;

  // event loop only
  private QuicConnectionCloseEvent peerClose;
  private QuicCloseReason localClose;
  /** The connection was handed out (ready completed): close events reach the application from now on. */
  private boolean confirmed;
  /** Client: the listener's accept byte arrived. */
  private boolean accepted;
  /** Server: the handshake completed (channelActive). */
  private boolean serverActive;
  private Handler<QuicPeerStream> streamHandler;
  private final ArrayDeque<QuicPeerStream> pendingStreams = new ArrayDeque<>();
  private Handler<Buffer> datagramHandler;
  private Handler<QuicCloseReason> closeHandler;

  // Final-size notices (StreamFinalSizeNotice): the live streams by id, and notices that arrived before
  // the peer's stream did (a datagram can overtake the stream's first packet), a few at most.
  private static final long[] FINAL_SIZE_NOTICE_DELAYS_MS = {0, 250, 1000, 3000};
  private static final int MAX_EARLY_NOTICES = 64;
  private final Map<Long, QuicPeerStream> streamsById = new ConcurrentHashMap<>();
  private final Map<Long, Long> earlyFinalSizes = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > MAX_EARLY_NOTICES;
    }
  };
  private long highestPeerStreamSeen = -1;
  private final AtomicLong streamsEndedByNotice = new AtomicLong();

  private QuicPeerConnection(ContextInternal context, boolean client, QuicOptions options,
      PeerTrustManager.Policy policy, InetSocketAddress dialled, QuicPeerServer server) {
    this.context = context;
    this.client = client;
    this.options = options;
    this.policy = policy;
    this.dialled = dialled;
    this.lastRemote = dialled;
    this.server = server;
    this.ready = context.promise();
    this.closed = context.promise();
  }

  static QuicPeerConnection forClient(ContextInternal context, QuicOptions options, PeerTrustManager.Policy policy,
      InetSocketAddress remote) {
    return new QuicPeerConnection(context, true, options, policy, remote, null);
  }

  static QuicPeerConnection forServer(ContextInternal context, QuicOptions options, PeerTrustManager.Policy policy,
      QuicPeerServer server) {
    return new QuicPeerConnection(context, false, options, policy, null, server);
  }

  // ---------------------------------------------------------------- public API

  /** The peer id the remote proved in the TLS handshake (null only before the handshake finished). */
  public PeerId remotePeerId() {
    return remotePeerId;
  }

  /** Whether this side dialled (the ICE controlling agent). */
  public boolean isClient() {
    return client;
  }

  /** The peer's UDP address as the codec sees it. */
  public InetSocketAddress remoteAddress() {
    QuicChannel ch = channel;
    if (ch != null && ch.remoteSocketAddress() instanceof InetSocketAddress a) {
      lastRemote = a;
    }
    return lastRemote;
  }

  public InetSocketAddress localAddress() {
    QuicChannel ch = channel;
    return ch != null && ch.localSocketAddress() instanceof InetSocketAddress a ? a : null;
  }

  /** The negotiated ALPN protocol ({@link QuicOptions#ALPN}). */
  public String applicationProtocol() {
    QuicChannel ch = channel;
    SSLEngine engine = ch == null ? null : ch.sslEngine();
    return engine == null ? null : engine.getApplicationProtocol();
  }

  /** Time from the start of the handshake to readiness (dialer: control byte received). */
  public Duration handshakeDuration() {
    return handshakeDuration;
  }

  /** The peer's transport parameters (idle timeout, flow-control limits, max datagram frame size). */
  public QuicTransportParameters peerTransportParameters() {
    QuicChannel ch = channel;
    return ch == null ? null : ch.peerTransportParameters();
  }

  /** The Vert.x context handlers run on (an event-loop context on the channel's event loop). */
  public io.vertx.core.Context context() {
    return context;
  }

  /** The Netty QUIC channel (advanced use). */
  public QuicChannel unwrap() {
    return channel;
  }

  /** Opens a bidirectional stream; fails if the peer's stream limit is used up. */
  public Future<QuicPeerStream> openBidiStream() {
    return openStream(QuicStreamType.BIDIRECTIONAL);
  }

  /** Opens a unidirectional (send-only) stream. */
  public Future<QuicPeerStream> openUniStream() {
    return openStream(QuicStreamType.UNIDIRECTIONAL);
  }

  /** Receives the streams the peer opens (those that arrived before a handler was set are queued). */
  public QuicPeerConnection streamHandler(Handler<QuicPeerStream> handler) {
    onLoop(() -> {
      streamHandler = handler;
      while (streamHandler != null && !pendingStreams.isEmpty()) {
        context.emit(pendingStreams.poll(), streamHandler);
      }
    });
    return this;
  }

  /** Receives RFC 9221 datagrams (dropped while no handler is set, as datagrams may be). */
  public QuicPeerConnection datagramHandler(Handler<Buffer> handler) {
    onLoop(() -> datagramHandler = handler);
    return this;
  }

  /** Called once when the connection ends; immediately if it already has. */
  public QuicPeerConnection closeHandler(Handler<QuicCloseReason> handler) {
    onLoop(() -> {
      closeHandler = handler;
      QuicCloseReason r = closeReason;
      if (r != null && handler != null) {
        context.emit(r, handler);
      }
    });
    return this;
  }

  /** Completes with the reason when the connection has ended. */
  public Future<QuicCloseReason> closeFuture() {
    return closed.future();
  }

  /** Why the connection ended, or null while it is open. */
  public QuicCloseReason closeReason() {
    return closeReason;
  }

  /**
   * The largest datagram the peer accepts, 0 if datagrams are not available (off here or at the
   * peer).
   */
  public int maxDatagramLength() {
    return options.datagrams() ? Math.max(maxDatagramLength, 0) : 0;
  }

  /** Sends an unreliable datagram (RFC 9221); the future says whether quiche took it, not delivery. */
  public Future<Void> sendDatagram(Buffer data) {
    return sendDatagram(((BufferInternal) data).getByteBuf());
  }

  /** Sends an unreliable datagram; takes ownership of {@code data}. */
  public Future<Void> sendDatagram(ByteBuf data) {
    QuicChannel ch = channel;
    String problem = null;
    if (!options.datagrams()) {
      problem = "QUIC datagrams are disabled in this endpoint's QuicOptions";
    } else if (ch == null || !ch.isActive()) {
      problem = "connection is not open";
    } else if (maxDatagramLength <= 0) {
      problem = "the peer did not enable QUIC datagrams (RFC 9221)";
    } else if (data.readableBytes() > maxDatagramLength) {
      problem = "datagram of " + data.readableBytes() + " bytes exceeds the maximum of " + maxDatagramLength;
    }
    if (problem != null) {
      data.release();
      return context.failedFuture(new IllegalStateException(problem));
    }
    PromiseInternal<Void> p = context.promise();
    ch.writeAndFlush(data).addListener(p);
    return p.future();
  }

  /**
   * How many of the peer's streams ended on a final-size notice before their FIN frame arrived (the FIN
   * frame is usually just behind; a count that keeps growing while FIN frames never follow means the
   * peer's QUIC stack lost them, see {@link StreamFinalSizeNotice}).
   */
  public long streamsEndedByNotice() {
    return streamsEndedByNotice.get();
  }

  // ---------------------------------------------------------------- final-size notices

  /** Tells the peer that {@code streamId} ended at {@code finalSize}: a datagram, sent 4 times over 3 s. */
  void announceFinalSize(long streamId, long finalSize) {
    if (maxDatagramLength() < StreamFinalSizeNotice.LENGTH) {
      return; // no datagrams on this connection: the FIN frame is all there is
    }
    StreamFinalSizeNotice notice = new StreamFinalSizeNotice(streamId, finalSize);
    for (long delay : FINAL_SIZE_NOTICE_DELAYS_MS) {
      Runnable send = () -> {
        if (closeReason == null) {
          sendDatagram(notice.encode()); // a full datagram queue drops it; the next copy may pass
        }
      };
      if (delay == 0) {
        send.run();
      } else {
        context.owner().setTimer(delay, t -> send.run());
      }
    }
  }

  void register(QuicPeerStream stream) {
    streamsById.put(stream.id(), stream);
    if (isPeerInitiated(stream.id())) {
      highestPeerStreamSeen = Math.max(highestPeerStreamSeen, stream.id());
    }
    Long early = earlyFinalSizes.remove(stream.id());
    if (early != null) {
      stream.onFinalSizeNotice(early);
    }
  }

  void unregister(QuicPeerStream stream) {
    streamsById.remove(stream.id(), stream);
  }

  void countEndedByNotice() {
    streamsEndedByNotice.incrementAndGet();
  }

  private boolean isPeerInitiated(long streamId) {
    return (streamId & 1) == (client ? 1 : 0); // RFC 9000 section 2.1: bit 0 is the initiator
  }

  private void onFinalSizeNotice(StreamFinalSizeNotice notice) {
    QuicPeerStream stream = streamsById.get(notice.streamId());
    if (stream != null) {
      stream.onFinalSizeNotice(notice.finalSize());
    } else if (isPeerInitiated(notice.streamId()) && notice.streamId() > highestPeerStreamSeen) {
      earlyFinalSizes.put(notice.streamId(), notice.finalSize());
    }
    // Otherwise the stream is gone (it ended with its FIN frame): nothing to do.
  }

  /** Closes with application error 0 and no reason. */
  public Future<Void> close() {
    return close(0, "");
  }

  /**
   * Closes with an application CONNECTION_CLOSE carrying {@code errorCode} and {@code reason}; the
   * future completes when the connection has ended.
   */
  public Future<Void> close(int errorCode, String reason) {
    String text = reason == null ? "" : reason;
    QuicChannel ch = channel;
    if (ch == null) {
      return context.failedFuture(new IllegalStateException("connection not established"));
    }
    onLoop(() -> {
      QuicCloseReason sent = closeChannel(ch, errorCode, text);
      if (localClose == null && closeReason == null) {
        localClose = sent;
      }
    });
    return closed.future().mapEmpty();
  }

  /** Transport error code APPLICATION_ERROR (RFC 9000 section 20.1). */
  static final int APPLICATION_ERROR = 0x0c;

  /**
   * Whether the peer has confirmed the handshake to us, so that we hold no Handshake keys any more (RFC
   * 9001 section 4.9.2): the listener once its handshake completed; the dialer once the listener's accept
   * byte arrived, which travels with HANDSHAKE_DONE.
   */
  private boolean handshakeConfirmed() {
    return client ? accepted : serverActive;
  }

  /**
   * Sends CONNECTION_CLOSE and returns what it sent: an application close once the handshake is confirmed; before that a transport
   * close with APPLICATION_ERROR and the same reason (what RFC 9000 section 10.2.3 asks for in Handshake
   * packets anyway). Why not an application close there: quiche then answers a pending probe timeout in
   * the Handshake space with ACK-only packets, without end, inside one send call (while closing it sends
   * ACKs in Handshake packets after an application error but never the PING the probe wants), and the
   * event loop never returns. Seen with sessions closed right after the dialer's connect
   * (HandshakeUnderLoadTest); a handshake timeout after the peer went silent mid-handshake can do the same.
   */
  private QuicCloseReason closeChannel(QuicChannel ch, int errorCode, String text) {
    boolean app = handshakeConfirmed();
    int code = app ? errorCode : APPLICATION_ERROR;
    ch.close(app, code, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    return new QuicCloseReason(QuicCloseReason.Kind.LOCAL, app, code, text);
  }

  /** Current RTT, congestion window and counters. */
  public Future<QuicStats> stats() {
    QuicChannel ch = channel;
    if (ch == null) {
      return context.failedFuture(new IllegalStateException("connection not established"));
    }
    PromiseInternal<QuicConnectionStats> conn = context.promise();
    ch.collectStats().addListener(conn);
    return conn.future().compose(c -> {
      PromiseInternal<QuicConnectionPathStats> path = context.promise();
      ch.collectPathStats(0).addListener(path);
      return path.future().map(p -> new QuicStats(Duration.ofNanos(p.rtt()), p.cwnd(), p.deliveryRate(),
          c.sent(), c.recv(), c.lost(), c.sentBytes(), c.recvBytes(), c.lostBytes()));
    });
  }

  @Override
  public String toString() {
    return "QuicPeerConnection[" + (client ? "client" : "server") + " " + remotePeerId + " @ " + remoteAddress() + "]";
  }

  // ---------------------------------------------------------------- wiring

  ChannelHandler handler() {
    return new ConnectionHandler();
  }

  Future<QuicPeerConnection> ready() {
    return ready.future();
  }

  void fail(Throwable cause) {
    ready.tryFail(cause);
  }

  /** What the connection's TLS context tells of its verifications; holds the connection weakly (see there). */
  PeerTrustManager.Listener trustListener() {
    return PeerTrustManager.rejectionsTo(this, (connection, engine, cause) -> connection.localRejection = cause);
  }

  private void onLoop(Runnable r) {
    QuicChannel ch = channel;
    if (ch == null || ch.eventLoop().inEventLoop()) {
      r.run();
    } else {
      ch.eventLoop().execute(r);
    }
  }

  private Future<QuicPeerStream> openStream(QuicStreamType type) {
    QuicChannel ch = channel;
    if (ch == null || !ch.isActive()) {
      return context.failedFuture(new IllegalStateException("connection is not open"));
    }
    PromiseInternal<QuicPeerStream> p = context.promise();
    ch.createStream(type, new ChannelInitializer<QuicStreamChannel>() {
      @Override
      protected void initChannel(QuicStreamChannel sc) {
        new QuicPeerStream(QuicPeerConnection.this, sc, context);
      }
    }).addListener(f -> {
      if (f.isSuccess()) {
        p.tryComplete(((QuicStreamChannel) f.getNow()).attr(STREAM_KEY).get());
      } else {
        p.tryFail(new IllegalStateException("cannot open a " + type.name().toLowerCase(java.util.Locale.ROOT) + " stream (peer allows "
            + ch.peerAllowedStreams(type) + " more): " + f.cause(), f.cause()));
      }
    });
    return p.future();
  }

  private void onIncomingStream(QuicStreamChannel sc) {
    if (client && !accepted && sc.type() == QuicStreamType.UNIDIRECTIONAL && !sc.isLocalCreated()
        && sc.streamId() == SERVER_CONTROL_STREAM_ID) {
      sc.pipeline().addLast(new ControlStreamReader());
      return;
    }
    QuicPeerStream stream = new QuicPeerStream(this, sc, context);
    if (streamHandler != null && pendingStreams.isEmpty()) {
      context.emit(stream, streamHandler);
    } else {
      pendingStreams.add(stream);
    }
  }

  /** Re-verifies the peer's certificate from the finished TLS session (also covers resumption). */
  private PeerId verifySession() throws PeerCertificateException {
    Certificate[] certs;
    try {
      certs = channel.sslEngine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      throw new PeerCertificateException(PeerCertificateException.Reason.NO_CERTIFICATE,
          "no verified peer certificate in the TLS session: " + e.getMessage());
    }
    PeerId id = PeerCertificates.verify(certs, Instant.now());
    policy.check(id);
    return id;
  }

  /** Client: fails the connect future if the dialled peer has not confirmed within the handshake timeout. */
  void startReadyTimer(io.netty.channel.EventLoop loop) {
    io.netty.util.concurrent.ScheduledFuture<?> timer = loop.schedule(() -> {
      if (!ready.future().isComplete()) {
        ready.tryFail(new QuicHandshakeException("QUIC handshake with " + remoteAddress() + " timed out after "
            + options.handshakeTimeoutMs() + " ms", null, null, null));
        QuicChannel ch = channel;
        if (ch != null) {
          abort("handshake timeout");
        }
      }
    }, options.handshakeTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
    ready.future().onComplete(ar -> timer.cancel(false));
  }

  /** Client: the QUIC/TLS handshake finished (or failed). */
  void onClientConnect(io.netty.util.concurrent.Future<? super QuicChannel> f) {
    if (!f.isSuccess()) {
      ready.tryFail(handshakeFailure(f.cause()));
      return;
    }
    QuicPeerEndpoint.handshakeOver(channel.parent());
    try {
      if (remotePeerId == null) {
        remotePeerId = verifySession();
      }
    } catch (PeerCertificateException e) {
      localRejection = e;
      abort(e.getMessage());
      return;
    }
    if (QuicOptions.DIALER_READY_HANDSHAKE.equals(options.dialerReady())) {
      handOut();
    }
  }

  private void onServerActive() {
    serverActive = true;
    QuicPeerEndpoint.handshakeOver(channel.parent());
    try {
      remotePeerId = verifySession();
    } catch (PeerCertificateException e) {
      localRejection = e;
      server.rejected(remoteAddress(), e);
      abort(e.getMessage());
      return;
    }
    // Tell the dialer it is accepted (see the class comment), then hand the connection out.
    channel.createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter()).addListener(f -> {
      if (f.isSuccess()) {
        ((QuicStreamChannel) f.getNow()).writeAndFlush(
            new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(new byte[] {CONTROL_ACCEPTED}), true));
      } else {
        LOG.warn("cannot open the control stream to {}: {}", remotePeerId, f.cause().toString());
        close(PROTOCOL_ERROR, "cannot open control stream");
      }
    });
    handOut();
    server.accepted(this);
  }

  private void onControlByte(int b) {
    if (accepted) {
      return;
    }
    if (b != CONTROL_ACCEPTED) {
      abort("unexpected control byte " + b);
      return;
    }
    if (remotePeerId == null) {
      try {
        remotePeerId = verifySession();
      } catch (PeerCertificateException e) {
        localRejection = e;
        abort(e.getMessage());
        return;
      }
    }
    accepted = true;
    handOut();
  }

  /** The connection is ready for the application (once): the connect or accept future completes. */
  private void handOut() {
    if (confirmed) {
      return;
    }
    confirmed = true;
    handshakeDuration = Duration.ofNanos(System.nanoTime() - startNanos);
    ready.tryComplete(this);
  }

  /** Closes because of a protocol or verification problem found here. */
  private void abort(String why) {
    QuicChannel ch = channel;
    if (ch != null) {
      closeChannel(ch, PROTOCOL_ERROR, why);
    }
  }

  private QuicHandshakeException handshakeFailure(Throwable cause) {
    String peer = client ? "QUIC handshake with " + remoteAddress() : "QUIC handshake from " + remoteAddress();
    PeerCertificateException rejected = localRejection;
    if (rejected != null) {
      return new QuicHandshakeException(peer + " failed: " + rejected.reason() + ": " + rejected.getMessage(),
          rejected.reason(), closeReason, cause);
    }
    if (cause instanceof ConnectTimeoutException) {
      return new QuicHandshakeException(peer + " timed out after " + options.handshakeTimeoutMs() + " ms", null,
          closeReason, cause);
    }
    QuicCloseReason r = closeReason;
    if (r == null && cause instanceof QuicClosedChannelException qc && qc.event() != null) {
      r = fromEvent(qc.event());
    }
    if (r == null && peerClose != null) {
      r = fromEvent(peerClose);
    }
    if (r != null) {
      return new QuicHandshakeException(peer + " failed: " + r.describe(), null, r, cause);
    }
    return new QuicHandshakeException(peer + " failed: " + cause, null, null, cause);
  }

  private static QuicCloseReason fromEvent(QuicConnectionCloseEvent e) {
    String reason;
    try {
      reason = new String(e.reason(), StandardCharsets.UTF_8);
    } catch (NullPointerException noReason) {
      reason = ""; // the codec leaves it null for TLS alerts
    }
    return new QuicCloseReason(QuicCloseReason.Kind.PEER, e.isApplicationClose(), Integer.toUnsignedLong(e.error()),
        reason);
  }

  private void onClosed() {
    if (closeReason != null) {
      return;
    }
    QuicChannel ch = channel;
    QuicCloseReason r;
    if (localClose != null) {
      r = localClose;
    } else if (peerClose != null) {
      r = fromEvent(peerClose);
    } else if (localRejection != null) {
      r = new QuicCloseReason(QuicCloseReason.Kind.HANDSHAKE_FAILED, false, 0,
          localRejection.reason() + ": " + localRejection.getMessage());
    } else if (ch != null && ch.isTimedOut()) {
      QuicTransportParameters peer = ch.peerTransportParameters();
      long negotiated = options.idleTimeoutMs();
      if (peer != null && peer.maxIdleTimeout() > 0) {
        negotiated = negotiated == 0 ? peer.maxIdleTimeout() : Math.min(negotiated, peer.maxIdleTimeout());
      }
      r = new QuicCloseReason(QuicCloseReason.Kind.IDLE_TIMEOUT, false, 0,
          "no packet from the peer for the idle timeout of " + negotiated + " ms");
    } else {
      r = new QuicCloseReason(QuicCloseReason.Kind.CLOSED, false, 0, "connection closed without CONNECTION_CLOSE");
    }
    closeReason = r;
    if (!ready.future().isComplete()) {
      ready.tryFail(handshakeFailure(new QuicClosedChannelExceptionHolder(r)));
    }
    LOG.debug("{} ended: {}", this, r);
    if (server != null && confirmed) {
      server.removed(this);
    }
    // The close handler first: whoever waits for close() (a verticle stopping next, say) then finds the
    // session's closed event already published, not racing its consumers' unregistration.
    Handler<QuicCloseReason> h = closeHandler;
    if (h != null && confirmed) {
      context.emit(r, h);
    }
    closed.tryComplete(r);
  }

  /** Cause attached to a handshake failure that ended with a close. */
  private static final class QuicClosedChannelExceptionHolder extends Exception {
    QuicClosedChannelExceptionHolder(QuicCloseReason r) {
      super(r.describe(), null, false, false);
    }
  }

  private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = (QuicChannel) ctx.channel();
      channel.attr(KEY).set(QuicPeerConnection.this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      remoteAddress(); // remember it: the channel forgets it when closed
      if (!client) {
        onServerActive();
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        // Incoming streams travel the pipeline as QuicStreamChannels; the tail registers them.
        ctx.fireChannelRead(msg);
        return;
      }
      Buffer data;
      try {
        if (StreamFinalSizeNotice.matches(buf)) {
          StreamFinalSizeNotice notice = StreamFinalSizeNotice.decode(buf);
          if (notice != null) {
            onFinalSizeNotice(notice);
          }
          return;
        }
        data = Buffer.buffer(ByteBufUtil.getBytes(buf));
      } finally {
        buf.release();
      }
      Handler<Buffer> h = datagramHandler; // set by the application, so only once it has the connection
      if (h != null) {
        context.emit(data, h);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof QuicDatagramExtensionEvent e) {
        maxDatagramLength = e.maxLength();
      } else if (evt instanceof QuicConnectionCloseEvent e) {
        peerClose = e;
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("{}: {}", QuicPeerConnection.this, cause.toString());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onClosed();
      ctx.fireChannelInactive();
    }
  }

  private final class ControlStreamReader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        ByteBuf content = msg instanceof QuicStreamFrame f ? f.content() : msg instanceof ByteBuf b ? b : null;
        if (content != null && content.isReadable()) {
          onControlByte(content.getUnsignedByte(content.readerIndex()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("control stream of {}: {}", QuicPeerConnection.this, cause.toString());
    }
  }
}
