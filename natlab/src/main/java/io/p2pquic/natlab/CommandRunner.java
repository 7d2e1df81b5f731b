package io.p2pquic.natlab;

import java.time.Duration;
import java.util.List;

/** Runs a command to completion. A seam so tests can inject failures into lab set-up. */
interface CommandRunner {

  /**
   * Runs {@code command}, feeding {@code stdin} (may be null), waiting at most {@code timeout}.
   * Returns whatever exit code it had; throws {@link LabException} only when it cannot be started
   * or times out.
   */
  ExecResult run(List<String> command, String stdin, Duration timeout);
}
