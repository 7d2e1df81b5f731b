package io.p2pquic.puncher.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.puncher.transport.PortReuse;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunTcpClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The socket side of TCP simultaneous open (RFC 793 section 3.4): one local port, reused (SO_REUSEADDR
 * and SO_REUSEPORT) for the STUN-over-TCP request that learns the NAT's mapping and then for the
 * connects towards the peer, so the NAT maps them alike (endpoint-independent mapping) and each side's
 * SYN meets the other's outbound state. The port also listens: a SYN that arrives before our own SYN
 * left (the NAT let it in: full cone, or no NAT) finds a listener instead of a reset, and that accepted
 * connection serves as well as a simultaneous open; whichever connection is established first wins.
 * Only the peer's candidate addresses are accepted. Nothing here blocks an event loop.
 */
public final class TcpSimultaneousOpen {
  private final VertxInternal vertx;
  private final MeterRegistry metrics;
  private final int port;
  private final InetAddress wildcard;
  private final Promise<SocketChannel> established;
  private volatile java.util.Set<InetAddress> peerIps = java.util.Set.of();
  private io.netty.channel.Channel listener;

  private TcpSimultaneousOpen(Vertx vertx, MeterRegistry metrics, int port, InetAddress wildcard) {
    this.vertx = (VertxInternal) vertx;
    this.metrics = metrics;
    this.port = port;
    this.wildcard = wildcard;
    this.established = this.vertx.getOrCreateContext().promise();
  }

  /** Picks a free local TCP port (bound and released at once, off the event loop). */
  public static Future<TcpSimultaneousOpen> open(Vertx vertx, MeterRegistry metrics) {
    return vertx.executeBlocking(() -> {
      try (ServerSocketChannel probe = ServerSocketChannel.open()) {
        probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        probe.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0));
        return ((InetSocketAddress) probe.getLocalAddress()).getPort();
      } catch (IOException e) {
        throw new IllegalStateException("no free TCP port: " + e.getMessage(), e);
      }
    }, false).map(p -> new TcpSimultaneousOpen(vertx, metrics, p, anyLocal()));
  }

  private static InetAddress anyLocal() {
    try {
      return InetAddress.getByAddress(new byte[4]);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  /**
   * Listens on the port (reused, like the connects): accepted connections from the peer's addresses
   * ({@link #expectPeer}) are established connections; any other is closed at once and counted.
   */
  public Future<Void> listen() {
    ContextInternal context = vertx.getOrCreateContext();
    io.netty.bootstrap.ServerBootstrap b = new io.netty.bootstrap.ServerBootstrap()
        .group(context.nettyEventLoop(), context.nettyEventLoop())
        .channelFactory(PortReuse.serverChannels(vertx));
    PortReuse.share(b, vertx)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<io.netty.channel.Channel>() {
          @Override
          protected void initChannel(io.netty.channel.Channel ch) {
            InetSocketAddress from = (InetSocketAddress) ch.remoteAddress();
            if (!peerIps.contains(from.getAddress())) {
              metrics.counter("p2p.tcp.refused", "reason", "not-the-peer").increment();
              ch.close();
            } else if (!established.tryComplete((SocketChannel) ch)) {
              ch.close();
            }
          }
        });
    Promise<Void> bound = context.promise();
    b.bind(new InetSocketAddress(wildcard, port)).addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        listener = f.channel();
        bound.complete();
      } else {
        bound.fail(f.cause());
      }
    });
    established.future().onComplete(x -> close());
    return bound.future();
  }

  /** The peer's candidate addresses: the only sources the listener accepts. */
  public void expectPeer(List<InetSocketAddress> candidates) {
    peerIps = java.util.Set.copyOf(candidates.stream().map(InetSocketAddress::getAddress).toList());
  }

  /** Completes with the first established connection (connected or accepted). */
  public Future<SocketChannel> established() {
    return established.future();
  }

  /** Stops listening (an established connection stays). */
  public void close() {
    if (listener != null) {
      listener.close();
    }
  }

  /** The server-reflexive address: a STUN Binding over TCP from this port (RFC 8489 6.2.2). */
  public Future<InetSocketAddress> reflexive(InetSocketAddress stunServer, Duration timeout) {
    return new StunTcpClient(vertx, metrics).bindingOverTcp(stunServer, port, timeout);
  }

  /** The host address of this port as the route to {@code towards} leaves (off the event loop). */
  public Future<InetSocketAddress> host(InetSocketAddress towards) {
    return vertx.executeBlocking(() -> new InetSocketAddress(SocketAddresses.routeSource(towards), port), false);
  }

  /**
   * Connects from this port to every target at once; completes with the first connection established
   * (connected, or accepted by the listener meanwhile; the others are closed), or fails when every
   * connect failed or timed out without one.
   */
  public Future<SocketChannel> connect(List<InetSocketAddress> targets, Duration timeout) {
    ContextInternal context = vertx.getOrCreateContext();
    if (established.future().isComplete()) {
      return established.future();
    }
    Promise<SocketChannel> first = context.promise();
    established.future().onSuccess(first::tryComplete);
    if (targets.isEmpty()) {
      first.tryFail("no address of the peer to connect to");
      return first.future();
    }
    List<ChannelFuture> attempts = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    List<String> reasons = java.util.Collections.synchronizedList(new ArrayList<>());
    for (InetSocketAddress target : targets) {
      Bootstrap b = new Bootstrap().group(context.nettyEventLoop()).channelFactory(PortReuse.clientChannels(vertx));
      PortReuse.share(b, vertx)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
          .option(ChannelOption.TCP_NODELAY, true)
          // Nothing is read until the TLS session is installed: a ClientHello read into an empty
          // pipeline would be lost.
          .option(ChannelOption.AUTO_READ, false)
          .handler(new ChannelInitializer<io.netty.channel.Channel>() {
            @Override
            protected void initChannel(io.netty.channel.Channel ch) {
              // handlers come with the TLS session that adopts the channel
            }
          });
      ChannelFuture f = b.connect(target, new InetSocketAddress(wildcard, port));
      attempts.add(f);
      f.addListener(x -> {
        if (f.isSuccess()) {
          if (established.tryComplete((SocketChannel) f.channel())) {
            attempts.stream().filter(o -> o != f).forEach(o -> o.channel().close());
          } else if (established.future().result() != f.channel()) {
            f.channel().close();
          }
        } else {
          reasons.add(SocketAddresses.format(target) + ": " + rootMessage(f.cause()));
          if (failed.incrementAndGet() == targets.size()) {
            first.tryFail(String.join("; ", reasons));
          }
        }
      });
    }
    return first.future();
  }

  private static String rootMessage(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.replaceFirst("^[^:]*: /?[0-9a-f.:]+: ", "");
  }
}
