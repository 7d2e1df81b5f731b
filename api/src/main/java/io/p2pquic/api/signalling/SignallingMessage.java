package io.p2pquic.api.signalling;

import io.p2pquic.api.signalling.frame.ServerFrame;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A relayed signalling message as a peer receives it: {@code {"type":"offer","from":"pq1...",
 * "body":{...}}}. {@code from} was set by the rendezvous from the sender's authenticated
 * connection; for messages a cluster service sent it is {@code "service:<name>"} and
 * {@code origin} is {@code "service"}.
 *
 * <p>It is also the {@link ServerFrame} {@link io.p2pquic.api.signalling.frame.ServerFrameDecoder} decodes a
 * relayed message to; equality is that of the wire form.
 */
public final class SignallingMessage implements ServerFrame {

  private final String type;
  private final String from;
  private final boolean fromService;
  private final JsonObject body;

  public SignallingMessage(String type, String from, boolean fromService, JsonObject body) {
    this.type = Objects.requireNonNull(type, "type");
    this.from = Objects.requireNonNull(from, "from");
    this.fromService = fromService;
    this.body = body == null ? new JsonObject() : body;
  }

  /** Parses a received frame; throws IllegalArgumentException if type/from are missing. */
  public static SignallingMessage fromJson(JsonObject json) {
    Object type = json.getValue(SignallingProtocol.F_TYPE);
    Object from = json.getValue(SignallingProtocol.F_FROM);
    Object body = json.getValue(SignallingProtocol.F_BODY);
    if (!(type instanceof String) || !(from instanceof String)) {
      throw new IllegalArgumentException("relayed message needs string \"type\" and \"from\"");
    }
    if (body != null && !(body instanceof JsonObject)) {
      throw new IllegalArgumentException("\"body\" must be an object");
    }
    boolean service = SignallingProtocol.ORIGIN_SERVICE.equals(json.getValue(SignallingProtocol.F_ORIGIN));
    return new SignallingMessage((String) type, (String) from, service, (JsonObject) body);
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put(SignallingProtocol.F_TYPE, type).put(SignallingProtocol.F_FROM, from);
    if (fromService) {
      j.put(SignallingProtocol.F_ORIGIN, SignallingProtocol.ORIGIN_SERVICE);
    }
    return j.put(SignallingProtocol.F_BODY, body);
  }

  /** {@code offer}, {@code answer}, {@code candidate}, ... */
  @Override
  public String type() {
    return type;
  }

  /** The raw {@code from}: a peer id, or {@code service:<name>}. */
  public String from() {
    return from;
  }

  /** The sending peer, or null when a cluster service sent the message. */
  public PeerId fromPeer() {
    return fromService ? null : PeerId.tryParse(from);
  }

  /** Whether a cluster service (not a peer) sent it. */
  public boolean isFromService() {
    return fromService;
  }

  public JsonObject body() {
    return body;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignallingMessage m && type.equals(m.type) && from.equals(m.from) && fromService == m.fromService
        && body.equals(m.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, from, fromService, body);
  }

  @Override
  public String toString() {
    return "SignallingMessage" + toJson().encode();
  }
}
