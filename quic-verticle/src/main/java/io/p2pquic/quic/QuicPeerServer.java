package io.p2pquic.quic;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificates.PeerCertificate;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side of QUIC on an adopted channel (see {@link QuicPeerEndpoint#server}). Every
 * connection it hands to {@link #connectionHandler} has passed certificate verification and the
 * allow-predicate; refused handshakes go to {@link #rejectionHandler}.
 */
public final class QuicPeerServer {
  private static final Logger LOG = LoggerFactory.getLogger(QuicPeerServer.class);

  private final ContextInternal context;
  private final DatagramChannel channel;
  private final PeerIdentity me;
  private final PeerTrustManager.Policy policy;
  private final QuicOptions options;
  private final Set<QuicPeerConnection> connections = ConcurrentHashMap.newKeySet();
  private volatile Handler<QuicPeerConnection> connectionHandler;
  private volatile Handler<QuicRejection> rejectionHandler;
  private volatile boolean started;
  private PeerCertificate certificate;

  QuicPeerServer(ContextInternal context, DatagramChannel channel, PeerIdentity me, PeerTrustManager.Policy policy,
      QuicOptions options) {
    this.context = context;
    this.channel = channel;
    this.me = me;
    this.policy = policy;
    this.options = options;
  }

  /** Receives each accepted, verified connection. */
  public QuicPeerServer connectionHandler(Handler<QuicPeerConnection> handler) {
    this.connectionHandler = handler;
    return this;
  }

  /** Receives each handshake refused because of the peer's certificate or id. */
  public QuicPeerServer rejectionHandler(Handler<QuicRejection> handler) {
    this.rejectionHandler = handler;
    return this;
  }

  public PeerId localPeerId() {
    return me.peerId();
  }

  /** The connections accepted and still open. */
  public Set<QuicPeerConnection> connections() {
    return Set.copyOf(connections);
  }

  /** Presents {@code cert} instead of a fresh certificate (tests forge certificates). */
  QuicPeerServer certificate(PeerCertificate cert) {
    this.certificate = cert;
    return this;
  }

  /** Installs the QUIC server codec at the end of the channel's pipeline. */
  public Future<Void> start() {
    if (started) {
      return context.failedFuture(new IllegalStateException("already started"));
    }
    started = true;
    QuicSslContext ssl;
    QLogConfiguration qlog;
    try {
      PeerCertificate cert = certificate != null ? certificate : PeerCertificates.current(me);
      ssl = QuicPeerEndpoint.serverSsl(cert, new PeerTrustManager(policy,
          PeerTrustManager.rejectionsTo(this, QuicPeerServer::rejectedBy)), options);
      qlog = QuicPeerEndpoint.qlog(options, "server " + me.peerId());
    } catch (RuntimeException e) {
      return context.failedFuture(e);
    }
    QuicServerCodecBuilder b = QuicPeerEndpoint.configure(new QuicServerCodecBuilder(), options, false)
        .sslEngineProvider(q -> QuicPeerEndpoint.serverEngine(ssl, q))
        .tokenHandler(QuicPeerEndpoint.NO_TOKENS)
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel ch) {
            ch.pipeline().addLast(QuicPeerConnection.forServer(context, options, policy, QuicPeerServer.this).handler());
          }
        })
        .streamHandler(QuicPeerConnection.INCOMING_STREAMS);
    if (qlog != null) {
      b.option(QuicChannelOption.QLOG, qlog);
    }
    b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, QuicPeerEndpoint.segmentation(channel, options));
    PromiseInternal<Void> p = context.promise();
    channel.eventLoop().execute(() -> {
      try {
        QuicPeerEndpoint.ensureCodec(channel, "server", b::build);
        p.complete();
      } catch (RuntimeException e) {
        started = false;
        p.fail(e);
      }
    });
    return p.future();
  }

  /**
   * Closes every connection (application error 0, reason "server closing"), then removes the codec
   * from the channel; the channel itself stays open (the puncher owns it).
   */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    for (QuicPeerConnection c : connections) {
      closing.add(c.close(0, "server closing"));
    }
    return Future.join(closing).eventually(() -> {
      PromiseInternal<Void> p = context.promise();
      channel.eventLoop().execute(() -> {
        QuicPeerEndpoint.removeCodec(channel, "server");
        p.complete();
      });
      return p.future();
    }).mapEmpty();
  }

  void accepted(QuicPeerConnection conn) {
    connections.add(conn);
    LOG.debug("accepted QUIC connection from {} at {}", conn.remotePeerId(), conn.remoteAddress());
    Handler<QuicPeerConnection> h = connectionHandler;
    if (h != null) {
      context.emit(conn, h);
    } else {
      LOG.warn("no connectionHandler set: closing the connection from {}", conn.remotePeerId());
      conn.close(0, "no handler");
    }
  }

  void removed(QuicPeerConnection conn) {
    connections.remove(conn);
  }

  /** A client refused in the TLS handshake (from the trust manager, which holds this server weakly). */
  private void rejectedBy(SSLEngine engine, PeerCertificateException cause) {
    // The engine's own getPeerHost() is not set by the codec; its session's is (serverEngine).
    javax.net.ssl.SSLSession session = engine == null ? null : engine.getSession();
    InetSocketAddress from = session == null || session.getPeerHost() == null ? null
        : new InetSocketAddress(session.getPeerHost(), session.getPeerPort());
    rejected(from, cause);
  }

  void rejected(InetSocketAddress from, PeerCertificateException cause) {
    QuicRejection r = new QuicRejection(from, cause);
    LOG.info("{}", r);
    Handler<QuicRejection> h = rejectionHandler;
    if (h != null) {
      context.execute(r, h);
    }
  }
}
