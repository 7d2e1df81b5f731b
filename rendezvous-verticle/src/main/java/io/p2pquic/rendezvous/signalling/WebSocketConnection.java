package io.p2pquic.rendezvous.signalling;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;

/** The WebSocket transport of signalling: one JSON object per text frame. */
final class WebSocketConnection implements SignallingConnection {
  private final ServerWebSocket ws;

  WebSocketConnection(ServerWebSocket ws) {
    this.ws = ws;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    SocketAddress a = ws.remoteAddress();
    if (a == null) {
      return null;
    }
    String host = a.hostAddress() != null ? a.hostAddress() : a.host();
    return host == null ? null : new InetSocketAddress(host, a.port());
  }

  @Override
  public String transport() {
    return "ws";
  }

  @Override
  public boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public boolean writeQueueFull() {
    return ws.writeQueueFull();
  }

  @Override
  public void writeText(String text) {
    ws.writeTextMessage(text);
  }

  @Override
  public void pauseUntilDrained() {
    ws.pause();
    ws.drainHandler(v -> ws.resume());
  }

  @Override
  public void close(short code, String reason) {
    ws.close(code, reason);
  }
}
