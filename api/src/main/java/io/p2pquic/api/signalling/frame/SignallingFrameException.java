package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.ErrorCode;
import java.util.Objects;

/**
 * A signalling frame that does not decode. The message is the human text of the {@code error} reply the
 * rendezvous sends for it, word for word: clients and tests read it.
 */
public final class SignallingFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final transient Object requestId;
  private final String frameType;

  SignallingFrameException(ErrorCode code, String message, Object requestId, String frameType) {
    super(message, null, false, false); // refusals are routine input, not bugs: no stack trace to fill
    this.code = Objects.requireNonNull(code, "code");
    this.requestId = requestId;
    this.frameType = frameType;
  }

  /** The error code of the refusal. */
  public ErrorCode code() {
    return code;
  }

  /** The frame's request id when it had a valid one (the error reply echoes it), else null. */
  public Object requestId() {
    return requestId;
  }

  /**
   * The frame's type when the envelope was fine (JSON object, id, a known type) and one of the type's own
   * fields was refused; null when the envelope itself was refused. The rendezvous checks the connection's
   * registration state before a type's fields, so it needs to know which type was meant.
   */
  public String frameType() {
    return frameType;
  }
}
