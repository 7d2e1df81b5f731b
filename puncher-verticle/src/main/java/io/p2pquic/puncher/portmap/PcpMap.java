package io.p2pquic.puncher.portmap;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * PCP's MAP opcode (RFC 6887 sections 7 and 11): the request a client sends to its gateway's port 5351 and
 * the response it gets. Addresses travel as 16 bytes, IPv4 as IPv4-mapped IPv6 (section 5). Only what a
 * client needs: MAP without options, UDP or TCP.
 */
public final class PcpMap {
  public static final int VERSION = 2;
  public static final int OPCODE_MAP = 1;
  public static final int REQUEST_LENGTH = 60;
  public static final int RESPONSE_LENGTH = 60;
  /** Protocol numbers (IANA). */
  public static final int UDP = 17;
  public static final int TCP = 6;

  private PcpMap() {
  }

  /**
   * A MAP request.
   *
   * @param lifetimeSeconds requested lifetime; 0 deletes the mapping (section 15)
   * @param clientIp the address the request is sent from (the server answers ADDRESS_MISMATCH otherwise)
   * @param nonce 12 random bytes naming the mapping; a renewal or deletion repeats them
   * @param suggestedExternalPort 0 for no preference
   */
  public record Request(long lifetimeSeconds, InetAddress clientIp, byte[] nonce, int protocol, int internalPort,
      int suggestedExternalPort) {
    public Request {
      if (nonce.length != 12) {
        throw new IllegalArgumentException("a PCP nonce has 12 bytes, not " + nonce.length);
      }
      nonce = nonce.clone();
    }

    public byte[] encode() {
      ByteBuffer b = ByteBuffer.allocate(REQUEST_LENGTH);
      b.put((byte) VERSION).put((byte) OPCODE_MAP).putShort((short) 0).putInt((int) lifetimeSeconds);
      b.put(sixteen(clientIp));
      b.put(nonce).put((byte) protocol).put(new byte[3]);
      b.putShort((short) internalPort).putShort((short) suggestedExternalPort);
      // no preferred external address: the IPv4-mapped all-zero address for an IPv4 mapping (11.1)
      b.put(sixteen(clientIp instanceof Inet4Address ? anyV4() : anyV6()));
      return b.array();
    }
  }

  /**
   * A MAP response (R bit set).
   *
   * @param resultCode 0 SUCCESS; see {@link #describe(int)}
   * @param epochSeconds the server's epoch: a jump back means it lost its mappings (section 8.5)
   */
  public record Response(int resultCode, long lifetimeSeconds, long epochSeconds, byte[] nonce, int protocol,
      int internalPort, int externalPort, InetAddress externalIp) {
    public Response {
      nonce = nonce.clone();
    }

    public boolean matches(Request r) {
      return Arrays.equals(nonce, r.nonce()) && protocol == r.protocol() && internalPort == r.internalPort();
    }
  }

  /**
   * Decodes a MAP response, or returns null for anything else a client must silently drop (section 8.3:
   * too short, not a response, another opcode). A version other than 2 is reported by
   * {@link #version(byte[], int)} first: version 0 means the server speaks only NAT-PMP.
   */
  public static Response decode(byte[] data, int length) {
    if (length < 24 || length > 1100 || (data[0] & 0xff) != VERSION || (data[1] & 0xff) != (0x80 | OPCODE_MAP)) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    b.position(3);
    int result = b.get() & 0xff;
    long lifetime = b.getInt() & 0xffff_ffffL;
    long epoch = b.getInt() & 0xffff_ffffL;
    if (length < RESPONSE_LENGTH) {
      // error responses may omit the opcode data only when the request was too short to parse; ours never is
      return result == 0 ? null : new Response(result, lifetime, epoch, new byte[12], 0, 0, 0, null);
    }
    b.position(24);
    byte[] nonce = new byte[12];
    b.get(nonce);
    int protocol = b.get() & 0xff;
    b.position(b.position() + 3);
    int internal = b.getShort() & 0xffff;
    int external = b.getShort() & 0xffff;
    byte[] ip = new byte[16];
    b.get(ip);
    return new Response(result, lifetime, epoch, nonce, protocol, internal, external, fromSixteen(ip));
  }

  /** The version byte of a packet from the server's port, or -1 when it is empty. */
  public static int version(byte[] data, int length) {
    return length < 1 ? -1 : data[0] & 0xff;
  }

  /** RFC 6887 section 7.4's result codes, for messages. */
  public static String describe(int resultCode) {
    return switch (resultCode) {
      case 0 -> "SUCCESS";
      case 1 -> "UNSUPP_VERSION";
      case 2 -> "NOT_AUTHORIZED (the gateway's policy refuses this mapping)";
      case 3 -> "MALFORMED_REQUEST";
      case 4 -> "UNSUPP_OPCODE";
      case 5 -> "UNSUPP_OPTION";
      case 6 -> "MALFORMED_OPTION";
      case 7 -> "NETWORK_FAILURE (the gateway has no external address yet)";
      case 8 -> "NO_RESOURCES";
      case 9 -> "UNSUPP_PROTOCOL";
      case 10 -> "USER_EX_QUOTA (this host holds too many mappings)";
      case 11 -> "CANNOT_PROVIDE_EXTERNAL";
      case 12 -> "ADDRESS_MISMATCH (a NAT between this host and the gateway)";
      case 13 -> "EXCESSIVE_REMOTE_PEERS";
      default -> "result code " + resultCode;
    };
  }

  /** An address as PCP carries it: IPv6 as is, IPv4 as ::ffff:a.b.c.d. */
  static byte[] sixteen(InetAddress ip) {
    if (ip instanceof Inet6Address) {
      return ip.getAddress();
    }
    byte[] out = new byte[16];
    out[10] = (byte) 0xff;
    out[11] = (byte) 0xff;
    System.arraycopy(ip.getAddress(), 0, out, 12, 4);
    return out;
  }

  static InetAddress fromSixteen(byte[] ip) {
    try {
      return InetAddress.getByAddress(ip); // Java turns ::ffff:a.b.c.d into an Inet4Address
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 16 bytes: never
    }
  }

  private static InetAddress anyV4() {
    return fromSixteen(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0});
  }

  private static InetAddress anyV6() {
    return fromSixteen(new byte[16]);
  }
}
