package io.p2pquic.node.lab;

import org.junit.jupiter.api.AfterAll;

/**
 * Base of the node lab tests whose processes are one {@link LabCast} for the whole class: the class's
 * {@code @BeforeAll} sets {@link #cast}, and it is closed here after the class's last test.
 */
abstract class LabCastLifecycle {
  /** The class's processes; null until its {@code @BeforeAll} has built them (or when that failed). */
  static LabCast cast;

  /** Stops the class's processes and forgets them, so the next lab test class starts from null. */
  @AfterAll
  static void closeCast() throws Exception {
    if (cast != null) {
      try {
        cast.close();
      } finally {
        cast = null;
      }
    }
  }
}
