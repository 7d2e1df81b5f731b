package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificates.PeerCertificate;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;

/**
 * TLS 1.3 on a connected TCP channel (the TCP simultaneous-open method) with the same identity rules
 * as QUIC: each side presents its {@link PeerCertificates} certificate and accepts only the peer id it
 * punched to ({@link PeerTrustManager}); client authentication is required, so both ends are pinned.
 * JDK TLS (netty-tcnative is not on the class path; BoringSSL inside the QUIC codec serves QUIC only).
 * A single byte stream: {@link #handler} gets what arrives, {@link #write} sends.
 *
 * <p>In TLS 1.3 the client's handshake ends before the server has checked the client's certificate,
 * so the server confirms with one byte (0x01) once it has: the client's stream is up only then, and a
 * client the server refused fails with the server's alert instead of seeing a session that dies at once.
 */
public final class PeerTlsStream {
  /** The server's one-byte confirmation that the client's certificate passed. */
  static final byte CONFIRMED = 0x01;

  private final Channel channel;
  private final PeerId remote;
  private volatile Handler<Buffer> handler = b -> {};
  private final Promise<Void> closed = Promise.promise();
  private final java.util.concurrent.atomic.AtomicLong bytesSent = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong bytesReceived = new java.util.concurrent.atomic.AtomicLong();

  private PeerTlsStream(Channel channel, PeerId remote) {
    this.channel = channel;
    this.remote = remote;
  }

  /**
   * Runs the TLS handshake on {@code channel} (client or server) and completes once the peer proved
   * {@code expected}; fails with the reason (peer id mismatch, handshake timeout, connection reset).
   */
  public static Future<PeerTlsStream> handshake(Channel channel, PeerIdentity me, PeerId expected, boolean client,
      long timeoutMs) {
    Promise<PeerTlsStream> done = Promise.promise();
    AtomicReference<PeerCertificateException> rejected = new AtomicReference<>();
    PeerTrustManager tm = new PeerTrustManager(PeerTrustManager.Policy.expect(expected), new PeerTrustManager.Listener() {
      @Override
      public void verified(SSLEngine engine, PeerId id) {}

      @Override
      public void rejected(SSLEngine engine, PeerCertificateException cause) {
        rejected.set(cause);
      }
    });
    SslContext ssl;
    try {
      PeerCertificate cert = PeerCertificates.current(me);
      SslContextBuilder b = client
          ? SslContextBuilder.forClient().keyManager(cert.tlsKey(), cert.certificate())
          : SslContextBuilder.forServer(cert.tlsKey(), cert.certificate()).clientAuth(ClientAuth.REQUIRE);
      ssl = b.sslProvider(SslProvider.JDK).protocols("TLSv1.3").trustManager(tm).build();
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    PeerTlsStream stream = new PeerTlsStream(channel, expected);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean confirmed = new java.util.concurrent.atomic.AtomicBoolean(!client);
    SslHandler tls = ssl.newHandler(channel.alloc());
    tls.setHandshakeTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    io.netty.util.concurrent.ScheduledFuture<?> confirmTimeout = channel.eventLoop().schedule(() -> {
      if (!done.future().isComplete()) {
        failure.compareAndSet(null, new java.util.concurrent.TimeoutException("no identity confirmation within " + timeoutMs + " ms"));
        channel.close();
      }
    }, timeoutMs, TimeUnit.MILLISECONDS);
    // Cancelled once decided: a task left scheduled would hold the channel, and the session, that long.
    done.future().onComplete(x -> confirmTimeout.cancel(false));
    channel.pipeline().addLast("tls", tls);
    channel.pipeline().addLast("data", new SimpleChannelInboundHandler<ByteBuf>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
        if (!confirmed.get()) {
          if (msg.readByte() != CONFIRMED) {
            failure.set(new IllegalStateException("the peer sent no identity confirmation"));
            ctx.close();
            return;
          }
          confirmed.set(true);
          done.tryComplete(stream);
          if (!msg.isReadable()) {
            return;
          }
        }
        byte[] bytes = new byte[msg.readableBytes()];
        msg.readBytes(bytes);
        stream.bytesReceived.addAndGet(bytes.length);
        stream.handler.handle(Buffer.buffer(bytes));
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failure.compareAndSet(null, cause);
        ctx.close();
      }
    });
    channel.closeFuture().addListener(f -> {
      stream.closed.tryComplete();
      Throwable why = failure.get();
      done.tryFail(rejected.get() != null ? rejected.get()
          : why != null ? new javax.net.ssl.SSLException("the peer closed the connection during the handshake: "
              + why.getMessage(), why)
          : new javax.net.ssl.SSLException("the peer closed the connection before confirming our identity"));
    });
    channel.config().setAutoRead(true); // the puncher connected with reads off until this pipeline existed
    tls.handshakeFuture().addListener(f -> {
      if (f.isSuccess()) {
        if (client) {
          return; // up once the server confirms (see the class comment)
        }
        channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {CONFIRMED}));
        done.tryComplete(stream);
      } else {
        PeerCertificateException why = rejected.get();
        channel.close();
        done.tryFail(why != null ? why : f.cause());
      }
    });
    return done.future();
  }

  public PeerId remotePeerId() {
    return remote;
  }

  public PeerTlsStream handler(Handler<Buffer> handler) {
    this.handler = handler == null ? b -> {} : handler;
    return this;
  }

  /** Writes and flushes; completes when the bytes are handed to the socket (back-pressure for callers). */
  public Future<Void> write(Buffer data) {
    Promise<Void> p = Promise.promise();
    bytesSent.addAndGet(data.length());
    channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(data.getBytes())).addListener(f -> {
      if (f.isSuccess()) {
        p.tryComplete();
      } else {
        p.tryFail(f.cause());
      }
    });
    return p.future();
  }

  /** Application bytes handed to {@link #write} so far (TLS framing not counted). */
  public long bytesSent() {
    return bytesSent.get();
  }

  /** Application bytes received so far, the identity confirmation not counted. */
  public long bytesReceived() {
    return bytesReceived.get();
  }

  public boolean isWritable() {
    return channel.isActive();
  }

  /** Sends TLS close_notify and closes the connection. */
  public Future<Void> close() {
    channel.close();
    return closed.future();
  }

  /** Completes when the connection is gone, whoever closed it. */
  public Future<Void> closeFuture() {
    return closed.future();
  }

  public java.net.SocketAddress remoteAddress() {
    return channel.remoteAddress();
  }
}
