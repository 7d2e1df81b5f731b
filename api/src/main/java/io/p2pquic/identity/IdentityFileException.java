package io.p2pquic.identity;

import java.io.IOException;
import java.nio.file.Path;

/** An identity file exists but cannot be used (bad JSON, wrong algorithm, keys not matching). */
public final class IdentityFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public IdentityFileException(Path file, String reason, Throwable cause) {
    super("identity file " + file + ": " + reason, cause);
  }
}
