package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.AttributeKey;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificates.PeerCertificate;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs QUIC over a UDP channel someone else owns: the puncher's session channel, whose pipeline
 * starts with its STUN demultiplexer. The QUIC codec is appended to that pipeline (so it sits after
 * the demultiplexer and receives the packets it passes on); no second socket is ever opened.
 *
 * <p>A channel is either a client (the ICE controlling agent dials: {@link #connect}) or a server
 * (the controlled agent accepts: {@link #server}). Both sides present a certificate made from their
 * {@link PeerIdentity} ({@link PeerCertificates}) and both verify the other's: the client pins the
 * peer id it dialled, the server asks its allow-predicate.
 *
 * <pre>{@code
 * // controlling side
 * QuicPeerEndpoint.connect(vertx, channel, remoteAddress, myIdentity, remotePeerId, new QuicOptions())
 *     .onSuccess(conn -> conn.openBidiStream().onSuccess(s -> s.end(Buffer.buffer("hi"))));
 * // controlled side
 * QuicPeerEndpoint.server(vertx, channel, myIdentity, id -> id.equals(expected), new QuicOptions())
 *     .connectionHandler(conn -> conn.streamHandler(s -> s.handler(buf -> ...)))
 *     .start();
 * }</pre>
 */
public final class QuicPeerEndpoint {

  /** Name of the QUIC codec in the adopted channel's pipeline. */
  public static final String CODEC_NAME = "p2p-quic-codec";

  static final AttributeKey<String> ROLE = AttributeKey.valueOf("p2p-quic.role");
  static final AttributeKey<QuicSslContext> SSL_CONTEXT = AttributeKey.valueOf("p2p-quic.ssl");

  private QuicPeerEndpoint() {}

  /**
   * Dials {@code remote} over {@code channel} and completes once the peer proved it is
   * {@code expected} and accepted us. The first call on a channel installs the client codec with
   * {@code options}' transport settings; later calls on the same channel reuse it (their TLS settings
   * still apply per connection).
   *
   * <p>Fails with {@link QuicHandshakeException}: the peer's certificate broke a rule or names
   * another peer ({@link QuicHandshakeException#certificateReason()}), the peer rejected our
   * certificate (its TLS alert in {@link QuicHandshakeException#closeReason()}), or the handshake
   * did not finish within {@link QuicOptions#handshakeTimeoutMs()}.
   */
  public static Future<QuicPeerConnection> connect(Vertx vertx, DatagramChannel channel, InetSocketAddress remote,
      PeerIdentity me, PeerId expected, QuicOptions options) {
    return connect(vertx, channel, remote, me, expected, options, null);
  }

  /** As above, presenting {@code certificate} instead of a fresh one (tests forge certificates). */
  static Future<QuicPeerConnection> connect(Vertx vertx, DatagramChannel channel, InetSocketAddress remote,
      PeerIdentity me, PeerId expected, QuicOptions options, PeerCertificate certificate) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(me, "me");
    Objects.requireNonNull(expected, "expected");
    QuicOptions opts = new QuicOptions(Objects.requireNonNull(options, "options"));
    ContextInternal context = contextFor(vertx, channel);
    PeerTrustManager.Policy policy = PeerTrustManager.Policy.expect(expected);
    QuicPeerConnection conn = QuicPeerConnection.forClient(context, opts, policy, remote);
    QuicSslContext ssl;
    QLogConfiguration qlog;
    try {
      PeerCertificate cert = certificate != null ? certificate : PeerCertificates.current(me);
      QuicSslContextBuilder b = QuicSslContextBuilder.forClient()
          .keyManager(PeerCertificates.keyManagerFactory(cert), null)
          .trustManager(new PeerTrustManager(policy, conn.trustListener()));
      ssl = tls(b, opts).build();
      qlog = qlog(opts, "client " + me.peerId() + " to " + expected);
    } catch (RuntimeException e) {
      return context.failedFuture(e);
    }
    Runnable dial = () -> {
      try {
        ensureCodec(channel, "client", () -> configure(new QuicClientCodecBuilder(), opts, true)
            .sslEngineProvider(q -> q.attr(SSL_CONTEXT).get().newEngine(q.alloc()))
            .build());
      } catch (RuntimeException e) {
        conn.fail(e);
        return;
      }
      QuicChannelBootstrap b = QuicChannel.newBootstrap(channel)
          .attr(SSL_CONTEXT, ssl)
          .handler(conn.handler())
          .streamHandler(QuicPeerConnection.INCOMING_STREAMS)
          // No Netty connect timeout: the connection's own ready timer (startReadyTimer) fails and closes a
          // handshake that takes too long. Netty leaves its timeout task scheduled after a successful connect,
          // and the task holds the channel and, through it, the whole session for the timeout's length after
          // the session ended (SessionChurnLoopbackTest).
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
          .remoteAddress(remote);
      if (qlog != null) {
        b.option(QuicChannelOption.QLOG, qlog);
      }
      b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segmentation(channel, opts));
      conn.startReadyTimer(channel.eventLoop());
      b.connect().addListener(conn::onClientConnect);
    };
    if (channel.eventLoop().inEventLoop()) {
      dial.run();
    } else {
      channel.eventLoop().execute(dial);
    }
    return conn.ready();
  }

  /**
   * A server on {@code channel} that accepts peers whose proven id satisfies {@code allowed}. Set its
   * handlers, then {@link QuicPeerServer#start()} installs the server codec.
   */
  public static QuicPeerServer server(Vertx vertx, DatagramChannel channel, PeerIdentity me,
      Predicate<PeerId> allowed, QuicOptions options) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(me, "me");
    return new QuicPeerServer(contextFor(vertx, channel), channel, me, PeerTrustManager.Policy.allow(allowed),
        new QuicOptions(Objects.requireNonNull(options, "options")));
  }

  // ---------------------------------------------------------------- shared helpers

  /**
   * The caller's context if it runs on the channel's event loop, else a new event-loop context on
   * that loop: handlers then run on the thread that runs the codec, with no hop.
   */
  static ContextInternal contextFor(Vertx vertx, Channel channel) {
    VertxInternal vi = (VertxInternal) Objects.requireNonNull(vertx, "vertx");
    ContextInternal current = vi.getContext();
    if (current != null && current.isEventLoopContext() && current.nettyEventLoop() == channel.eventLoop()) {
      return current;
    }
    return vi.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP).withEventLoop(channel.eventLoop()).build();
  }

  /** Installs the codec built by {@code codec} unless the channel already has one for {@code role}. */
  static void ensureCodec(Channel channel, String role, java.util.function.Supplier<ChannelHandler> codec) {
    ChannelHandler existing = channel.pipeline().get(CODEC_NAME);
    String current = channel.attr(ROLE).get();
    if (existing != null) {
      if (!role.equals(current)) {
        throw new IllegalStateException("channel already runs a QUIC " + current
            + "; a channel is either client or server");
      }
      if ("server".equals(role)) {
        throw new IllegalStateException("channel already runs a QUIC server");
      }
      return;
    }
    channel.pipeline().addLast(HandshakeCompletionNudge.NAME, new HandshakeCompletionNudge("client".equals(role)));
    channel.pipeline().addLast(CODEC_NAME, codec.get());
    channel.attr(ROLE).set(role);
  }

  /** The handshake is over: the codec no longer needs {@link HandshakeCompletionNudge}. */
  static void handshakeOver(Channel datagramChannel) {
    if (datagramChannel != null && datagramChannel.pipeline().get(HandshakeCompletionNudge.NAME) != null) {
      datagramChannel.pipeline().remove(HandshakeCompletionNudge.NAME);
    }
  }

  /** Removes the codec installed for {@code role} (its connections are dropped without CONNECTION_CLOSE). */
  static void removeCodec(Channel channel, String role) {
    if (role.equals(channel.attr(ROLE).get()) && channel.pipeline().get(CODEC_NAME) != null) {
      channel.pipeline().remove(CODEC_NAME);
      if (channel.pipeline().get(HandshakeCompletionNudge.NAME) != null) {
        channel.pipeline().remove(HandshakeCompletionNudge.NAME);
      }
      channel.attr(ROLE).set(null);
    }
  }

  static <B extends QuicCodecBuilder<B>> B configure(B b, QuicOptions o, boolean client) {
    b.maxIdleTimeout(o.idleTimeoutMs(), TimeUnit.MILLISECONDS)
        .initialMaxData(o.maxData())
        .initialMaxStreamDataBidirectionalLocal(o.maxStreamData())
        .initialMaxStreamDataBidirectionalRemote(o.maxStreamData())
        .initialMaxStreamDataUnidirectional(o.maxStreamData())
        .initialMaxStreamsBidirectional(o.maxBidiStreams())
        // The client lets the server open one more uni stream: the control stream (QuicPeerConnection).
        .initialMaxStreamsUnidirectional(o.maxUniStreams() + (client ? 1 : 0))
        .congestionControlAlgorithm(QuicCongestionControlAlgorithm.valueOf(o.congestionControl().toUpperCase(Locale.ROOT)));
    // Without discovery a larger ceiling would be sent blind (quiche uses it once the peer allows it).
    b.maxRecvUdpPayloadSize(o.maxUdpPayloadSize())
        .maxSendUdpPayloadSize(o.discoverPmtu() ? o.maxUdpPayloadSize() : QuicOptions.MIN_UDP_PAYLOAD_SIZE)
        .discoverPmtu(o.discoverPmtu());
    if (o.datagrams()) {
      b.datagram(o.datagramQueueLength(), o.datagramQueueLength());
    }
    return b;
  }

  /**
   * Batches outgoing packets into one UDP generic-segmentation-offload send where the socket can
   * (a native epoll socket on a kernel with UDP_SEGMENT), so a bulk transfer is not one system call a
   * packet; elsewhere, and with {@link QuicOptions#udpSegments()} below 2, one packet a send.
   */
  static SegmentedDatagramPacketAllocator segmentation(Channel datagramChannel, QuicOptions o) {
    if (o.udpSegments() > 1 && datagramChannel instanceof EpollDatagramChannel
        && EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
      return EpollQuicUtils.newSegmentedAllocator(o.udpSegments());
    }
    return SegmentedDatagramPacketAllocator.NONE;
  }

  /** TLS settings shared by both roles: ALPN, no hostname identity, no 0-RTT, key log. */
  static QuicSslContextBuilder tls(QuicSslContextBuilder b, QuicOptions o) {
    b.applicationProtocols(QuicOptions.ALPN)
        .endpointIdentificationAlgorithm(null)
        .earlyData(false);
    String keyLog = o.effectiveKeyLogFile();
    if (keyLog != null) {
      b.keylog(KeyLogFile.forPath(keyLog));
    } else if (o.keyLog()) {
      b.keylog(true); // no file named: Netty's logger io.netty.handler.codec.quic.BoringSSLLogginKeylog at DEBUG
    }
    return b;
  }

  static QuicSslContext serverSsl(PeerCertificate cert, PeerTrustManager tm, QuicOptions o) {
    return tls(QuicSslContextBuilder.forServer(PeerCertificates.keyManagerFactory(cert), null)
        .trustManager(tm)
        .clientAuth(ClientAuth.REQUIRE), o).build();
  }

  /** Server engines carry the peer's address so trust decisions can be reported with it. */
  static QuicSslEngine serverEngine(QuicSslContext ssl, QuicChannel q) {
    if (q.remoteSocketAddress() instanceof InetSocketAddress r) {
      return ssl.newEngine(q.alloc(), r.getHostString(), r.getPort());
    }
    return ssl.newEngine(q.alloc());
  }

  static QLogConfiguration qlog(QuicOptions o, String description) {
    if (o.qlogDir() == null) {
      return null;
    }
    Path dir = Path.of(o.qlogDir());
    try {
      Files.createDirectories(dir); // must exist: the codec treats a missing path as a file name
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create qlogDir " + dir + ": " + e.getMessage(), e);
    }
    return new QLogConfiguration(dir.toString(), "p2p-quic", description);
  }

  /** No Retry tokens: the peer's address was already validated by ICE, and a Retry costs a round trip. */
  static final QuicTokenHandler NO_TOKENS = new QuicTokenHandler() {
    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
      return false;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
      return -1; // we never issue tokens, so any token is not ours: drop the packet
    }

    @Override
    public int maxTokenLength() {
      return 0;
    }
  };
}
