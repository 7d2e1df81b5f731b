package io.p2pquic.puncher.ice.virtual;

import io.netty.buffer.Unpooled;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.DatagramKind;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/** A UDP socket on a {@link VirtualNetwork}: what it sends is routed in memory, through NATs. */
public final class VirtualUdpEndpoint implements UdpEndpoint, VirtualSocket {
  private final VirtualNetwork network;
  private final InetSocketAddress local;
  private volatile Handler<Datagram> stunHandler = d -> {};
  private volatile boolean closed;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();

  VirtualUdpEndpoint(VirtualNetwork network, InetSocketAddress local) {
    this.network = network;
    this.local = local;
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public Future<Void> send(Buffer data, InetSocketAddress to) {
    if (closed) {
      return Future.failedFuture(new IOException("virtual socket " + local + " is closed"));
    }
    sent.incrementAndGet();
    network.send(local, data.getBytes(), to);
    return Future.succeededFuture();
  }

  @Override
  public UdpEndpoint stunHandler(Handler<Datagram> handler) {
    this.stunHandler = handler;
    return this;
  }

  @Override
  public Future<Void> close() {
    closed = true;
    network.unbind(this);
    return Future.succeededFuture();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Datagrams delivered to this socket. */
  public long received() {
    return received.get();
  }

  public long sent() {
    return sent.get();
  }

  @Override
  public void deliver(byte[] data, InetSocketAddress from) {
    if (closed) {
      return;
    }
    received.incrementAndGet();
    if (DatagramKind.of(Unpooled.wrappedBuffer(data)) == DatagramKind.STUN) {
      stunHandler.handle(new Datagram(Buffer.buffer(data), from));
    }
  }

  @Override
  public String toString() {
    return "virtual UDP " + local;
  }
}
