package io.p2pquic.identity;

/**
 * Thrown by {@link PeerId#parse(String)} when a string is not a well-formed peer id.
 * The message says what is wrong and what a valid id looks like.
 */
public final class InvalidPeerIdException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String input;

  public InvalidPeerIdException(String input, String reason) {
    super("invalid peer id " + quote(input) + ": " + reason
        + " (expected \"" + PeerId.PREFIX + "\" followed by " + PeerId.ENCODED_HASH_LENGTH
        + " lowercase base32 characters a-z, 2-7)");
    this.input = input;
  }

  /** The rejected input, possibly null. */
  public String input() {
    return input;
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "\"" + shown + "\"";
  }
}
