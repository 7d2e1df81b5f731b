package io.p2pquic.puncher.ice;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Which addresses a peer may make us send to. Candidates arrive from the other peer through the
 * rendezvous, and every one of them makes this host send connectivity checks (or a TCP connect, or
 * QUIC punch packets) there: without a filter a hostile peer or rendezvous points us at our own
 * loopback services or the cloud metadata endpoint. Refused: port 0, unspecified, multicast and
 * broadcast addresses, IPv4-compatible IPv6 (deprecated, reaches IPv4 by another name), the metadata
 * addresses, and loopback unless this peer offers loopback candidates itself (single-host tests).
 * IPv4-mapped IPv6 is judged as the IPv4 address it maps (Java parses it so).
 */
public final class RemoteAddressPolicy {
  private RemoteAddressPolicy() {}

  /** Null when {@code a} may be checked or dialled, else why not (a short phrase for logs and metrics). */
  public static String refuse(InetSocketAddress a, boolean allowLoopback) {
    if (a == null || a.isUnresolved()) {
      return "not an IP address";
    }
    if (a.getPort() == 0) {
      return "port 0";
    }
    InetAddress ip = a.getAddress();
    if (ip.isAnyLocalAddress()) {
      return "unspecified address";
    }
    if (ip.isMulticastAddress()) {
      return "multicast address";
    }
    byte[] b = ip.getAddress();
    if (ip instanceof Inet4Address && (b[0] & 0xff) == 255 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255
        && (b[3] & 0xff) == 255) {
      return "broadcast address";
    }
    if (ip instanceof Inet6Address && isIpv4Compatible(b)) {
      return "IPv4-compatible IPv6 address";
    }
    if (isMetadataService(b)) {
      return "cloud metadata address";
    }
    if (ip.isLoopbackAddress() && !allowLoopback) {
      return "loopback address (this peer offers no loopback candidates)";
    }
    return null;
  }

  /** ::a.b.c.d with a non-zero IPv4 part (not :: or ::1). */
  private static boolean isIpv4Compatible(byte[] b) {
    for (int i = 0; i < 12; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[12] | b[13] | b[14]) != 0 || (b[15] & 0xff) > 1;
  }

  /** 169.254.169.254 (AWS, GCP, Azure, ...) and fd00:ec2::254 (AWS IPv6). */
  private static boolean isMetadataService(byte[] b) {
    if (b.length == 4) {
      return (b[0] & 0xff) == 169 && (b[1] & 0xff) == 254 && (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254;
    }
    byte[] aws = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
    return java.util.Arrays.equals(b, aws);
  }
}
