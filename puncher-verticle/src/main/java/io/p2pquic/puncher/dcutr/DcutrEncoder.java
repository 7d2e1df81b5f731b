package io.p2pquic.puncher.dcutr;

import io.p2pquic.puncher.ice.Candidate;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes {@link DcutrMessage}s, one per QUIC DATAGRAM:
 *
 * <pre>
 * 0xDC  type (0x01 CONNECT, 0x02 SYNC)  attempt (u8)
 * CONNECT then: ufrag (u8 length, ASCII)  pwd (u8 length, ASCII)  count (u8)
 *               count x candidate (u16 length, ASCII, as trickled: "1 1 UDP 2130706431 192.0.2.1 50000 typ host")
 * </pre>
 *
 * libp2p encodes its HolePunch message in protobuf on a stream; the issue lets the encoding be ours,
 * and candidates in SDP form keep type, priority and base that the checks need.
 */
public final class DcutrEncoder {
  static final int MAGIC = 0xDC;
  static final int CONNECT = 0x01;
  static final int SYNC = 0x02;
  /** At most this many addresses in one CONNECT (so it fits in one datagram). */
  public static final int MAX_ADDRESSES = 16;

  private DcutrEncoder() {}

  public static Buffer encode(DcutrMessage m) {
    Buffer b = Buffer.buffer().appendUnsignedByte((short) MAGIC);
    if (m instanceof DcutrMessage.Sync s) {
      b.appendUnsignedByte((short) SYNC).appendUnsignedByte((short) s.attempt());
    } else if (m instanceof DcutrMessage.Connect c) {
      if (c.addresses().size() > MAX_ADDRESSES) {
        throw new IllegalArgumentException("at most " + MAX_ADDRESSES + " addresses: " + c.addresses().size());
      }
      b.appendUnsignedByte((short) CONNECT).appendUnsignedByte((short) c.attempt());
      shortString(b, c.credentials().ufrag());
      shortString(b, c.credentials().pwd());
      b.appendUnsignedByte((short) c.addresses().size());
      for (Candidate a : c.addresses()) {
        byte[] sdp = a.toSdp().getBytes(StandardCharsets.US_ASCII);
        b.appendUnsignedShort(sdp.length).appendBytes(sdp);
      }
    }
    return b;
  }

  private static void shortString(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length > 255) {
      throw new IllegalArgumentException("longer than 255 bytes: " + s);
    }
    b.appendUnsignedByte((short) bytes.length).appendBytes(bytes);
  }
}
