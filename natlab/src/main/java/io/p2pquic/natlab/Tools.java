package io.p2pquic.natlab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Locates the system tools the lab shells out to (PATH first, then the sbin directories). */
final class Tools {

  private static final Map<String, Optional<String>> CACHE = new ConcurrentHashMap<>();
  private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

  private Tools() {
  }

  static Optional<String> find(String name) {
    return CACHE.computeIfAbsent(name, Tools::lookup);
  }

  private static Optional<String> lookup(String name) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(":")) {
        if (!d.isEmpty()) {
          dirs.add(d);
        }
      }
    }
    dirs.addAll(EXTRA_DIRS);
    for (String d : dirs) {
      Path p = Path.of(d, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  private static String require(String name) {
    return find(name).orElseThrow(() -> new LabException("'" + name + "' not found on PATH ("
        + packageOf(name) + ")"));
  }

  static String ip() {
    return require("ip");
  }

  static String nft() {
    return require("nft");
  }

  static String sysctl() {
    return require("sysctl");
  }

  static String miniupnpd() {
    return require("miniupnpd");
  }

  static String conntrack() {
    return require("conntrack");
  }

  /**
   * The Debian system python (/usr/bin/python3) when present: on these machines the python3
   * first on PATH may be a separate build. The forwarder only needs the standard library.
   */
  static Optional<String> findPython() {
    Path system = Path.of("/usr/bin/python3");
    if (Files.isExecutable(system)) {
      return Optional.of(system.toString());
    }
    return find("python3");
  }

  static String python() {
    return findPython().orElseThrow(() -> new LabException("python3 not found (delay forwarder)"));
  }

  static String packageOf(String tool) {
    switch (tool) {
      case "ip":
        return "package iproute2";
      case "nft":
        return "package nftables";
      case "sysctl":
        return "package procps";
      case "conntrack":
        return "package conntrack";
      case "miniupnpd":
        return "package miniupnpd-nftables";
      default:
        return "package " + tool;
    }
  }

  /** Effective uid from /proc/self/status, or -1 when unknown (not Linux). */
  static long effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          String[] f = line.substring(4).trim().split("\\s+");
          return Long.parseLong(f[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }
}
