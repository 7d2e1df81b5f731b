package io.p2pquic.node.bridge;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON twins of a peer's session addresses, for the TCP event-bus bridge, whose JSON frames cannot
 * carry the Buffer bodies of {@code p2p.session.<me>.<id>.send|data} (docs/bridge.md).
 *
 * <ul>
 *   <li>{@code p2p.bridge.session.<me>.<id>.send}: {@code {"data":"<base64>"}}, at most
 *       {@link #MAX_SEND_BYTES} decoded bytes; written through the session's own {@code .send}, and
 *       answered {@code {"bytes":n}} once written (so waiting for the reply is back-pressure). 400 for a
 *       body that is not {@code {"data": base64}}, 413 for one over the limit.
 *   <li>{@code p2p.bridge.session.<me>.<id>.data}: every Buffer of the session's {@code .data} published as
 *       {@code {"data":"<base64>","stream":n}}, split into pieces of at most {@link #MAX_SEND_BYTES}.
 * </ul>
 *
 * Both exist for every session of this peer from its {@code connected} event to its {@code closed} event.
 * Node-local: the bridge that uses them runs in this JVM.
 */
public final class BridgeDataFacade {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BridgeDataFacade.class);
  /** Decoded bytes per send request and per published piece: bounds a frame to about 88 KB of JSON. */
  public static final int MAX_SEND_BYTES = 64 * 1024;
  /** Base64 length of {@link #MAX_SEND_BYTES} (padded): longer text is refused before it is decoded. */
  static final int MAX_SEND_BASE64 = (MAX_SEND_BYTES + 2) / 3 * 4;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final PeerId local;
  private final Map<String, List<MessageConsumer<?>>> bySession = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> events;

  public BridgeDataFacade(Vertx vertx, PeerId local) {
    this.vertx = vertx;
    this.local = local;
  }

  /** Serves the sessions already up ({@code liveSessionIds}) and every later one of this peer. */
  public Future<Void> start(Collection<String> liveSessionIds) {
    events = vertx.eventBus().localConsumer(Addresses.SESSION_EVENTS, m -> {
      JsonObject e = m.body();
      if (e == null || !local.value().equals(e.getString("localPeer"))) {
        return;
      }
      String sessionId = e.getString("sessionId");
      if ("connected".equals(e.getString("type"))) {
        attach(sessionId);
      } else if ("closed".equals(e.getString("type"))) {
        detach(sessionId);
      }
    });
    liveSessionIds.forEach(this::attach);
    return events.completion();
  }

  public Future<Void> stop() {
    bySession.keySet().forEach(this::detach);
    return events == null ? Future.succeededFuture() : events.unregister();
  }

  private void attach(String sessionId) {
    if (sessionId == null || bySession.containsKey(sessionId)) {
      return;
    }
    List<MessageConsumer<?>> consumers = new ArrayList<>(2);
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.bridgeSessionSend(local, sessionId),
        m -> send(sessionId, m)));
    consumers.add(vertx.eventBus().<Buffer>localConsumer(Addresses.sessionData(local, sessionId),
        m -> publish(sessionId, m)));
    bySession.put(sessionId, consumers);
  }

  private void detach(String sessionId) {
    List<MessageConsumer<?>> consumers = bySession.remove(sessionId);
    if (consumers != null) {
      consumers.forEach(MessageConsumer::unregister);
    }
  }

  private void send(String sessionId, Message<Object> msg) {
    Object data = msg.body() instanceof JsonObject body ? body.getValue("data") : null;
    if (!(data instanceof String text)) {
      msg.fail(400, "body must be {\"data\": \"<base64>\"} (standard base64, at most " + MAX_SEND_BYTES
          + " bytes decoded)");
      return;
    }
    // The text is bounded before it is decoded; the decoded length is checked after, because the last
    // base64 group of MAX_SEND_BYTES is partial and one more byte still fits in it.
    if (text.length() > MAX_SEND_BASE64) {
      tooLarge(msg, text.length() / 4 * 3);
      return;
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      msg.fail(400, "data is not standard base64: " + e.getMessage());
      return;
    }
    if (bytes.length > MAX_SEND_BYTES) {
      tooLarge(msg, bytes.length);
      return;
    }
    vertx.eventBus().request(Addresses.sessionSend(local, sessionId), Buffer.buffer(bytes))
        .onSuccess(r -> msg.reply(new JsonObject().put("bytes", bytes.length)))
        .onFailure(err -> msg.fail(err instanceof ReplyException re && re.failureCode() > 0 ? re.failureCode() : 500,
            err.getMessage()));
  }

  private static void tooLarge(Message<?> msg, int bytes) {
    msg.fail(413, "data too large: about " + bytes + " bytes, at most " + MAX_SEND_BYTES
        + " per request: split it into several requests");
  }

  private void publish(String sessionId, Message<Buffer> msg) {
    Buffer data = msg.body();
    long stream = streamOf(msg);
    String address = Addresses.bridgeSessionData(local, sessionId);
    for (int at = 0; at < data.length(); at += MAX_SEND_BYTES) {
      byte[] piece = data.getBytes(at, Math.min(data.length(), at + MAX_SEND_BYTES));
      vertx.eventBus().publish(address,
          new JsonObject().put("data", Base64.getEncoder().encodeToString(piece)).put("stream", stream), LOCAL);
    }
  }

  private static long streamOf(Message<?> msg) {
    String header = msg.headers().get("stream");
    try {
      return header == null ? 0 : Long.parseLong(header);
    } catch (NumberFormatException e) {
      LOG.debug("session data with a stream header that is not a number: {}", header);
      return 0;
    }
  }
}
