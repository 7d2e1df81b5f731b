package io.p2pquic.api.config;

/**
 * A configuration value that cannot be used, named by its full key path ({@code http.port},
 * {@code gathering.turnServers[0].host}) so the user knows which line of which file to fix.
 */
public final class ConfigKeyException extends IllegalArgumentException {
  private final String path;
  private final String problem;

  /**
   * @param path the key path, relative to the section that threw (parents prefix theirs on the way up)
   * @param problem what is wrong, phrased to follow the path ("is not a known key (known: ...)")
   */
  public ConfigKeyException(String path, String problem) {
    super(path + " " + problem);
    this.path = path;
    this.problem = problem;
  }

  /** The full key path, e.g. {@code http.port}. */
  public String path() {
    return path;
  }

  /** The problem without the path. */
  public String problem() {
    return problem;
  }

  /** The same problem one level up: {@code port} under {@code http} becomes {@code http.port}. */
  public ConfigKeyException under(String parent) {
    String joined = path.startsWith("[") ? parent + path : parent + "." + path;
    ConfigKeyException up = new ConfigKeyException(joined, problem);
    up.initCause(this);
    return up;
  }
}
