package io.p2pquic.natlab;

/** Outcome of a command that ran to completion. */
public record ExecResult(int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }
}
