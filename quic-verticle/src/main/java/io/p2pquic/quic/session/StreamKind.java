package io.p2pquic.quic.session;

import java.util.Optional;

/** What a non-default stream of a session carries; the second byte after the preamble's magic. */
public enum StreamKind {
  /** One TCP connection of {@code p2p-node forward}, to the target of {@code p2p-node expose}. */
  TCP(1),
  /** {@code p2p-node pipe}: stdin/stdout of the two ends. */
  PIPE(2),
  /** Every byte back (peers started with {@code --echo}). */
  ECHO(3);

  private final int code;

  StreamKind(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static Optional<StreamKind> of(int code) {
    for (StreamKind k : values()) {
      if (k.code == code) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
