package io.p2pquic.natlab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs commands with a timeout, logging each at debug and failures at warn. */
final class Shell implements CommandRunner {

  private static final Logger LOG = LoggerFactory.getLogger(Shell.class);

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  static final Shell SYSTEM = new Shell();

  @Override
  public ExecResult run(List<String> command, String stdin, Duration timeout) {
    LOG.debug("run: {}", String.join(" ", command));
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(command);
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      p = pb.start();
    } catch (IOException e) {
      LOG.warn("cannot start {}: {}", command, e.toString());
      throw new LabException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread errReader = new Thread(() -> copy(p.getErrorStream(), err), "natlab-stderr");
    errReader.setDaemon(true);
    errReader.start();
    try {
      if (stdin != null) {
        try (OutputStream os = p.getOutputStream()) {
          os.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // the command exited without reading everything: its exit code tells the story
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Thread outReader = new Thread(() -> copy(p.getInputStream(), out), "natlab-stdout");
      outReader.setDaemon(true);
      outReader.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        LOG.warn("timed out after {} ms: {}", timeout.toMillis(), command);
        throw new LabException("timed out after " + timeout.toMillis() + " ms: "
            + String.join(" ", command));
      }
      outReader.join(2000);
      errReader.join(2000);
      ExecResult r;
      synchronized (out) {
        synchronized (err) {
          r = new ExecResult(p.exitValue(), out.toString(StandardCharsets.UTF_8),
              err.toString(StandardCharsets.UTF_8));
        }
      }
      return r;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new LabException("interrupted while running " + String.join(" ", command), e);
    }
  }

  private static void copy(InputStream in, ByteArrayOutputStream sink) {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (sink) {
          sink.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // process gone
    }
  }

  /** Runs and throws {@link LabException} (command, exit code, stderr) unless it exits 0. */
  static ExecResult check(CommandRunner runner, List<String> command, String stdin) {
    ExecResult r = runner.run(command, stdin, DEFAULT_TIMEOUT);
    if (r.exitCode() != 0) {
      LOG.warn("command failed (exit {}): {}\n{}", r.exitCode(), String.join(" ", command),
          r.stderr().strip());
      throw new LabException(command, r.exitCode(), r.stderr());
    }
    return r;
  }

  /** Runs, logging a failure at debug only; for best-effort steps such as teardown. */
  static ExecResult quiet(CommandRunner runner, List<String> command) {
    try {
      ExecResult r = runner.run(command, null, DEFAULT_TIMEOUT);
      if (r.exitCode() != 0) {
        LOG.debug("(ignored) exit {}: {}: {}", r.exitCode(), String.join(" ", command),
            r.stderr().strip());
      }
      return r;
    } catch (LabException e) {
      LOG.debug("(ignored) {}", e.getMessage());
      return new ExecResult(-1, "", e.getMessage());
    }
  }
}
