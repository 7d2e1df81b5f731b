package io.p2pquic.puncher.stun;

import io.p2pquic.puncher.transport.PortReuse;
import io.p2pquic.api.net.SocketAddresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunStreamFramer;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.TransactionId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One STUN request over TCP (RFC 8489 section 6.2.2): connect, send, read frames (20-byte header
 * plus the length it announces) until the response with our transaction id, close.
 *
 * <p>The connection may be bound to a chosen local port with SO_REUSEADDR and SO_REUSEPORT set, so the
 * same port can later be used for a listener and for outbound connects at once (TCP simultaneous
 * open, RFC 793 section 3.4). Vert.x's NetClient cannot bind a local port, so this uses a Netty
 * bootstrap on the Vert.x event loop with the Vert.x transport's channel factory; nothing blocks.
 *
 * <p>Error responses complete {@link #request} (the caller decides); {@link #bindingOverTcp} fails
 * with {@link StunErrorResponseException}. No response within the timeout (RFC 8489 Ti, 39.5 s by
 * default) fails with {@link StunTimeoutException}.
 *
 * <p>Metrics: {@code p2p.stun.client.tcp.transactions}, {@code p2p.stun.client.tcp.failures{reason}}.
 */
public final class StunTcpClient {
  private static final Logger LOG = LoggerFactory.getLogger(StunTcpClient.class);
  /** RFC 8489 Ti: how long a TCP transaction waits for its response. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(39_500);

  private final VertxInternal vertx;
  private final MeterRegistry registry;
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final Counter transactions;
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();

  public StunTcpClient(Vertx vertx, MeterRegistry registry) {
    this.vertx = (VertxInternal) vertx;
    this.registry = registry;
    this.transactions = registry.counter("p2p.stun.client.tcp.transactions");
  }

  /** A Binding request over a fresh TCP connection from an ephemeral port; the mapped address. */
  public Future<InetSocketAddress> bindingOverTcp(InetSocketAddress server) {
    return bindingOverTcp(server, null);
  }

  /**
   * A Binding request over TCP from {@code localPort} (null or 0: ephemeral) on the wildcard address
   * of the server's family; the mapped address.
   */
  public Future<InetSocketAddress> bindingOverTcp(InetSocketAddress server, Integer localPort) {
    return bindingOverTcp(server, localPort, DEFAULT_TIMEOUT);
  }

  public Future<InetSocketAddress> bindingOverTcp(InetSocketAddress server, Integer localPort, Duration timeout) {
    InetSocketAddress local = null;
    if (localPort != null && localPort != 0) {
      local = new InetSocketAddress(wildcardFor(server), localPort);
    }
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build();
    return request(server, req, local, timeout).compose(r -> r.isSuccess() && r.mappedAddress().isPresent()
        ? Future.succeededFuture(r.mappedAddress().get())
        : Future.failedFuture(new StunErrorResponseException(server, r)));
  }

  /**
   * Sends {@code request} over a new TCP connection to {@code server}, bound to {@code localAddress}
   * when given (with address and port reuse), and completes with the first response carrying its
   * transaction id.
   */
  public Future<StunResponse> request(
      InetSocketAddress server, StunMessage request, InetSocketAddress localAddress, Duration timeout) {
    if (server == null || server.isUnresolved()) {
      return Future.failedFuture(new IllegalArgumentException("server must be a resolved address: " + server));
    }
    if (request.messageClass() != StunClass.REQUEST) {
      return Future.failedFuture(new IllegalArgumentException("not a request: " + request.type()));
    }
    transactions.increment();
    ContextInternal context = vertx.getOrCreateContext();
    Promise<StunResponse> promise = context.promise();
    byte[] bytes = encoder.encodeToBytes(request);
    long start = System.nanoTime();

    Bootstrap b = new Bootstrap()
        .group(context.nettyEventLoop())
        .channelFactory(PortReuse.clientChannels(vertx));
    PortReuse.share(b, vertx)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    ResponseReader reader = new ResponseReader(server, request.transactionId(), promise, start);
    b.handler(reader);
    ChannelFuture connect = localAddress != null ? b.connect(server, localAddress) : b.connect(server);
    Channel channel = connect.channel();
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        reader.fail("connect", new StunException(server,
            "TCP connect to " + SocketAddresses.format(server)
                + (localAddress != null ? " from " + SocketAddresses.format(localAddress) : "")
                + " failed: " + f.cause().getMessage(), f.cause()));
        return;
      }
      reader.sentNanos = System.nanoTime();
      channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(w -> {
        if (!w.isSuccess()) {
          reader.fail("write", new StunException(server, "TCP write to " + SocketAddresses.format(server)
              + " failed: " + w.cause().getMessage(), w.cause()));
          channel.close();
        }
      });
    });
    long timer = context.setTimer(timeout.toMillis(), id -> {
      if (reader.fail("timeout", new StunTimeoutException(server, "TCP", 1, (System.nanoTime() - start) / 1_000_000))) {
        channel.close();
      }
    });
    return promise.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      channel.close();
    });
  }

  private void countFailure(String reason) {
    failures.computeIfAbsent(reason, r -> registry.counter("p2p.stun.client.tcp.failures", "reason", r)).increment();
  }

  private static InetAddress wildcardFor(InetSocketAddress server) {
    try {
      return server.getAddress() instanceof Inet6Address
          ? InetAddress.getByAddress(new byte[16])
          : InetAddress.getByAddress(new byte[4]);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accumulates the stream and cuts it into STUN frames; completes on our transaction id. */
  private final class ResponseReader extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress server;
    private final TransactionId tid;
    private final Promise<StunResponse> promise;
    private final long start;
    private final java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
    private final StunStreamFramer framer = new StunStreamFramer(false, StunStreamFramer.MAX_STUN_FRAME);
    volatile long sentNanos;

    /** Fails the request once (counting the reason first); false when it was already settled. */
    boolean fail(String reason, Throwable cause) {
      if (!settled.compareAndSet(false, true)) {
        return false;
      }
      countFailure(reason);
      promise.fail(cause);
      return true;
    }

    void complete(StunResponse response) {
      if (settled.compareAndSet(false, true)) {
        promise.complete(response);
      }
    }

    ResponseReader(InetSocketAddress server, TransactionId tid, Promise<StunResponse> promise, long start) {
      this.server = server;
      this.tid = tid;
      this.promise = promise;
      this.start = start;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      String notStun;
      try {
        notStun = framer.feed(in, bytes -> onFrame(ctx, bytes));
      } finally {
        in.release();
      }
      if (notStun != null) {
        fail("not-stun", new StunException(server, "TCP peer " + SocketAddresses.format(server)
            + " sent something that is not STUN", null));
        ctx.close();
      }
    }

    private void onFrame(ChannelHandlerContext ctx, byte[] bytes) {
      if (settled.get()) {
        return;
      }
      StunMessage m;
      try {
        m = decoder.decode(bytes);
      } catch (StunDecodeException e) {
        fail("malformed", new StunException(server, "malformed STUN frame from "
            + SocketAddresses.format(server) + " over TCP: " + e.getMessage(), e));
        ctx.close();
        return;
      }
      if (m.messageClass().isResponse() && m.transactionId().equals(tid)) {
        long now = System.nanoTime();
        complete(new StunResponse(
            m, server, Duration.ofNanos(now - sentNanos), Duration.ofNanos(now - start), 1));
        ctx.close();
        return;
      }
      LOG.debug("ignoring {} from {} over TCP (not our transaction)", m.type(), server);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      release();
      fail("closed", new StunException(server, "TCP connection to " + SocketAddresses.format(server)
          + " closed before a STUN response arrived", null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail("io-error", new StunException(server, "TCP error with " + SocketAddresses.format(server)
          + ": " + cause.getMessage(), cause));
      ctx.close();
    }

    private void release() {
      framer.release();
    }
  }
}
