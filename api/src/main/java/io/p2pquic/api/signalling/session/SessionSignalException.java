package io.p2pquic.api.signalling.session;

/**
 * A session message whose body does not decode (a required field missing, of the wrong type or out of
 * bounds). An IllegalArgumentException, as the sessions' own checks of a description throw.
 */
public final class SessionSignalException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SessionSignalException(String message) {
    super(message);
  }
}
