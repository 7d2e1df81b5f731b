package io.p2pquic.natlab.junit;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.Prerequisites;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 helpers for tests that need a NAT lab. Without the prerequisites (root, ip, nft,
 * python3, /dev/net/tun) a lab test is <em>skipped</em> with the reason, unless the environment
 * variable {@code CI} is {@code true}: then it <em>fails</em>, because CI must run them.
 *
 * <pre>{@code
 * static NatLab lab;
 *
 * @BeforeAll
 * static void up() {
 *   lab = LabTestSupport.start(NatLab.builder()
 *       .peer("a", NatBehavior.PORT_RESTRICTED)
 *       .peer("b", NatBehavior.SYMMETRIC));
 * }
 *
 * @AfterAll
 * static void down() {
 *   if (lab != null) lab.close();
 * }
 * }</pre>
 */
public final class LabTestSupport {

  private static final Logger LOG = LoggerFactory.getLogger(LabTestSupport.class);

  /** Environment variable deciding skip (unset/other) versus fail ({@code true}). */
  public static final String CI_ENV = "CI";

  private static boolean staleCleaned;

  private LabTestSupport() {
  }

  /** What {@link #requireLab()} does for given prerequisites and CI value. */
  public enum Decision { RUN, SKIP, FAIL }

  /**
   * Returns when a lab can be built here. Otherwise aborts the test (JUnit assumption: reported
   * as skipped, with the reason), or fails it when {@code CI=true}. The first successful call in
   * a JVM also removes stale labs left by crashed runs.
   */
  public static void requireLab() {
    Prerequisites p = NatLab.prerequisites();
    String ci = System.getenv(CI_ENV);
    switch (decide(p, ci)) {
      case SKIP:
        Assumptions.abort(reason(p, false));
        break;
      case FAIL:
        Assertions.fail(reason(p, true));
        break;
      default:
        cleanStaleOnce();
    }
  }

  /** {@link #requireLab()}, then builds and brings the lab up (torn down if that fails). */
  public static NatLab start(NatLab.Builder builder) {
    requireLab();
    NatLab lab = builder.build();
    lab.up(); // cleans up after itself on failure, and the LabException fails the test
    return lab;
  }

  /** True when {@code CI} is {@code true} (case-insensitive). */
  public static boolean isCi() {
    return isCi(System.getenv(CI_ENV));
  }

  static boolean isCi(String value) {
    return value != null && value.trim().equalsIgnoreCase("true");
  }

  /** The decision, without side effects (for tests of this class). */
  public static Decision decide(Prerequisites p, String ciValue) {
    if (p.satisfied()) {
      return Decision.RUN;
    }
    return isCi(ciValue) ? Decision.FAIL : Decision.SKIP;
  }

  /** The message a skipped or failed lab test carries. */
  public static String reason(Prerequisites p, boolean ci) {
    List<String> missing = p.missing();
    String what = missing.size() == 1 && missing.get(0).startsWith("root")
        ? "NAT-lab tests need " + missing.get(0)
        : "NAT-lab tests need: " + String.join("; ", missing);
    return ci
        ? what + ". CI=true, so this is a failure: CI must run the NAT-lab tests (as root)."
        : what + ". Run them as root (skipped here; with CI=true they fail instead).";
  }

  private static synchronized void cleanStaleOnce() {
    if (staleCleaned) {
      return;
    }
    staleCleaned = true;
    try {
      List<String> removed = NatLab.cleanupStale();
      if (!removed.isEmpty()) {
        LOG.info("removed {} namespaces of stale NAT labs: {}", removed.size(), removed);
      }
    } catch (RuntimeException e) {
      LOG.warn("stale NAT lab cleanup failed: {}", e.toString());
    }
  }
}
