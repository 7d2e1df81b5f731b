package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetSocketAddress;

/**
 * A {@link UdpEndpoint} on a Vert.x DatagramSocket: STUN only (discovery probes, tests). Relays work
 * too, for STUN payloads (relayed checks); other relayed payloads are dropped as direct ones are.
 */
public final class VertxUdpEndpoint extends DemultiplexingUdpEndpoint {
  private final DatagramSocket socket;
  private final InetSocketAddress local;
  private final MeterRegistry metrics;

  private VertxUdpEndpoint(DatagramSocket socket, MeterRegistry metrics) {
    super(new Relays(metrics));
    this.socket = socket;
    this.local = SocketAddresses.toInet(socket.localAddress());
    this.metrics = metrics;
    socket.handler(p -> {
      InetSocketAddress sender = SocketAddresses.toInet(p.sender());
      ByteBuf content = Unpooled.wrappedBuffer(p.data().getBytes());
      RelayTransport relay = relays.from(sender);
      if (relay != null) {
        RelayInbound r = relay.unwrap(content);
        if (r instanceof RelayInbound.Data d) {
          relays.inbound.increment();
          try {
            deliver(Buffer.buffer(ByteBufUtil.getBytes(d.payload())), d.payload(), d.peer(), relay.relayedAddress());
          } finally {
            d.payload().release();
          }
          return;
        }
        if (r instanceof RelayInbound.Drop) {
          relays.dropped.increment();
          return;
        }
      }
      deliver(p.data(), content, sender, null);
    });
  }

  /** STUN only: relayed QUIC has nowhere to go on this socket and is dropped like direct QUIC. */
  private void deliver(Buffer data, ByteBuf content, InetSocketAddress sender, InetSocketAddress relayed) {
    if (DatagramKind.of(content) == DatagramKind.STUN) {
      deliverStun(new Datagram(data, sender, relayed));
    } else {
      metrics.counter("p2p.udp.dropped", "kind", "not-stun").increment();
    }
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
  public Future<Void> close() {
    return socket.close();
  }
}
