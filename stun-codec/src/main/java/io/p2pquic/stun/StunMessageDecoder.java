package io.p2pquic.stun;

import static io.p2pquic.stun.StunDecodeException.Reason.BAD_ATTRIBUTE_LENGTH;
import static io.p2pquic.stun.StunDecodeException.Reason.BAD_FINGERPRINT;
import static io.p2pquic.stun.StunDecodeException.Reason.BAD_LENGTH;
import static io.p2pquic.stun.StunDecodeException.Reason.BAD_MAGIC_COOKIE;
import static io.p2pquic.stun.StunDecodeException.Reason.MALFORMED_ATTRIBUTE;
import static io.p2pquic.stun.StunDecodeException.Reason.MISPLACED_ATTRIBUTE;
import static io.p2pquic.stun.StunDecodeException.Reason.NOT_STUN;
import static io.p2pquic.stun.StunDecodeException.Reason.TOO_MANY_ATTRIBUTES;
import static io.p2pquic.stun.StunDecodeException.Reason.TRUNCATED;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one STUN message (RFC 8489). Every malformation ends in a {@link StunDecodeException} with a
 * {@link StunDecodeException.Reason}; allocation is bounded by the input length and the attribute
 * limit. A FINGERPRINT, when present, is verified here (a mismatch means "not STUN" for
 * demultiplexing); MESSAGE-INTEGRITY is recorded and verified later with {@link
 * StunMessage#verifyMessageIntegrity} because only the receiver knows which key applies.
 */
public final class StunMessageDecoder {
  public static final int DEFAULT_MAX_ATTRIBUTES = 64;
  private static final int MAX_USERNAME = 512; // RFC 8489 14.3: < 513 bytes
  private static final int MAX_TEXT = 763; // REALM, NONCE, SOFTWARE: < 763 bytes

  private final int maxAttributes;

  public StunMessageDecoder() {
    this(DEFAULT_MAX_ATTRIBUTES);
  }

  public StunMessageDecoder(int maxAttributes) {
    this.maxAttributes = maxAttributes;
  }

  /**
   * Cheap test for demultiplexing (RFC 7983): first two bits zero, length a multiple of four that fits,
   * and the magic cookie. Does not move the reader index.
   */
  public static boolean looksLikeStun(ByteBuf buf) {
    int i = buf.readerIndex();
    if (buf.readableBytes() < StunMessage.HEADER_LENGTH) {
      return false;
    }
    int length = buf.getUnsignedShort(i + 2);
    return (buf.getUnsignedByte(i) & 0xC0) == 0
        && (length & 3) == 0
        && buf.getInt(i + 4) == StunMessage.MAGIC_COOKIE;
  }

  /**
   * For stream transports (RFC 8489 section 6.2.2): the total size of the message starting at the
   * reader index, or -1 if the 20-byte header is not complete yet.
   */
  public static int frameLength(ByteBuf buf) {
    if (buf.readableBytes() < 4) {
      return -1;
    }
    return StunMessage.HEADER_LENGTH + buf.getUnsignedShort(buf.readerIndex() + 2);
  }

  /** Decodes all readable bytes as exactly one message and consumes them. */
  public StunMessage decode(ByteBuf buf) throws StunDecodeException {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    return decode(bytes);
  }

  /** Decodes {@code bytes} as exactly one message. The array is kept for integrity checks; don't reuse it. */
  public StunMessage decode(byte[] m) throws StunDecodeException {
    ByteBuf buf = Unpooled.wrappedBuffer(m);
    List<StunAttribute> attributes = new ArrayList<>();
    Framing f = frame(buf, maxAttributes, (type, at, len) -> attributes.add(decodeAttribute(m, buf, type, at, len)));
    return StunMessage.decoded(
        StunMessageType.fromWire(f.rawType()),
        transactionId(m),
        attributes,
        f.fingerprint(),
        m,
        f.integrityOffset(),
        f.sha256Offset(),
        f.sha256Length());
  }

  private static TransactionId transactionId(byte[] m) {
    byte[] tidBytes = new byte[TransactionId.LENGTH];
    System.arraycopy(m, 8, tidBytes, 0, TransactionId.LENGTH);
    return TransactionId.of(tidBytes);
  }

  /** Called by {@link #frame} for each attribute before the integrity attributes; offsets from the message start. */
  @FunctionalInterface
  public interface AttributeVisitor {
    void attribute(int type, int valueOffset, int valueLength) throws StunDecodeException;
  }

  /**
   * What {@link #frame} found besides the attributes: the wire type, where MESSAGE-INTEGRITY(-SHA256)
   * start (-1 when absent) and whether a valid FINGERPRINT closed the message.
   */
  public record Framing(int rawType, int integrityOffset, int sha256Offset, int sha256Length, boolean fingerprint) {}

  /**
   * The framing rules of RFC 8489 for the message that fills {@code m}'s readable bytes, without building
   * it: header (first bits, length, magic cookie, exact size), every attribute inside the message, at most
   * {@code maxAttributes}, integrity attribute lengths, nothing after FINGERPRINT and FINGERPRINT's CRC.
   * Each attribute before the integrity attributes goes to {@code visitor} (RFC 8489 14.5/14.6: those
   * after it are ignored). The full decoder and the relay's allocation-free paths share this walk.
   */
  public static Framing frame(ByteBuf m, int maxAttributes, AttributeVisitor visitor) throws StunDecodeException {
    int base = m.readerIndex();
    int size = m.readableBytes();
    if (size < StunMessage.HEADER_LENGTH) {
      throw new StunDecodeException(TRUNCATED, "shorter than the 20-byte STUN header: " + size + " bytes");
    }
    int rawType = m.getUnsignedShort(base);
    if ((rawType & 0xC000) != 0) {
      throw new StunDecodeException(NOT_STUN, "first two bits are not zero");
    }
    int length = m.getUnsignedShort(base + 2);
    if ((length & 3) != 0) {
      throw new StunDecodeException(BAD_LENGTH, "message length " + length + " is not a multiple of 4");
    }
    if (m.getInt(base + 4) != StunMessage.MAGIC_COOKIE) {
      throw new StunDecodeException(BAD_MAGIC_COOKIE, "magic cookie missing (RFC 3489 message or not STUN)");
    }
    if (StunMessage.HEADER_LENGTH + length > size) {
      throw new StunDecodeException(
          TRUNCATED, "header says " + length + " attribute bytes, only " + (size - 20) + " present");
    }
    if (StunMessage.HEADER_LENGTH + length < size) {
      throw new StunDecodeException(
          BAD_LENGTH, (size - 20 - length) + " bytes after the message end");
    }
    int integrityOffset = -1;
    int sha256Offset = -1;
    int sha256Length = 0;
    boolean fingerprint = false;
    int count = 0;
    int pos = StunMessage.HEADER_LENGTH;
    int end = StunMessage.HEADER_LENGTH + length;
    while (pos < end) {
      if (++count > maxAttributes) {
        throw new StunDecodeException(TOO_MANY_ATTRIBUTES, "more than " + maxAttributes + " attributes");
      }
      if (end - pos < 4) {
        throw new StunDecodeException(TRUNCATED, "attribute header truncated at offset " + pos);
      }
      int type = m.getUnsignedShort(base + pos);
      int valueLength = m.getUnsignedShort(base + pos + 2);
      int padded = (valueLength + 3) & ~3;
      if (pos + 4 + padded > end) {
        throw new StunDecodeException(
            BAD_ATTRIBUTE_LENGTH,
            StunAttributeType.name(type) + " length " + valueLength + " runs past the message end");
      }
      int value = pos + 4;
      if (fingerprint) {
        throw new StunDecodeException(MISPLACED_ATTRIBUTE, "attribute after FINGERPRINT");
      }
      switch (type) {
        case StunAttributeType.MESSAGE_INTEGRITY -> {
          if (valueLength != 20) {
            throw malformed(type, "length must be 20, is " + valueLength);
          }
          if (integrityOffset < 0 && sha256Offset < 0) {
            integrityOffset = pos;
          }
        }
        case StunAttributeType.MESSAGE_INTEGRITY_SHA256 -> {
          if (valueLength < 16 || valueLength > 32 || (valueLength & 3) != 0) {
            throw malformed(type, "length must be 16-32 in steps of 4, is " + valueLength);
          }
          if (sha256Offset < 0) {
            sha256Offset = pos;
            sha256Length = valueLength;
          }
        }
        case StunAttributeType.FINGERPRINT -> {
          if (valueLength != 4) {
            throw malformed(type, "length must be 4, is " + valueLength);
          }
          if (m.getInt(base + value) != (int) Fingerprint.compute(m, pos)) {
            throw new StunDecodeException(BAD_FINGERPRINT, "FINGERPRINT does not match the message");
          }
          fingerprint = true;
        }
        default -> {
          if (integrityOffset < 0 && sha256Offset < 0) {
            visitor.attribute(type, value, valueLength);
          }
        }
      }
      pos += 4 + padded;
    }
    return new Framing(rawType, integrityOffset, sha256Offset, sha256Length, fingerprint);
  }

  private static StunAttribute decodeAttribute(byte[] m, ByteBuf buf, int type, int at, int len)
      throws StunDecodeException {
    switch (type) {
      case StunAttributeType.MAPPED_ADDRESS,
          StunAttributeType.XOR_MAPPED_ADDRESS,
          StunAttributeType.ALTERNATE_SERVER,
          StunAttributeType.RESPONSE_ORIGIN,
          StunAttributeType.OTHER_ADDRESS,
          StunAttributeType.XOR_PEER_ADDRESS,
          StunAttributeType.XOR_RELAYED_ADDRESS -> {
        return new AddressAttribute(type, decodeAddress(buf, type, at, len));
      }
      case StunAttributeType.USERNAME -> {
        return text(m, type, at, len, MAX_USERNAME);
      }
      case StunAttributeType.REALM,
          StunAttributeType.NONCE,
          StunAttributeType.SOFTWARE,
          StunAttributeType.ALTERNATE_DOMAIN -> {
        return text(m, type, at, len, MAX_TEXT);
      }
      case StunAttributeType.ERROR_CODE -> {
        if (len < 4) {
          throw malformed(type, "shorter than 4 bytes");
        }
        int cls = m[at + 2] & 0x07;
        int number = m[at + 3] & 0xFF;
        if (cls < 3 || cls > 6 || number > 99) {
          throw malformed(type, "code " + cls + "/" + number + " outside 300-699");
        }
        return new ErrorCodeAttribute(
            cls * 100 + number, new String(m, at + 4, len - 4, StandardCharsets.UTF_8));
      }
      case StunAttributeType.UNKNOWN_ATTRIBUTES -> {
        if ((len & 1) != 0) {
          throw malformed(type, "odd length " + len);
        }
        List<Integer> types = new ArrayList<>(len / 2);
        for (int i = 0; i < len; i += 2) {
          types.add(u16(m, at + i));
        }
        return new UnknownAttributesAttribute(types);
      }
      case StunAttributeType.PRIORITY,
          StunAttributeType.LIFETIME,
          StunAttributeType.CHANGE_REQUEST,
          StunAttributeType.CHANNEL_NUMBER,
          StunAttributeType.REQUESTED_TRANSPORT,
          StunAttributeType.REQUESTED_ADDRESS_FAMILY,
          StunAttributeType.ADDITIONAL_ADDRESS_FAMILY,
          StunAttributeType.RESPONSE_PORT -> {
        if (len != 4) {
          throw malformed(type, "length must be 4, is " + len);
        }
        return new UInt32Attribute(type, u32(m, at) & 0xFFFF_FFFFL);
      }
      case StunAttributeType.ICE_CONTROLLED,
          StunAttributeType.ICE_CONTROLLING,
          StunAttributeType.RESERVATION_TOKEN -> {
        if (len != 8) {
          throw malformed(type, "length must be 8, is " + len);
        }
        return new UInt64Attribute(type, ((long) u32(m, at) << 32) | (u32(m, at + 4) & 0xFFFF_FFFFL));
      }
      case StunAttributeType.USE_CANDIDATE, StunAttributeType.DONT_FRAGMENT -> {
        if (len != 0) {
          throw malformed(type, "must be empty, has " + len + " bytes");
        }
        return new FlagAttribute(type);
      }
      default -> {
        byte[] v = new byte[len];
        System.arraycopy(m, at, v, 0, len);
        return new RawAttribute(type, v);
      }
    }
  }

  /**
   * The address in the attribute value at {@code at} (from the message start, which is {@code m}'s reader
   * index), un-XORed for the XOR-*-ADDRESS types with the cookie and the message's transaction id.
   */
  public static InetSocketAddress decodeAddress(ByteBuf m, int type, int at, int len) throws StunDecodeException {
    if (len < 4) {
      throw malformed(type, "shorter than 4 bytes");
    }
    int base = m.readerIndex();
    int family = m.getUnsignedByte(base + at + 1);
    int port = m.getUnsignedShort(base + at + 2);
    int addrLength = switch (family) {
      case 0x01 -> 4;
      case 0x02 -> 16;
      default -> throw malformed(type, "unknown address family " + family);
    };
    if (len != 4 + addrLength) {
      throw malformed(type, "length " + len + " does not fit family " + family);
    }
    byte[] addr = new byte[addrLength];
    m.getBytes(base + at + 4, addr);
    if (StunAttributeType.isXorAddress(type)) {
      port ^= StunMessage.MAGIC_COOKIE >>> 16;
      xorAddress(addr, m, base + 8);
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(addr), port);
    } catch (UnknownHostException e) {
      throw malformed(type, "bad address bytes"); // cannot happen for 4 or 16 bytes
    }
  }

  /** XOR with the magic cookie, then (IPv6) the transaction id; the same operation encodes. */
  static void xorAddress(byte[] addr, TransactionId tid) {
    xorAddress(addr, Unpooled.wrappedBuffer(tid.unsafeBytes()), 0);
  }

  /**
   * XORs an address's bytes as RFC 8489 section 14.2 says: with the magic cookie, then (IPv6) with the
   * transaction id found at {@code tidIndex} of {@code tidSource}. The same operation encodes and decodes.
   */
  public static void xorAddress(byte[] addr, ByteBuf tidSource, int tidIndex) {
    for (int i = 0; i < addr.length; i++) {
      int mask = i < 4 ? (StunMessage.MAGIC_COOKIE >>> (24 - 8 * i)) & 0xFF : tidSource.getByte(tidIndex + i - 4);
      addr[i] ^= (byte) mask;
    }
  }

  private static StringAttribute text(byte[] m, int type, int at, int len, int max)
      throws StunDecodeException {
    if (len > max) {
      throw malformed(type, "longer than " + max + " bytes");
    }
    return new StringAttribute(type, new String(m, at, len, StandardCharsets.UTF_8));
  }

  private static StunDecodeException malformed(int type, String why) {
    return new StunDecodeException(MALFORMED_ATTRIBUTE, StunAttributeType.name(type) + ": " + why);
  }

  private static int u16(byte[] m, int i) {
    return ((m[i] & 0xFF) << 8) | (m[i + 1] & 0xFF);
  }

  private static int u32(byte[] m, int i) {
    return ((m[i] & 0xFF) << 24) | ((m[i + 1] & 0xFF) << 16) | ((m[i + 2] & 0xFF) << 8) | (m[i + 3] & 0xFF);
  }
}
