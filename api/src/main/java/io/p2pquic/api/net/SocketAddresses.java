package io.p2pquic.api.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Socket-address helpers that never touch DNS: IP literals in and out (IPv6 in RFC 5952 compressed
 * form, as SDP and logs want it), {@code host:port} / {@code [v6]:port} parsing, and conversion from
 * Vert.x socket addresses. Names that are not IP literals come back unresolved, so callers resolve
 * them off the event loop.
 */
public final class SocketAddresses {
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  private SocketAddresses() {}

  /** True for a dotted-quad IPv4 literal or anything with a colon that parses as an IPv6 literal. */
  public static boolean isIpLiteral(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    if (IPV4.matcher(s).matches()) {
      return true;
    }
    if (s.indexOf(':') < 0) {
      return false;
    }
    try {
      parseIp(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Parses an IPv4 or IPv6 literal (no DNS); brackets and a zone ({@code %eth0}) are accepted for IPv6. */
  public static InetAddress parseIp(String s) {
    String t = s.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    boolean v4 = IPV4.matcher(t).matches();
    if (!v4 && t.indexOf(':') < 0) {
      throw new IllegalArgumentException("not an IP address literal: " + s);
    }
    try {
      // A checked dotted quad, or a bracketed IPv6 literal: getByName parses these without DNS.
      return InetAddress.getByName(v4 ? t : "[" + t + "]");
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address literal: " + s, e);
    }
  }

  /**
   * Parses {@code host:port} or {@code [v6]:port} (a bare IPv6 literal is taken as a host without
   * port). Names that are not IP literals come back unresolved.
   */
  public static InetSocketAddress parseHostPort(String s) {
    return parseHostPort(s, -1);
  }

  /** As {@link #parseHostPort(String)}, with {@code defaultPort} when no port is given (-1: required). */
  public static InetSocketAddress parseHostPort(String s, int defaultPort) {
    String t = s.trim();
    String host;
    String port = null;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in " + s);
      }
      host = t.substring(1, close);
      if (close + 1 < t.length()) {
        if (t.charAt(close + 1) != ':') {
          throw new IllegalArgumentException("expected ':' after ']' in " + s);
        }
        port = t.substring(close + 2);
      }
    } else {
      int colon = t.lastIndexOf(':');
      if (colon >= 0 && t.indexOf(':') != colon) {
        host = t; // bare IPv6 literal without port
      } else if (colon >= 0) {
        host = t.substring(0, colon);
        port = t.substring(colon + 1);
      } else {
        host = t;
      }
    }
    int p;
    if (port == null) {
      if (defaultPort < 0) {
        throw new IllegalArgumentException("missing port in '" + s + "' (expected HOST:PORT)");
      }
      p = defaultPort;
    } else {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in '" + s + "'");
      }
    }
    if (p < 0 || p > 65535 || host.isEmpty()) {
      throw new IllegalArgumentException("bad HOST:PORT '" + s + "'");
    }
    return isIpLiteral(host)
        ? new InetSocketAddress(parseIp(host), p)
        : InetSocketAddress.createUnresolved(host, p);
  }

  /** The IP as text: dotted quad, or RFC 5952 compressed IPv6 without zone. */
  public static String formatIp(InetAddress a) {
    if (a instanceof Inet4Address) {
      return a.getHostAddress();
    }
    byte[] b = a.getAddress();
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // Longest run of zero groups (length >= 2), leftmost on ties (RFC 5952 section 4.2).
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] == 0) {
        int j = i;
        while (j < 8 && g[j] == 0) {
          j++;
        }
        if (j - i > bestLen && j - i >= 2) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /** {@code 1.2.3.4:5}, {@code [2001:db8::1]:5}, or {@code name:5} when unresolved. */
  public static String format(InetSocketAddress a) {
    if (a == null) {
      return null;
    }
    if (a.isUnresolved()) {
      return a.getHostString() + ":" + a.getPort();
    }
    InetAddress ip = a.getAddress();
    return ip instanceof Inet6Address
        ? "[" + formatIp(ip) + "]:" + a.getPort()
        : formatIp(ip) + ":" + a.getPort();
  }

  /** A Vert.x socket address (as datagram senders and local addresses are reported) as a resolved one. */
  public static InetSocketAddress toInet(io.vertx.core.net.SocketAddress a) {
    String host = a.hostAddress() != null ? a.hostAddress() : a.host();
    return new InetSocketAddress(parseIp(host), a.port());
  }

  /** Same IP (ignoring IPv6 zone) and port. */
  public static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
    return a != null
        && b != null
        && a.getPort() == b.getPort()
        && a.getAddress() != null
        && b.getAddress() != null
        && java.util.Arrays.equals(a.getAddress().getAddress(), b.getAddress().getAddress());
  }

  /** Same IP, ignoring IPv6 zone. */
  public static boolean sameIp(InetAddress a, InetAddress b) {
    return a != null && b != null && java.util.Arrays.equals(a.getAddress(), b.getAddress());
  }

  public static boolean isWildcard(InetAddress a) {
    return a != null && a.isAnyLocalAddress();
  }

  /**
   * The source IP the kernel would use to reach {@code destination} (a route lookup through an
   * unconnected-then-connected UDP socket; nothing is sent). <b>Blocking</b> (a system call, no
   * network I/O): call it from {@code executeBlocking}, never on an event loop.
   *
   * @throws java.io.IOException when there is no route
   */
  public static InetAddress routeSource(InetSocketAddress destination) throws java.io.IOException {
    try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
      s.connect(destination);
      InetAddress a = s.getLocalAddress();
      if (a == null || a.isAnyLocalAddress()) {
        throw new java.io.IOException("no route to " + format(destination));
      }
      return a;
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
