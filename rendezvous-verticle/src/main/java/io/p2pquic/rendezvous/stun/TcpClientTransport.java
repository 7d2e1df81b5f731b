package io.p2pquic.rendezvous.stun;

import io.p2pquic.rendezvous.turn.AllocationKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * The way back to a TURN client over its TCP connection. A connection that does not drain its write
 * queue loses relayed data (counted by the relay) instead of growing the queue without bound.
 */
final class TcpClientTransport extends KeyedClientTransport {
  private final NetSocket socket;

  TcpClientTransport(NetSocket socket, AllocationKey key) {
    super(key);
    this.socket = socket;
  }

  @Override
  public boolean send(Buffer message) {
    if (socket.writeQueueFull()) {
      return false;
    }
    socket.write(message);
    return true;
  }

  @Override
  public void close() {
    socket.close();
  }
}
