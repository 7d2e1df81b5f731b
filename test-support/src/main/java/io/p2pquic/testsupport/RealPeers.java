package io.p2pquic.testsupport;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The rule for tests that need something real this machine may lack (root for the NAT lab, coturn,
 * aioice, Chromium, python3, IPv6): skipped with the reason on a developer's machine, but under
 * {@code CI=true} a missing part fails the build, so a CI run never passes by skipping.
 */
public final class RealPeers {
  private RealPeers() {}

  /** True when the environment says this is CI ({@code CI=true}). */
  public static boolean ci() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Skips the test (or, under CI, fails it) with {@code reason} unless {@code available}. */
  public static void require(boolean available, String reason) {
    if (available) {
      return;
    }
    if (ci()) {
      Assertions.fail("CI=true but " + reason);
    }
    Assumptions.abort(reason);
  }
}
