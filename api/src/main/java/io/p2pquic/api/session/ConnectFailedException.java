package io.p2pquic.api.session;

import java.util.Objects;

/** A connect that did not come up: the {@link ConnectFailure} and the explanation for a person. */
public final class ConnectFailedException extends RuntimeException {
  private final ConnectFailure reason;

  public ConnectFailedException(ConnectFailure reason, String message) {
    super(message, null, false, false); // an outcome, not a bug: no stack trace
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public ConnectFailure reason() {
    return reason;
  }
}
