package io.p2pquic.examples;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The receiving side of the file transfer, on a peer of this JVM: it decides which incoming sessions to
 * accept ({@code p2p.peer.incoming}), reads one file from each accepted session's {@code .data}, and answers
 * on the session's {@code .send} with a one-line JSON receipt once the file is verified on disk.
 */
public final class FileReceiver {
  private final Vertx vertx;
  private final PeerId local;
  private final Path outDir;
  private final Set<String> acceptFrom;
  private final Map<String, IncomingFile> incoming = new HashMap<>();
  private Handler<JsonObject> fileHandler = r -> { };
  private MessageConsumer<JsonObject> offers;
  private MessageConsumer<JsonObject> events;

  private FileReceiver(Vertx vertx, PeerId local, Path outDir, Set<String> acceptFrom) {
    this.vertx = vertx;
    this.local = local;
    this.outDir = outDir;
    this.acceptFrom = acceptFrom;
  }

  /**
   * Starts receiving for {@code local} (a peer deployed in this Vert.x).
   *
   * @param acceptFrom peer ids whose sessions are accepted; empty: everyone
   */
  public static Future<FileReceiver> start(Vertx vertx, PeerId local, Path outDir, Set<String> acceptFrom) {
    FileReceiver receiver = new FileReceiver(vertx, local, outDir, acceptFrom);
    Promise<FileReceiver> started = Promise.promise();
    // One context for every handler below: the map of sessions is then only touched by one thread.
    vertx.getOrCreateContext().runOnContext(v -> receiver.listen().map(receiver).onComplete(started));
    return started.future();
  }

  /** Called with each file's receipt ({@code "ok"} true or false) after the sender closed the session. */
  public FileReceiver fileHandler(Handler<JsonObject> handler) {
    this.fileHandler = handler;
    return this;
  }

  public Future<Void> stop() {
    return Future.join(offers.unregister(), events.unregister()).mapEmpty();
  }

  private Future<Void> listen() {
    // p2p.peer.incoming is asked in the peer's own JVM only (a local consumer): when a service consumes it,
    // it decides instead of the peer's acceptFrom setting. Without a reply within 5 s the offer is refused.
    offers = vertx.eventBus().localConsumer(Addresses.PEER_INCOMING, this::onOffer);
    // Session events tell us when a sender closed its session (its receipt has arrived then).
    events = vertx.eventBus().localConsumer(Addresses.SESSION_EVENTS, this::onEvent);
    return Future.all(offers.completion(), events.completion()).mapEmpty();
  }

  private void onOffer(Message<JsonObject> offer) {
    String sessionId = offer.body().getString("sessionId");
    String peer = offer.body().getString("peer");
    if (!acceptFrom.isEmpty() && !acceptFrom.contains(peer)) {
      offer.reply(new JsonObject().put("accept", false)); // the sender's connect fails with code 403 (rejected)
      return;
    }
    IncomingFile file = new IncomingFile(vertx, outDir);
    incoming.put(sessionId, file);
    // Subscribe to the session's data before accepting: the sender may start at once, and .data is
    // published, so bytes published before the consumer exists would be lost.
    MessageConsumer<Buffer> data = vertx.eventBus().localConsumer(Addresses.sessionData(local, sessionId),
        m -> file.onData(m.body()));
    data.completion().onComplete(ar -> offer.reply(new JsonObject().put("accept", ar.succeeded())));
    file.receipt().compose(receipt -> {
      data.unregister();
      // The receipt goes back on the same stream; the reply to .send says it is written.
      return vertx.eventBus().request(Addresses.sessionSend(local, sessionId), Buffer.buffer(receipt.encode() + "\n"));
    }).onFailure(err -> incoming.remove(sessionId));
  }

  private void onEvent(Message<JsonObject> m) {
    JsonObject e = m.body();
    if (!"closed".equals(e.getString("type")) || !local.value().equals(e.getString("localPeer"))) {
      return;
    }
    IncomingFile file = incoming.remove(e.getString("sessionId"));
    if (file != null) {
      file.onClosed(e.getString("reason", "closed"));
      file.receipt().onSuccess(receipt -> fileHandler.handle(receipt.copy().put("from", e.getString("peer"))));
    }
  }
}
