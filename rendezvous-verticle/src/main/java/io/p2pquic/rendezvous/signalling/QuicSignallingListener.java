package io.p2pquic.rendezvous.signalling;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.RetryTokens;
import io.p2pquic.rendezvous.ConnectionLimiter;
import io.p2pquic.quic.SignallingQuicTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QUIC signalling transport (method quic-native, {@code signalling.quicPort}): a QUIC server on a UDP
 * port whose connections carry the same JSON messages as the WebSocket, length-prefixed on the client's
 * first bidirectional stream, handled by the same {@link SignallingService} ({@link Session}). A peer
 * reaches it from the very socket it will punch from, so the address this listener sees is the peer's
 * server-reflexive candidate for that socket (no separate STUN round trip).
 *
 * <p>TLS: the rendezvous presents a certificate of a fresh identity ({@link SignallingQuicTls}); its peer
 * id goes to peers in their WebSocket {@code registered} reply so they pin it.
 */
public final class QuicSignallingListener {
  private static final Logger LOG = LoggerFactory.getLogger(QuicSignallingListener.class);

  private final Vertx vertx;
  private final SignallingService service;
  private final String host;
  private final int port;
  private final PeerIdentity identity = PeerIdentity.generate();
  private Channel channel;
  private final ConnectionLimiter connections;
  /** Makes the UDP socket for the bind host when set ({@link #udpSockets}); else the Vert.x transport's. */
  private java.util.function.Function<String, io.netty.channel.socket.DatagramChannel> udpSocketFactory;

  public QuicSignallingListener(Vertx vertx, SignallingService service, String host, int port) {
    this.vertx = vertx;
    this.service = service;
    this.host = host;
    this.port = port;
    this.connections = new ConnectionLimiter(service.config().maxConnections(), service.config().maxConnectionsPerIp());
  }

  /**
   * For tests: the UDP socket is made by {@code sockets}, given the host to bind, instead of the Vert.x
   * transport, e.g. a channel of an in-memory network. Set before {@link #start}.
   */
  public QuicSignallingListener udpSockets(java.util.function.Function<String, io.netty.channel.socket.DatagramChannel> sockets) {
    this.udpSocketFactory = sockets;
    return this;
  }

  /** Binds the port (0: any) and tells the service to advertise it; completes with the bound address. */
  public Future<InetSocketAddress> start() {
    ContextInternal context = ((VertxInternal) vertx).getOrCreateContext();
    return vertx.executeBlocking(() -> SignallingQuicTls.server(identity), false).compose(ssl -> {
      Promise<InetSocketAddress> bound = context.promise();
      io.netty.channel.ChannelFactory<? extends io.netty.channel.Channel> sockets = udpSocketFactory == null
          ? ((VertxInternal) vertx).transport().datagramChannelFactory()
          : () -> udpSocketFactory.apply(host == null ? "0.0.0.0" : host);
      new Bootstrap().group(context.nettyEventLoop())
          .channelFactory(sockets)
          .handler(new ChannelInitializer<io.netty.channel.socket.DatagramChannel>() {
            @Override
            protected void initChannel(io.netty.channel.socket.DatagramChannel ch) {
              ch.pipeline().addLast(codec(ssl)).addLast(new ChannelInboundHandlerAdapter() {
                // Garbage on the port (a malformed Initial, a stray packet) is counted, not logged as
                // a stack trace at the end of the pipeline once per datagram.
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                  service.metrics().quicDropped("bad-packet");
                  LOG.debug("signalling: QUIC datagram dropped: {}", cause.toString());
                }
              });
            }
          })
          .bind(host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port)).addListener(f -> {
            if (!f.isSuccess()) {
              bound.fail(new java.io.IOException("cannot bind QUIC signalling UDP " + host + ":" + port + ": "
                  + f.cause().getMessage(), f.cause()));
              return;
            }
            channel = ((io.netty.channel.ChannelFuture) f).channel();
            InetSocketAddress local = (InetSocketAddress) channel.localAddress();
            service.quicSignalling(new JsonObject().put("port", local.getPort()).put("peerId", identity.peerId().value()));
            LOG.info("signalling: QUIC transport on udp {} (ALPN {}, rendezvous id {})", local, SignallingQuicTls.ALPN,
                identity.peerId());
            bound.complete(local);
          });
      return bound.future();
    });
  }

  /** The bound address, null before start. */
  public InetSocketAddress address() {
    return channel == null ? null : (InetSocketAddress) channel.localAddress();
  }

  public PeerIdentity identity() {
    return identity;
  }

  public Future<Void> stop() {
    service.quicSignalling(null);
    if (channel == null) {
      return Future.succeededFuture();
    }
    Promise<Void> closed = Promise.promise();
    channel.close().addListener(f -> closed.complete());
    return closed.future();
  }

  private io.netty.channel.ChannelHandler codec(QuicSslContext ssl) {
    int maxFrame = service.config().maxMessageBytes();
    return new QuicServerCodecBuilder()
        .sslContext(ssl)
        .maxIdleTimeout(30, TimeUnit.SECONDS)
        .initialMaxData(16L * maxFrame)
        .initialMaxStreamDataBidirectionalRemote(4L * maxFrame)
        .initialMaxStreamDataBidirectionalLocal(4L * maxFrame)
        .initialMaxStreamsBidirectional(1)
        .initialMaxStreamsUnidirectional(0)
        // Retry once signalling.quicRetryAboveConnections connections are open (spoofed Initials pile up
        // state): a client then proves its address before the server keeps state or sends more.
        .tokenHandler(new RetryTokens(10_000,
            () -> connections.open() >= service.config().quicRetryAboveConnections(),
            () -> service.metrics().quicDropped("retry-sent")))
        // One handler instance serves every connection: it must be sharable (an initializer is).
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel ch) {
            java.net.InetAddress ip = ch.remoteSocketAddress() instanceof InetSocketAddress r ? r.getAddress() : null;
            if (ip == null || !connections.tryAcquire(ip)) {
              service.metrics().quicDropped("connection-limit");
              // CONNECTION_REFUSED is a transport error code (RFC 9000 section 20.1); the handshake has not run.
              ch.close(false, 0x2, io.netty.buffer.Unpooled.EMPTY_BUFFER);
              return;
            }
            ch.closeFuture().addListener(f -> connections.release(ip));
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                service.metrics().quicDropped("connection-error");
                LOG.debug("signalling: QUIC connection from {} failed: {}", ip, cause.toString());
                ctx.close();
              }
            });
          }
        })
        .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
          @Override
          protected void initChannel(QuicStreamChannel stream) {
            QuicChannel conn = stream.parent();
            boolean first = conn.attr(FIRST_STREAM_TAKEN).setIfAbsent(Boolean.TRUE) == null;
            if (!first || stream.type() != QuicStreamType.BIDIRECTIONAL) {
              service.metrics().quicDropped("extra-stream");
              stream.close();
              return;
            }
            InetSocketAddress remote = conn.remoteSocketAddress() instanceof InetSocketAddress r ? r : null;
            Session[] opened = new Session[1];
            stream.pipeline()
                // 4-byte length, then UTF-8 JSON; a longer frame than allowed is skipped and answered.
                .addLast(new LengthFieldBasedFrameDecoder(maxFrame, 0, 4, 0, 4))
                .addLast(new LengthFieldPrepender(4))
                .addLast(new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    Session session = opened[0];
                    ByteBuf frame = (ByteBuf) msg;
                    try {
                      service.received(session, frame.toString(StandardCharsets.UTF_8));
                    } finally {
                      frame.release();
                    }
                  }

                  @Override
                  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    if (ctx.channel().isWritable()) {
                      ctx.channel().config().setAutoRead(true);
                    }
                    ctx.fireChannelWritabilityChanged();
                  }

                  @Override
                  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    if (cause instanceof TooLongFrameException) {
                      service.metrics().quicDropped("too-long");
                      service.tooLarge(opened[0], maxFrame);
                      return;
                    }
                    service.metrics().quicDropped("error");
                    LOG.debug("signalling: QUIC stream from {} failed: {}", remote, cause.toString());
                    ctx.close();
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    service.closed(opened[0]);
                    ctx.fireChannelInactive();
                  }
                });
            // Framing is in place before the challenge is written.
            opened[0] = service.open(new QuicSignallingConnection(stream, remote));
          }
        })
        .build();
  }

  private static final io.netty.util.AttributeKey<Boolean> FIRST_STREAM_TAKEN =
      io.netty.util.AttributeKey.valueOf("p2p.signalling.firstStream");
}
