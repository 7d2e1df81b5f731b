package io.p2pquic.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

  /**
   * Runs a real tool ({@code command}, stderr merged) to its end and returns its output; fails the test
   * when it does not end within {@code timeout} or exits non-zero, with the output in the message.
   */
  public static String run(Duration timeout, List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(output unreadable: " + e + ")";
      }
    });
    String name = Path.of(command.get(0)).getFileName().toString();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      Assertions.fail(name + " did not finish in " + timeout.toSeconds() + " s: " + output.join());
    }
    String out = output.join();
    Assertions.assertEquals(0, p.exitValue(), () -> name + " exit code, output:\n" + out);
    return out;
  }
}
