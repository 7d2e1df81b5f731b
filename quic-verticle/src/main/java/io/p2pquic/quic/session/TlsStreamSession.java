package io.p2pquic.quic.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.quic.PeerTlsStream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer session on a TLS-over-TCP stream (method tcp): the same event-bus addresses as a QUIC
 * {@link PeerSession} (send, data with header {@code stream} = 0, close, and the closed event), so a
 * service cannot tell the two apart. One byte stream; echo mode sends back what arrives.
 */
public final class TlsStreamSession implements LiveSession {
  private final Vertx vertx;
  private final PeerId local;
  private final String sessionId;
  private final PeerTlsStream stream;
  private final boolean echo;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final long startedAtMillis = System.currentTimeMillis();
  private volatile boolean open = true;

  TlsStreamSession(Vertx vertx, PeerId local, String sessionId, PeerTlsStream stream, boolean echo) {
    this.vertx = vertx;
    this.local = local;
    this.sessionId = sessionId;
    this.stream = stream;
    this.echo = echo;
  }

  /** Registers the session's addresses (cluster-wide when clustered); completes once they are. */
  Future<Void> start() {
    DeliveryOptions headers = new DeliveryOptions().addHeader("stream", "0");
    stream.handler(data -> {
      vertx.eventBus().publish(Addresses.sessionData(local, sessionId), data, headers);
      if (echo && stream.isWritable()) {
        stream.write(data);
      }
    });
    consumers.add(vertx.eventBus().<Buffer>consumer(Addresses.sessionSend(local, sessionId), msg ->
        stream.write(msg.body())
            .onSuccess(v -> msg.reply(new JsonObject()))
            .onFailure(err -> msg.fail(500, "send on session " + sessionId + " failed: " + err.getMessage()))));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.sessionClose(local, sessionId), msg ->
        close(msg.body() == null ? "closed by a local service" : msg.body().getString("reason", "closed"))
            .onComplete(ar -> msg.reply(new JsonObject()))));
    stream.closeFuture().onComplete(x -> {
      open = false;
      consumers.forEach(MessageConsumer::unregister);
      vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject()
          .put("type", "closed").put("sessionId", sessionId).put("localPeer", local.value())
          .put("peer", stream.remotePeerId().value()).put("reason", closeReason));
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private volatile String closeReason = "the TCP connection closed";

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public PeerId remotePeer() {
    return stream.remotePeerId();
  }

  @Override
  public String method() {
    return "tcp";
  }

  @Override
  public long startedAtMillis() {
    return startedAtMillis;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public Future<TrafficCounters> traffic() {
    return Future.succeededFuture(new TrafficCounters(stream.bytesSent(), stream.bytesReceived(), null));
  }

  /** Closes the TCP connection (TLS close_notify; TCP carries no reason, the closed event here does). */
  @Override
  public Future<Void> close(String reason) {
    if (open) {
      closeReason = reason;
    }
    return stream.close();
  }
}
