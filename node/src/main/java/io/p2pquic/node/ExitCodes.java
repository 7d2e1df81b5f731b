package io.p2pquic.node;

/** Process exit codes, the same for every command. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILURE = 1;
  /** Bad usage or configuration: picocli's own usage errors exit with 2 as well. */
  static final int CONFIG = 2;

  private ExitCodes() {}
}
