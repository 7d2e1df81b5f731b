package io.p2pquic.api.signalling;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Objects;
import java.util.Optional;

/**
 * A signalling operation failed with an error code (from the server's {@code error} reply, an
 * event-bus failure, or locally: {@code timeout}, {@code closed}).
 */
public class SignallingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String requestId;

  public SignallingException(String code, String message, String requestId) {
    super(code + ": " + message);
    this.code = Objects.requireNonNull(code, "code");
    this.requestId = requestId;
  }

  public SignallingException(ErrorCode code, String message, String requestId) {
    this(code.wire(), message, requestId);
  }

  /** The wire code, e.g. {@code "unknown-target"} (may be one this version does not know). */
  public String code() {
    return code;
  }

  /** The code as an enum, if known. */
  public Optional<ErrorCode> errorCode() {
    return ErrorCode.fromWire(code);
  }

  /** Whether the code is {@code c}. */
  public boolean is(ErrorCode c) {
    return c.wire().equals(code);
  }

  /** The request id the error answers, or null. */
  public String requestId() {
    return requestId;
  }

  /**
   * Converts a failure of an event-bus request to {@link io.p2pquic.api.Addresses#RENDEZVOUS_RELAY}
   * or {@link io.p2pquic.api.Addresses#RENDEZVOUS_LOOKUP}: the ReplyException's message is the code.
   */
  public static SignallingException fromEventBus(Throwable t) {
    if (t instanceof SignallingException) {
      return (SignallingException) t;
    }
    if (t instanceof ReplyException) {
      ReplyException re = (ReplyException) t;
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && ErrorCode.fromWire(re.getMessage()).isPresent()) {
        return new SignallingException(re.getMessage(), "rejected by the rendezvous", null);
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new SignallingException(ErrorCode.TIMEOUT, "no reply on the event bus in time", null);
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new SignallingException(ErrorCode.DELIVERY_FAILED, "no rendezvous service on the event bus", null);
      }
    }
    return new SignallingException(ErrorCode.INTERNAL, String.valueOf(t), null);
  }
}
