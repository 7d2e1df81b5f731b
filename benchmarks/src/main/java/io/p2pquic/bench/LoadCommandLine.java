package io.p2pquic.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/** The command line the load generators (StunLoad, SignallingLoad) share: help, bad options, the --out file. */
final class LoadCommandLine {
  private LoadCommandLine() {}

  /**
   * The parsed options; null when there are none or help was asked for (the usage is printed then).
   * An option {@code parse} refuses ends the process with exit code 2, its message on stderr.
   */
  static <T> T options(String[] args, String usage, Function<String[], T> parse) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(usage);
      return null;
    }
    try {
      return parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return null;
    }
  }

  /** Appends one JSON result line to {@code out}, created if missing; nothing when {@code out} is null. */
  static void append(Path out, String json) throws IOException {
    if (out != null) {
      Files.writeString(out, json + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }
}
