package io.p2pquic.natlab;

import java.util.List;

/**
 * A lab operation failed. When a command failed, {@link #command()} is that command, and
 * {@link #stderr()} what it printed; the message contains both.
 */
public class LabException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> command;
  private final int exitCode;
  private final String stderr;

  public LabException(String message) {
    this(message, null);
  }

  public LabException(String message, Throwable cause) {
    super(message, cause);
    this.command = List.of();
    this.exitCode = -1;
    this.stderr = "";
  }

  public LabException(List<String> command, int exitCode, String stderr) {
    super("command failed (exit " + exitCode + "): " + String.join(" ", command)
        + (stderr.isBlank() ? "" : "\n" + stderr.strip()));
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }

  /** The failing command, empty when the failure was not a command. */
  public List<String> command() {
    return command;
  }

  /** Its exit code, -1 when not applicable (timeout, not a command). */
  public int exitCode() {
    return exitCode;
  }

  public String stderr() {
    return stderr;
  }
}
