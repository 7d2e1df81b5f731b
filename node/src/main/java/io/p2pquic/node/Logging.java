package io.p2pquic.node;

import java.util.Locale;

/**
 * Chooses the Logback configuration before the first logger exists: {@code logback.xml} (text) or
 * {@code logback-json.xml} (one JSON object per line), at the level asked for. Flags win over
 * {@code P2P_LOG_FORMAT} / {@code P2P_LOG_LEVEL}.
 */
final class Logging {
  private Logging() {}

  static final java.util.List<String> LEVELS = java.util.List.of("error", "warn", "info", "debug", "trace");
  static final java.util.List<String> FORMATS = java.util.List.of("text", "json");

  /**
   * Configures logging from the flags or environment; returns a usage error (for exit code 2) when the
   * level or format is not one we know, so a typo is not silently logged at another level.
   */
  static String configure(String[] args) {
    String format = valueOf(args, "--log-format", System.getenv("P2P_LOG_FORMAT"));
    String level = valueOf(args, "--log-level", System.getenv("P2P_LOG_LEVEL"));
    String problem = null;
    if (level != null && !LEVELS.contains(level.toLowerCase(Locale.ROOT))) {
      problem = "--log-level (or P2P_LOG_LEVEL) must be one of " + String.join(", ", LEVELS) + ", not \"" + level + "\"";
      level = null;
    }
    if (format != null && !FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
      problem = "--log-format (or P2P_LOG_FORMAT) must be text or json, not \"" + format + "\"";
      format = null;
    }
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty(
          "logback.configurationFile",
          "json".equalsIgnoreCase(format) ? "logback-json.xml" : "logback.xml");
    }
    System.setProperty("p2p.log.level", level == null ? "INFO" : level.toUpperCase(Locale.ROOT));
    // Vert.x and Hazelcast log through SLF4J too, so one format covers every line.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
    return problem;
  }

  private static String valueOf(String[] args, String flag, String fallback) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(flag) && i + 1 < args.length) {
        return args[i + 1];
      }
      if (args[i].startsWith(flag + "=")) {
        return args[i].substring(flag.length() + 1);
      }
    }
    return fallback;
  }
}
