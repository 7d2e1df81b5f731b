package io.p2pquic.examples;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What an example prints, line by line, for a test to wait on and assert (also echoed to the test's stdout). */
final class CapturedOutput {
  private final String name;
  private final List<String> lines = new ArrayList<>();
  private final PrintStream stream;

  CapturedOutput(String name) {
    this.name = name;
    this.stream = new PrintStream(new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public void write(int b) {
        if (b == '\n') {
          add(line.toString(StandardCharsets.UTF_8));
          line.reset();
        } else {
          line.write(b);
        }
      }
    }, true, StandardCharsets.UTF_8);
  }

  PrintStream stream() {
    return stream;
  }

  private synchronized void add(String line) {
    System.out.println(name + "| " + line);
    lines.add(line);
    notifyAll();
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /** The first line starting with {@code prefix}, waiting up to {@code seconds} for it. */
  synchronized String await(String prefix, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      for (String l : lines) {
        if (l.startsWith(prefix)) {
          return l;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(name + " printed no line starting with \"" + prefix + "\" within " + seconds
            + " s; it printed " + lines);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }
}
