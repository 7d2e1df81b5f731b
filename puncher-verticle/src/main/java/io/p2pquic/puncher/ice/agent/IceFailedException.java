package io.p2pquic.puncher.ice.agent;

import java.util.List;

/**
 * ICE could not produce (or keep) a working pair. The message says why in plain words and lists
 * what was tried; {@link #attempts()} has one line per candidate pair.
 */
public final class IceFailedException extends RuntimeException {
  private final List<String> attempts;

  public IceFailedException(String message, List<String> attempts) {
    super(message, null, false, false);
    this.attempts = List.copyOf(attempts);
  }

  /** One line per pair tried: {@code host 10.0.0.2:5000 -> srflx 203.0.113.9:40000: no response after 7 requests}. */
  public List<String> attempts() {
    return attempts;
  }
}
