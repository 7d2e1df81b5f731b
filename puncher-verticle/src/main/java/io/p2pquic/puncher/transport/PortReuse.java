package io.p2pquic.puncher.transport;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.net.StandardSocketOptions;

/**
 * TCP sockets that share one local port (TCP simultaneous open's listener and connects, and the
 * STUN-over-TCP query from that port): SO_REUSEADDR and SO_REUSEPORT on every one, for the channel
 * kind the Vert.x runs. Vert.x's TcpConfig does not reach a bootstrap of ours, and Netty's epoll
 * client sockets take no SO_REUSEPORT option at all, so on epoll it is set on the socket itself as the
 * channel is made; without it the second bind fails with EADDRINUSE.
 */
public final class PortReuse {
  private PortReuse() {}

  /** Client sockets of {@code vertx}'s transport with the port shared. */
  public static ChannelFactory<Channel> clientChannels(VertxInternal vertx) {
    ChannelFactory<? extends Channel> f = vertx.transport().channelFactory(false);
    return () -> reusePort(f.newChannel());
  }

  /** Listening sockets of {@code vertx}'s transport with the port shared. */
  public static ChannelFactory<ServerChannel> serverChannels(VertxInternal vertx) {
    ChannelFactory<? extends ServerChannel> f = vertx.transport().serverChannelFactory(false);
    return () -> reusePort(f.newChannel());
  }

  /** The options that go with those channels (NIO takes SO_REUSEPORT as an option). */
  public static <B extends AbstractBootstrap<B, ?>> B share(B bootstrap, VertxInternal vertx) {
    bootstrap.option(ChannelOption.SO_REUSEADDR, true);
    if (!vertx.isNativeTransportEnabled()) {
      bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
    }
    return bootstrap;
  }

  private static <C extends Channel> C reusePort(C ch) {
    if (ch instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
      try {
        socket.setReusePort(true);
      } catch (IOException e) {
        ch.unsafe().closeForcibly();
        throw new ChannelException("SO_REUSEPORT: " + e.getMessage(), e);
      }
    }
    return ch;
  }
}
