package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetSocketAddress;

/** A {@link UdpEndpoint} on a Vert.x DatagramSocket: STUN only (discovery probes, tests). */
public final class VertxUdpEndpoint implements UdpEndpoint {
  private final DatagramSocket socket;
  private final InetSocketAddress local;
  private final MeterRegistry metrics;
  private volatile Handler<Datagram> stunHandler = d -> {};

  private VertxUdpEndpoint(DatagramSocket socket, MeterRegistry metrics) {
    this.socket = socket;
    this.local = SocketAddresses.toInet(socket.localAddress());
    this.metrics = metrics;
    socket.handler(p -> {
      Datagram d = new Datagram(p.data(), SocketAddresses.toInet(p.sender()));
      if (DatagramKind.of(Unpooled.wrappedBuffer(p.data().getBytes())) == DatagramKind.STUN) {
        stunHandler.handle(d);
      } else {
        metrics.counter("p2p.udp.dropped", "kind", "not-stun").increment();
      }
    });
  }

  /** Binds {@code host:port} (an IP literal; port 0 for any). */
  public static Future<VertxUdpEndpoint> bind(Vertx vertx, String host, int port, MeterRegistry metrics) {
    boolean v6 = host.indexOf(':') >= 0;
    return vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(v6))
        .listen(port, host)
        .map(s -> new VertxUdpEndpoint(s, metrics));
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public Future<Void> send(Buffer data, InetSocketAddress to) {
    return socket.send(data, to.getPort(), to.getAddress().getHostAddress());
  }

  @Override
  public UdpEndpoint stunHandler(Handler<Datagram> handler) {
    this.stunHandler = handler;
    return this;
  }

  @Override
  public Future<Void> close() {
    return socket.close();
  }
}
