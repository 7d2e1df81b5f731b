package io.p2pquic.puncher.signalling;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.ClientFrame;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.ServerReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client side of the signalling protocol's requests (docs/signalling.md), shared by both transports: the
 * main registration over WebSocket ({@link SignallingClient}) and the per-session attachment over QUIC
 * (RendezvousAttachment). It owns what the two used to write each for itself: request ids, the replies still
 * awaited with their timeouts, matching a reply or an {@code error} to its request, and failing every
 * request still waiting when the connection ends. The transport only writes the frame and feeds in what it
 * decoded.
 *
 * <p>A request fails with a {@link SignallingException}: the code of the rendezvous's {@code error},
 * {@code timeout}, {@code closed} (the connection ended or the write failed) or {@code malformed} (the reply
 * did not decode). Thread-safe; one per connection, or per client when ids are never reused.
 */
public final class SignallingRequests {
  private final Vertx vertx;
  private final String idPrefix;
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();

  /**
   * @param idPrefix what this client's request ids start with (then 1, 2, ...); ids the handshake uses
   *     ({@code register}, {@code attach}, {@code hello}) must not be of this form
   */
  public SignallingRequests(Vertx vertx, String idPrefix) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.idPrefix = Objects.requireNonNull(idPrefix, "idPrefix");
  }

  /** A request on its way: its id, the frame to write (carrying the id) and the reply to come. */
  public record Request(String id, JsonObject frame, Future<ServerReply> reply) {
  }

  /**
   * Issues {@code frame} with the next id (replacing any id it had, which then goes last in the JSON) and
   * waits up to {@code timeoutMs} for the reply; the caller writes {@link Request#frame()}.
   */
  public Request issue(ClientFrame frame, long timeoutMs) {
    String id = idPrefix + ids.incrementAndGet();
    JsonObject json = frame.toJson();
    json.remove(SignallingProtocol.F_ID);
    json.put(SignallingProtocol.F_ID, id);
    Pending p = new Pending(id);
    String type = frame.type();
    // Timer first, then publish the entry: whoever removes it can cancel a real timer.
    p.timer = vertx.setTimer(timeoutMs, t -> {
      if (pending.remove(id, p)) {
        p.promise.tryFail(new SignallingException(ErrorCode.TIMEOUT, "no reply to " + type + " within " + timeoutMs
            + " ms", id));
      }
    });
    pending.put(id, p);
    return new Request(id, json, p.promise.future());
  }

  /** The rendezvous answered: completes the request {@code reply} names; false if none awaits it. */
  public boolean complete(ServerReply reply) {
    Pending p = take(reply.idText());
    if (p == null) {
      return false;
    }
    p.promise.tryComplete(reply);
    return true;
  }

  /** The rendezvous refused a request: fails the one {@code error} names; false if none awaits it. */
  public boolean fail(ErrorReply error) {
    return fail(error.idText(), error.code(), error.message());
  }

  /** Fails the request {@code id} (e.g. {@code closed} when its write failed); false if none awaits it. */
  public boolean fail(String id, ErrorCode code, String message) {
    return fail(id, code.wire(), message);
  }

  private boolean fail(String id, String code, String message) {
    Pending p = take(id);
    if (p == null) {
      return false;
    }
    p.promise.tryFail(new SignallingException(code, message, id));
    return true;
  }

  /** Takes back request {@code id} before it was written (e.g. too large to send): its reply is no longer awaited. */
  public void withdraw(String id) {
    take(id);
  }

  /** The connection ended: every request still waiting fails with {@code closed} and {@code reason}. */
  public void failAll(String reason) {
    List<Pending> failed = new ArrayList<>();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      if (pending.remove(e.getKey(), e.getValue())) {
        failed.add(e.getValue());
      }
    }
    for (Pending p : failed) {
      vertx.cancelTimer(p.timer);
      p.promise.tryFail(new SignallingException(ErrorCode.CLOSED, "connection closed (" + reason + ")", p.id));
    }
  }

  /** How many requests await their reply. */
  public int waiting() {
    return pending.size();
  }

  private Pending take(String id) {
    Pending p = id == null ? null : pending.remove(id);
    if (p != null) {
      vertx.cancelTimer(p.timer);
    }
    return p;
  }

  private static final class Pending {
    final String id;
    final Promise<ServerReply> promise = Promise.promise();
    volatile long timer;

    Pending(String id) {
      this.id = id;
    }
  }
}
