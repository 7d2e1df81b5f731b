package io.p2pquic.quic.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.quic.QuicPeerConnection;
import io.p2pquic.quic.QuicPeerStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One peer session on top of a QUIC connection: a default bidirectional stream (opened by the dialing
 * side right after the handshake, accepted as the first incoming stream by the other), the
 * event-bus addresses of docs/api.md, and, in echo mode, every byte received sent back.
 */
public final class PeerSession {
  private final Vertx vertx;
  private final PeerId local;
  private final String sessionId;
  private final QuicPeerConnection connection;
  private final boolean echo;
  private final Promise<QuicPeerStream> defaultStream = Promise.promise();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  PeerSession(Vertx vertx, PeerId local, String sessionId, QuicPeerConnection connection, boolean echo) {
    this.vertx = vertx;
    this.local = local;
    this.sessionId = sessionId;
    this.connection = connection;
    this.echo = echo;
  }

  /**
   * Opens or awaits the default stream and registers the session's addresses; completes once they
   * are registered, which on a clustered Vert.x means listed in the cluster's subscription registry,
   * so a service on another node that learns the session id can use them at once.
   */
  Future<Void> start() {
    connection.streamHandler(stream -> {
      attach(stream);
      defaultStream.tryComplete(stream);
    });
    if (connection.isClient()) {
      connection.openBidiStream().onSuccess(s -> {
        attach(s);
        defaultStream.tryComplete(s);
      }).onFailure(defaultStream::tryFail);
    }
    // consumer(), not localConsumer(): the addresses name this peer and session, so they are
    // cluster-wide when Vert.x is clustered (Buffer and JsonObject bodies cross the cluster).
    consumers.add(vertx.eventBus().<Buffer>consumer(Addresses.sessionSend(local, sessionId), msg ->
        defaultStream.future().compose(s -> s.write(msg.body()))
            .onSuccess(v -> msg.reply(new JsonObject()))
            .onFailure(err -> msg.fail(500, "send on session " + sessionId + " failed: " + err.getMessage()))));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.sessionClose(local, sessionId), msg ->
        close(msg.body() == null ? "closed by a local service" : msg.body().getString("reason", "closed"))
            .onComplete(ar -> msg.reply(new JsonObject()))));
    // Control datagrams of the session's method (DCUtR): node-local both ways, never the user's streams.
    DeliveryOptions localOnly = new DeliveryOptions().setLocalOnly(true);
    connection.datagramHandler(data -> vertx.eventBus().publish(Addresses.sessionControlIn(local, sessionId), data, localOnly));
    consumers.add(vertx.eventBus().<Buffer>localConsumer(Addresses.sessionControl(local, sessionId), msg ->
        connection.sendDatagram(msg.body().copy())
            .onSuccess(v -> msg.reply(new JsonObject()))
            .onFailure(err -> msg.fail(500, "control datagram on session " + sessionId + " not sent: " + err.getMessage()))));
    connection.closeHandler(reason -> {
      consumers.forEach(MessageConsumer::unregister);
      vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject()
          .put("type", "closed").put("sessionId", sessionId).put("localPeer", local.value())
          .put("peer", remotePeer().value())
          .put("reason", String.valueOf(reason)));
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void attach(QuicPeerStream stream) {
    DeliveryOptions headers = new DeliveryOptions().addHeader("stream", Long.toString(stream.id()));
    stream.handler(data -> {
      vertx.eventBus().publish(Addresses.sessionData(local, sessionId), data, headers);
      if (echo && stream.isWritable()) {
        stream.write(data);
      }
    });
    stream.endHandler(v -> {
      if (echo && stream.isWritable()) {
        stream.end();
      }
    });
  }

  public String sessionId() {
    return sessionId;
  }

  public PeerId remotePeer() {
    return connection.remotePeerId();
  }

  public QuicPeerConnection connection() {
    return connection;
  }

  /** The session's default bidirectional stream (for code in the same JVM: a ReadStream/WriteStream). */
  public Future<QuicPeerStream> defaultStream() {
    return defaultStream.future();
  }

  public Future<Void> close(String reason) {
    return connection.close(0, reason);
  }
}
