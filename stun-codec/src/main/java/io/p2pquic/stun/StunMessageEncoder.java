package io.p2pquic.stun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes a {@link StunMessage}: header, attributes with 4-byte padding, then MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT in that order when the message asks for them.
 */
public final class StunMessageEncoder {
  private final byte paddingByte;

  /** Pads with zero bytes, as senders should. */
  public StunMessageEncoder() {
    this((byte) 0);
  }

  /**
   * Receivers ignore padding content (RFC 8489 section 14), so any byte is valid; RFC 5769's vectors
   * pad with spaces, and reproducing them byte for byte needs that.
   */
  public StunMessageEncoder(byte paddingByte) {
    this.paddingByte = paddingByte;
  }

  public byte[] encodeToBytes(StunMessage msg) {
    // Values first, so the output is allocated once at its exact size (a fixed 64 KiB scratch array
    // cost as much as the whole encode: docs/benchmarks.md).
    List<StunAttribute> attributes = msg.attributes();
    byte[][] values = new byte[attributes.size()][];
    int size = StunMessage.HEADER_LENGTH;
    for (int i = 0; i < values.length; i++) {
      values[i] = valueOf(attributes.get(i), msg.transactionId());
      if (values[i].length > 0xFFFF) {
        throw new IllegalArgumentException(StunAttributeType.name(attributes.get(i).type()) + " value too large");
      }
      size += 4 + ((values[i].length + 3) & ~3);
    }
    size += (msg.integrityKey() != null ? 24 : 0) + (msg.integritySha256Key() != null ? 36 : 0)
        + (msg.hasFingerprint() ? 8 : 0);
    if (size - StunMessage.HEADER_LENGTH > 0xFFFF) {
      throw new IllegalArgumentException("message too large: " + size + " bytes");
    }
    byte[] out = new byte[size];
    int pos = writeHeader(out, msg);
    for (int i = 0; i < values.length; i++) {
      pos = writeAttribute(out, pos, attributes.get(i).type(), values[i]);
    }
    if (msg.integrityKey() != null) {
      int at = pos;
      pos = writeAttributeHeader(out, pos, StunAttributeType.MESSAGE_INTEGRITY, 20);
      System.arraycopy(MessageIntegrity.compute(out, at, 20, msg.integrityKey(), false), 0, out, pos, 20);
      pos += 20;
    }
    if (msg.integritySha256Key() != null) {
      int at = pos;
      pos = writeAttributeHeader(out, pos, StunAttributeType.MESSAGE_INTEGRITY_SHA256, 32);
      System.arraycopy(MessageIntegrity.compute(out, at, 32, msg.integritySha256Key(), true), 0, out, pos, 32);
      pos += 32;
    }
    if (msg.hasFingerprint()) {
      int at = pos;
      pos = writeAttributeHeader(out, pos, StunAttributeType.FINGERPRINT, 4);
      putU32(out, pos, (int) Fingerprint.compute(out, at));
      pos += 4;
    }
    putU16(out, 2, pos - StunMessage.HEADER_LENGTH);
    return out;
  }

  public ByteBuf encode(StunMessage msg) {
    return Unpooled.wrappedBuffer(encodeToBytes(msg));
  }

  public void encode(StunMessage msg, ByteBuf out) {
    out.writeBytes(encodeToBytes(msg));
  }

  private static int writeHeader(byte[] out, StunMessage msg) {
    putU16(out, 0, msg.type().toWire());
    putU32(out, 4, StunMessage.MAGIC_COOKIE);
    System.arraycopy(msg.transactionId().unsafeBytes(), 0, out, 8, TransactionId.LENGTH);
    return StunMessage.HEADER_LENGTH;
  }

  /** Writes the header and sets the message length so far, as integrity and fingerprint expect. */
  private static int writeAttributeHeader(byte[] out, int pos, int type, int length) {
    putU16(out, pos, type);
    putU16(out, pos + 2, length);
    return pos + 4;
  }

  private int writeAttribute(byte[] out, int pos, int type, byte[] value) {
    pos = writeAttributeHeader(out, pos, type, value.length);
    System.arraycopy(value, 0, out, pos, value.length);
    pos += value.length;
    while ((pos & 3) != 0) {
      out[pos++] = paddingByte;
    }
    return pos;
  }

  private static byte[] valueOf(StunAttribute a, TransactionId tid) {
    if (a instanceof AddressAttribute x) {
      return addressValue(x, tid);
    } else if (a instanceof StringAttribute x) {
      return x.value().getBytes(StandardCharsets.UTF_8);
    } else if (a instanceof ErrorCodeAttribute x) {
      byte[] reason = x.reason().getBytes(StandardCharsets.UTF_8);
      byte[] v = new byte[4 + reason.length];
      v[2] = (byte) (x.code() / 100);
      v[3] = (byte) (x.code() % 100);
      System.arraycopy(reason, 0, v, 4, reason.length);
      return v;
    } else if (a instanceof UnknownAttributesAttribute x) {
      byte[] v = new byte[2 * x.types().size()];
      for (int i = 0; i < x.types().size(); i++) {
        putU16(v, 2 * i, x.types().get(i));
      }
      return v;
    } else if (a instanceof UInt32Attribute x) {
      byte[] v = new byte[4];
      putU32(v, 0, (int) x.value());
      return v;
    } else if (a instanceof UInt64Attribute x) {
      byte[] v = new byte[8];
      putU32(v, 0, (int) (x.value() >>> 32));
      putU32(v, 4, (int) x.value());
      return v;
    } else if (a instanceof FlagAttribute) {
      return new byte[0];
    } else {
      return ((RawAttribute) a).unsafeValue();
    }
  }

  private static byte[] addressValue(AddressAttribute a, TransactionId tid) {
    InetSocketAddress sa = a.address();
    byte[] addr = sa.getAddress().getAddress();
    int port = sa.getPort();
    if (a.xored()) {
      port ^= StunMessage.MAGIC_COOKIE >>> 16;
      StunMessageDecoder.xorAddress(addr, tid);
    }
    byte[] v = new byte[4 + addr.length];
    v[1] = (byte) (sa.getAddress() instanceof Inet4Address ? 0x01 : 0x02);
    putU16(v, 2, port);
    System.arraycopy(addr, 0, v, 4, addr.length);
    return v;
  }

  private static void putU16(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 8);
    b[i + 1] = (byte) v;
  }

  private static void putU32(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 24);
    b[i + 1] = (byte) (v >>> 16);
    b[i + 2] = (byte) (v >>> 8);
    b[i + 3] = (byte) v;
  }
}
