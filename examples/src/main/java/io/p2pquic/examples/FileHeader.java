package io.p2pquic.examples;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * What the file transfer sends before the file's bytes: one line of JSON, {@code {"name","size","sha256"}}
 * and a newline. The receiver knows from it where the file ends (streams carry bytes, not messages) and
 * what to check.
 */
record FileHeader(String name, long size, String sha256) {
  /** Longest header line a receiver reads before giving up on a stream that is not a file transfer. */
  static final int MAX_LINE = 4096;

  FileHeader {
    // Only a plain file name: the sender must not choose where the receiver writes ("../../.bashrc").
    if (name == null || name.isBlank() || !Path.of(name).getFileName().toString().equals(name)
        || name.equals("..") || name.startsWith(".")) {
      throw new IllegalArgumentException("not a plain file name: " + name);
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative size: " + size);
    }
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits: " + sha256);
    }
  }

  Buffer toLine() {
    return Buffer.buffer(new JsonObject().put("name", name).put("size", size).put("sha256", sha256).encode())
        .appendString("\n");
  }

  /** @throws IllegalArgumentException when the line is not a valid header */
  static FileHeader parse(String line) {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the header is not JSON: " + e.getMessage());
    }
    Long size = json.getLong("size");
    return new FileHeader(json.getString("name"), size == null ? -1 : size, json.getString("sha256"));
  }
}
