package io.p2pquic.puncher.portmap;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The IPv4 default gateway, read from Linux's {@code /proc/net/route} (Java has no API for it): the
 * default route (destination 0, flag RTF_GATEWAY) with the lowest metric. Blocking: call it off the event
 * loop.
 */
public final class DefaultGateway {
  static final Path ROUTES = Path.of("/proc/net/route");
  private static final int RTF_UP = 0x1;
  private static final int RTF_GATEWAY = 0x2;

  private DefaultGateway() {
  }

  /** The default gateway, or empty when there is none or the table cannot be read (not Linux). */
  public static Optional<InetAddress> find() {
    try {
      return parse(Files.readString(ROUTES, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Parses the table's text; addresses are hex in host (little-endian on every Linux this runs on) order. */
  static Optional<InetAddress> parse(String table) {
    InetAddress best = null;
    long bestMetric = Long.MAX_VALUE;
    String[] lines = table.split("\n");
    for (int i = 1; i < lines.length && i < 4096; i++) {
      String[] f = lines[i].trim().split("\\s+");
      if (f.length < 8 || !f[1].equals("00000000") || !f[7].equals("00000000")) {
        continue;
      }
      int flags = Integer.parseInt(f[3], 16);
      long metric = Long.parseLong(f[6]);
      if ((flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY) || metric >= bestMetric) {
        continue;
      }
      long g = Long.parseLong(f[2], 16);
      byte[] ip = {(byte) g, (byte) (g >> 8), (byte) (g >> 16), (byte) (g >> 24)};
      try {
        best = InetAddress.getByAddress(ip);
        bestMetric = metric;
      } catch (IOException e) {
        throw new IllegalStateException(e); // four bytes: never
      }
    }
    return Optional.ofNullable(best);
  }
}
