package io.p2pquic.puncher.portmap;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * NAT-PMP (RFC 6886), PCP's predecessor that many gateways still speak alone: the external-address request
 * (opcode 0) and the UDP/TCP mapping requests (opcodes 1 and 2), sent to the gateway's port 5351, and
 * their responses (opcode + 128). A NAT-PMP gateway answers a PCP request with version 0 and result 1.
 */
public final class NatPmp {
  public static final int VERSION = 0;
  public static final int OPCODE_EXTERNAL_ADDRESS = 0;
  public static final int OPCODE_MAP_UDP = 1;
  public static final int OPCODE_MAP_TCP = 2;

  private NatPmp() {
  }

  /** Section 3.2: two bytes, version and opcode 0. */
  public static byte[] externalAddressRequest() {
    return new byte[] {VERSION, OPCODE_EXTERNAL_ADDRESS};
  }

  /** Section 3.3: a mapping request; lifetime 0 (with suggested port 0) deletes the mapping. */
  public static byte[] mapRequest(int opcode, int internalPort, int suggestedExternalPort, long lifetimeSeconds) {
    return ByteBuffer.allocate(12).put((byte) VERSION).put((byte) opcode).putShort((short) 0)
        .putShort((short) internalPort).putShort((short) suggestedExternalPort).putInt((int) lifetimeSeconds).array();
  }

  /** Section 3.2's answer: the gateway's external IPv4 address. */
  public record ExternalAddress(int resultCode, long epochSeconds, InetAddress address) {}

  /** Section 3.3's answer: the mapped external port and the lifetime granted. */
  public record Mapping(int resultCode, int opcode, long epochSeconds, int internalPort, int externalPort,
      long lifetimeSeconds) {}

  /** The response's opcode (already + 128), or -1 when this is no NAT-PMP response. */
  public static int responseOpcode(byte[] data, int length) {
    return length >= 4 && data[0] == VERSION && (data[1] & 0x80) != 0 ? data[1] & 0xff : -1;
  }

  /** Decodes an external-address response, or null when too short (a client drops it, section 3.5). */
  public static ExternalAddress decodeExternalAddress(byte[] data, int length) {
    if (length < 8 || responseOpcode(data, length) != 128 + OPCODE_EXTERNAL_ADDRESS) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    int result = b.getShort(2) & 0xffff;
    long epoch = b.getInt(4) & 0xffff_ffffL;
    if (result != 0 || length < 12) {
      return result == 0 ? null : new ExternalAddress(result, epoch, null);
    }
    byte[] ip = new byte[4];
    b.position(8);
    b.get(ip);
    try {
      return new ExternalAddress(result, epoch, InetAddress.getByAddress(ip));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes: never
    }
  }

  /** Decodes a mapping response, or null when it is none (or too short). */
  public static Mapping decodeMapping(byte[] data, int length) {
    int op = responseOpcode(data, length);
    if (op != 128 + OPCODE_MAP_UDP && op != 128 + OPCODE_MAP_TCP || length < 8) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    int result = b.getShort(2) & 0xffff;
    long epoch = b.getInt(4) & 0xffff_ffffL;
    if (length < 16) {
      return result == 0 ? null : new Mapping(result, op - 128, epoch, 0, 0, 0);
    }
    return new Mapping(result, op - 128, epoch, b.getShort(8) & 0xffff, b.getShort(10) & 0xffff,
        b.getInt(12) & 0xffff_ffffL);
  }

  /** Section 3.5's result codes, for messages. */
  public static String describe(int resultCode) {
    return switch (resultCode) {
      case 0 -> "Success";
      case 1 -> "Unsupported Version";
      case 2 -> "Not Authorized/Refused (port mapping is disabled on the gateway)";
      case 3 -> "Network Failure (the gateway has no external address yet)";
      case 4 -> "Out of resources";
      case 5 -> "Unsupported opcode";
      default -> "result code " + resultCode;
    };
  }
}
