package io.p2pquic.stun.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.TransactionId;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The relay's in-place codecs for Send and Data indications (RFC 8656 sections 11.4 and 11.6): exact
 * bytes, agreement with the general {@link StunMessageEncoder}/{@link StunMessageDecoder}, and the
 * general decoder's rejections.
 */
class RelayIndicationCodecTest {
  private static final HexFormat HEX = HexFormat.of();
  /** nextInt() is 0x01020304 every time: transaction id 01020304 x 3. */
  private static final RandomGenerator FIXED = () -> 0x0102030400000000L;
  private static final TransactionId TID = TransactionId.of(HEX.parseHex("010203040102030401020304"));
  private static final StunMessageType SEND = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION);
  private static final StunMessageType DATA = StunMessageType.of(StunMethod.DATA, StunClass.INDICATION);

  @Test
  void dataIndicationBytesExactly() {
    ByteBuf out = Unpooled.buffer();
    DataIndicationEncoder.encode(out, new InetSocketAddress("192.0.2.1", 32853),
        Unpooled.wrappedBuffer(HEX.parseHex("0102030405")), FIXED);
    assertThat(ByteBufUtil.hexDump(out)).isEqualTo("0017" + "0018" + "2112a442" + "010203040102030401020304"
        + "0012" + "0008" + "0001" + "a147" + "e112a643" // XOR-PEER-ADDRESS 192.0.2.1:32853
        + "0013" + "0005" + "0102030405" + "000000"); // DATA, padded with zeros
    assertThat(out.readableBytes()).isEqualTo(DataIndicationEncoder.encodedLength(new InetSocketAddress("192.0.2.1", 1), 5));
  }

  @Test
  void dataIndicationMatchesTheGeneralEncoderForBothFamilies() {
    for (String host : new String[] {"198.51.100.7", "2001:db8::1:2"}) {
      for (int size : new int[] {0, 1, 4, 1200}) {
        InetSocketAddress peer = new InetSocketAddress(host, 40000 + size);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
          data[i] = (byte) (i * 7);
        }
        ByteBuf out = Unpooled.buffer();
        DataIndicationEncoder.encode(out, peer, Unpooled.wrappedBuffer(data), FIXED);
        byte[] expected = new StunMessageEncoder().encodeToBytes(StunMessage.builder(DATA, TID)
            .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer))
            .add(new RawAttribute(StunAttributeType.DATA, data))
            .build());
        assertThat(ByteBufUtil.getBytes(out)).as("%s, %d bytes", host, size).isEqualTo(expected);
      }
    }
  }

  @Test
  void sendIndicationReadInPlaceAsTheGeneralDecoderReadsIt() throws Exception {
    for (String host : new String[] {"203.0.113.9", "2001:db8::9"}) {
      InetSocketAddress peer = new InetSocketAddress(host, 3478);
      byte[] wire = new StunMessageEncoder().encodeToBytes(StunMessage.builder(SEND, TID)
          .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer))
          .add(StunAttributes.software("uclient"))
          .add(new RawAttribute(StunAttributeType.DATA, HEX.parseHex("cafebabe01")))
          .fingerprint()
          .build());
      ByteBuf in = Unpooled.wrappedBuffer(wire);
      SendIndicationDecoder d = new SendIndicationDecoder();
      assertThat(SendIndicationDecoder.isSendIndication(in)).isTrue();
      assertThat(d.decode(in)).isTrue();
      assertThat(d.peer()).isEqualTo(peer).isEqualTo(
          new StunMessageDecoder().decode(wire).address(StunAttributeType.XOR_PEER_ADDRESS).orElseThrow());
      assertThat(ByteBufUtil.hexDump(d.data(in))).isEqualTo("cafebabe01");
      assertThat(d.dataLength()).isEqualTo(5);
      assertThat(in.readerIndex()).isZero();
    }
  }

  @Test
  void sendIndicationWithoutPeerOrDataIsDiscardedNotThrown() throws Exception {
    SendIndicationDecoder d = new SendIndicationDecoder();
    byte[] noData = new StunMessageEncoder().encodeToBytes(StunMessage.builder(SEND, TID)
        .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, new InetSocketAddress("192.0.2.1", 9)))
        .build());
    byte[] noPeer = new StunMessageEncoder().encodeToBytes(StunMessage.builder(SEND, TID)
        .add(new RawAttribute(StunAttributeType.DATA, new byte[3]))
        .build());
    assertThat(d.decode(Unpooled.wrappedBuffer(noData))).isFalse();
    assertThat(d.decode(Unpooled.wrappedBuffer(noPeer))).isFalse();
  }

  @Test
  void malformedSendIndicationsFailAsInTheGeneralDecoder() {
    byte[] good = new StunMessageEncoder().encodeToBytes(StunMessage.builder(SEND, TID)
        .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, new InetSocketAddress("192.0.2.1", 9)))
        .add(new RawAttribute(StunAttributeType.DATA, new byte[8]))
        .fingerprint()
        .build());
    byte[] badCrc = good.clone();
    badCrc[badCrc.length - 1] ^= 1;
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 4);
    byte[] badFamily = good.clone();
    badFamily[25] = 7; // XOR-PEER-ADDRESS family byte
    for (byte[] bad : new byte[][] {badCrc, truncated, badFamily}) {
      StunDecodeException.Reason expected = reason(() -> new StunMessageDecoder().decode(bad));
      assertThatThrownBy(() -> new SendIndicationDecoder().decode(Unpooled.wrappedBuffer(bad)))
          .isInstanceOf(StunDecodeException.class)
          .matches(e -> ((StunDecodeException) e).reason() == expected, "same reason as the general decoder: " + expected);
    }
  }

  private interface Decode {
    void run() throws StunDecodeException;
  }

  private static StunDecodeException.Reason reason(Decode d) {
    try {
      d.run();
    } catch (StunDecodeException e) {
      return e.reason();
    }
    throw new AssertionError("the general decoder accepted it");
  }
}
