package io.p2pquic.node;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and reads a command's JSON configuration: {@code --config FILE} if given; else
 * {@code conf/NAME.json} in the working directory; else the same file bundled in the jar.
 */
final class ConfigFiles {
  private ConfigFiles() {}

  static JsonObject load(String name, Path explicit) {
    if (explicit != null) {
      if (!Files.isRegularFile(explicit)) {
        throw new ConfigException("--config " + explicit + ": no such file");
      }
      return parse(explicit.toString(), read(explicit));
    }
    Path local = Path.of("conf", name + ".json");
    if (Files.isRegularFile(local)) {
      return parse(local.toString(), read(local));
    }
    try (InputStream in = ConfigFiles.class.getResourceAsStream("/conf/" + name + ".json")) {
      if (in == null) {
        return new JsonObject();
      }
      return parse("conf/" + name + ".json (bundled)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException("cannot read bundled conf/" + name + ".json: " + e.getMessage(), e);
    }
  }

  /** Where a cluster configuration lives: an explicit file, conf/cluster.xml, or the bundled copy. */
  static String clusterXml(Path explicit) {
    Path p = explicit != null ? explicit : Path.of("conf", "cluster.xml");
    if (Files.isRegularFile(p)) {
      return read(p);
    }
    if (explicit != null) {
      throw new ConfigException("--cluster-config " + explicit + ": no such file");
    }
    try (InputStream in = ConfigFiles.class.getResourceAsStream("/conf/cluster.xml")) {
      if (in == null) {
        throw new ConfigException("conf/cluster.xml not found (pass --cluster-config FILE)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read bundled conf/cluster.xml: " + e.getMessage(), e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  private static JsonObject parse(String where, String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException(where + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Sets {@code a.b.c} in a copy of {@code json}, creating the objects on the way. */
  static JsonObject with(JsonObject json, String path, Object value) {
    JsonObject copy = json.copy();
    String[] parts = path.split("\\.");
    JsonObject at = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      Object next = at.getValue(parts[i]);
      if (!(next instanceof JsonObject)) {
        next = new JsonObject();
        at.put(parts[i], next);
      }
      at = (JsonObject) next;
    }
    at.put(parts[parts.length - 1], value);
    return copy;
  }
}
