package io.p2pquic.stun.turn;

import io.netty.buffer.ByteBuf;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import java.net.InetSocketAddress;

/**
 * Reads a TURN Send indication (RFC 8656 section 11.4) in place: its XOR-PEER-ADDRESS and where its DATA
 * lies, under the same framing rules as {@link StunMessageDecoder} (it uses the same walk) but without
 * copying the datagram or building a {@code StunMessage}: the relay's per-packet path.
 *
 * <p>One instance keeps the last result; it is meant for one thread (a relay's event loop).
 */
public final class SendIndicationDecoder {
  /** Wire type of a Send indication (0x0016). */
  public static final int WIRE_TYPE = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION).toWire();

  private final int maxAttributes;
  private final StunMessageDecoder.AttributeVisitor visitor = this::attribute;
  private ByteBuf message;
  private InetSocketAddress peer;
  private int dataOffset;
  private int dataLength;

  public SendIndicationDecoder() {
    this(StunMessageDecoder.DEFAULT_MAX_ATTRIBUTES);
  }

  public SendIndicationDecoder(int maxAttributes) {
    this.maxAttributes = maxAttributes;
  }

  /** True when the readable bytes start with a Send indication's type (checks nothing else). */
  public static boolean isSendIndication(ByteBuf buf) {
    return buf.readableBytes() >= 2 && buf.getUnsignedShort(buf.readerIndex()) == WIRE_TYPE;
  }

  /**
   * Reads the Send indication filling {@code m}'s readable bytes. Returns false when the message is well
   * formed but lacks XOR-PEER-ADDRESS or DATA (RFC 8656 section 11.4: discard); throws for a malformed one.
   * Neither moves the reader index. The first of a repeated attribute counts.
   */
  public boolean decode(ByteBuf m) throws StunDecodeException {
    message = m;
    peer = null;
    dataOffset = -1;
    dataLength = 0;
    try {
      StunMessageDecoder.Framing f = StunMessageDecoder.frame(m, maxAttributes, visitor);
      if (f.rawType() != WIRE_TYPE) {
        throw new IllegalArgumentException("not a Send indication: type 0x" + Integer.toHexString(f.rawType()));
      }
    } finally {
      message = null;
    }
    return peer != null && dataOffset >= 0;
  }

  /** XOR-PEER-ADDRESS of the last message decoded. */
  public InetSocketAddress peer() {
    return peer;
  }

  /** The DATA bytes of the last message decoded, a slice of its buffer (not retained). */
  public ByteBuf data(ByteBuf m) {
    return m.slice(m.readerIndex() + dataOffset, dataLength);
  }

  public int dataLength() {
    return dataLength;
  }

  private void attribute(int type, int at, int len) throws StunDecodeException {
    if (type == StunAttributeType.XOR_PEER_ADDRESS && peer == null) {
      peer = StunMessageDecoder.decodeAddress(message, type, at, len);
    } else if (type == StunAttributeType.DATA && dataOffset < 0) {
      dataOffset = at;
      dataLength = len;
    }
  }
}
