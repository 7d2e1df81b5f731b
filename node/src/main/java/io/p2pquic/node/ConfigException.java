package io.p2pquic.node;

/** Invalid configuration; the message names the key and says what is expected. Exit code 2. */
final class ConfigException extends RuntimeException {
  ConfigException(String message) {
    super(message);
  }

  ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
