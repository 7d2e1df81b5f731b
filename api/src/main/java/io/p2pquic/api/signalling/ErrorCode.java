package io.p2pquic.api.signalling;

import java.util.Optional;

/**
 * Error codes of the signalling protocol: the {@code "code"} of an {@code error} reply on the
 * WebSocket, and the message of a ReplyException on the event bus (whose failure code is
 * {@link #status()}, an HTTP-like number).
 */
public enum ErrorCode {
  /** Not JSON, not an object, a missing or mistyped field, a bad peer id. */
  MALFORMED("malformed", 400),
  /** A {@code type} the server does not know. */
  UNKNOWN_TYPE("unknown-type", 400),
  /** The message exceeds the configured maximum size. */
  TOO_LARGE("too-large", 413),
  /** The connection's token bucket is empty; the message was dropped. */
  RATE_LIMITED("rate-limited", 429),
  /** The operation needs a registered connection. */
  UNAUTHENTICATED("unauthenticated", 401),
  /** The registration signature does not verify against the public key. */
  BAD_SIGNATURE("bad-signature", 401),
  /** The public key does not derive the claimed peer id. */
  ID_MISMATCH("id-mismatch", 403),
  /** A second {@code register} on a connection that is already registered. */
  ALREADY_REGISTERED("already-registered", 409),
  /** No registration arrived within the registration timeout; the server closes afterwards. */
  REGISTRATION_TIMEOUT("registration-timeout", 408),
  /** The target peer is not registered anywhere in the cluster. */
  UNKNOWN_TARGET("unknown-target", 404),
  /** The target's connection cannot take more data right now (its send queue is full). */
  TARGET_BUSY("target-busy", 503),
  /** The target was registered but delivery failed (its node did not answer in time). */
  DELIVERY_FAILED("delivery-failed", 504),
  /** A request of the client timed out (client side only, never sent by the server). */
  TIMEOUT("timeout", 504),
  /** The connection closed before a reply came (client side only). */
  CLOSED("closed", 503),
  /** A bug or an unexpected failure on the server. */
  INTERNAL("internal", 500);

  private final String wire;
  private final int status;

  ErrorCode(String wire, int status) {
    this.wire = wire;
    this.status = status;
  }

  /** The code on the wire, e.g. {@code "unknown-target"}. */
  public String wire() {
    return wire;
  }

  /** HTTP-like number, used as the event-bus failure code. */
  public int status() {
    return status;
  }

  /** The code for a wire string, if known. */
  public static Optional<ErrorCode> fromWire(String code) {
    if (code == null) {
      return Optional.empty();
    }
    for (ErrorCode c : values()) {
      if (c.wire.equals(code)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return wire;
  }
}
