package io.p2pquic.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class StunMessageCodecRoundTripTest {
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final StunMessageDecoder decoder = new StunMessageDecoder();

  @Test
  void everyModelledAttributeSurvivesARoundTrip() throws Exception {
    InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 40001);
    InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("2001:db8::42"), 3478);
    List<StunAttribute> attributes = List.of(
        StunAttributes.mappedAddress(v4),
        StunAttributes.xorMappedAddress(v6),
        StunAttributes.responseOrigin(v4),
        StunAttributes.otherAddress(v6),
        StunAttributes.alternateServer(v4),
        new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, v4),
        new AddressAttribute(StunAttributeType.XOR_RELAYED_ADDRESS, v6),
        StunAttributes.username("alice:bob"),
        StunAttributes.realm("p2p-quic"),
        StunAttributes.nonce("abc"),
        StunAttributes.software("p2p-quic \u00e9"),
        StunAttributes.errorCode(438, "Stale Nonce"),
        StunAttributes.unknownAttributes(List.of(0x0031, 0x0032, 0x0033)),
        StunAttributes.priority(0xFFFF_FFFEL),
        StunAttributes.useCandidate(),
        StunAttributes.iceControlling(-2L),
        StunAttributes.iceControlled(0x0123_4567_89AB_CDEFL),
        StunAttributes.changeRequest(true, true),
        StunAttributes.lifetime(600),
        StunAttributes.requestedTransport(17),
        StunAttributes.channelNumber(0x4001),
        new RawAttribute(StunAttributeType.DATA, new byte[] {1, 2, 3, 4, 5}),
        new RawAttribute(0xC001, new byte[] {9}));
    StunMessage.Builder b = StunMessage.builder(StunMessageType.of(StunMethod.ALLOCATE, StunClass.ERROR_RESPONSE));
    attributes.forEach(b::add);
    byte[] key = StunCredentials.shortTermKey("secret");
    StunMessage sent = b.messageIntegrity(key).messageIntegritySha256(key).fingerprint().build();

    byte[] wire = encoder.encodeToBytes(sent);
    StunMessage got = decoder.decode(Unpooled.wrappedBuffer(wire));

    assertThat(wire.length % 4).isZero();
    assertThat(got.type()).isEqualTo(sent.type());
    assertThat(got.transactionId()).isEqualTo(sent.transactionId());
    assertThat(got.attributes()).containsExactlyElementsOf(attributes);
    assertThat(got.hasMessageIntegrity()).isTrue();
    assertThat(got.hasMessageIntegritySha256()).isTrue();
    assertThat(got.hasFingerprint()).isTrue();
    assertThat(got.verifyMessageIntegrity(key)).isTrue();
    assertThat(got.verifyMessageIntegrity(StunCredentials.shortTermKey("other"))).isFalse();
    assertThat(got.unknownComprehensionRequired(java.util.Set.of())).contains(StunAttributeType.MAPPED_ADDRESS);
  }

  @Test
  void messageTypeBitsFollowFigure3() {
    assertThat(StunMessageType.BINDING_REQUEST.toWire()).isEqualTo(0x0001);
    assertThat(StunMessageType.BINDING_SUCCESS.toWire()).isEqualTo(0x0101);
    assertThat(StunMessageType.BINDING_ERROR.toWire()).isEqualTo(0x0111);
    assertThat(StunMessageType.BINDING_INDICATION.toWire()).isEqualTo(0x0011);
    assertThat(StunMessageType.of(StunMethod.ALLOCATE, StunClass.REQUEST).toWire()).isEqualTo(0x0003);
    assertThat(StunMessageType.of(StunMethod.SEND, StunClass.INDICATION).toWire()).isEqualTo(0x0016);
    assertThat(StunMessageType.of(StunMethod.DATA, StunClass.INDICATION).toWire()).isEqualTo(0x0017);
    assertThat(StunMessageType.of(StunMethod.CHANNEL_BIND, StunClass.SUCCESS_RESPONSE).toWire()).isEqualTo(0x0109);
    for (int t = 0; t < 0x4000; t++) {
      assertThat(StunMessageType.fromWire(t).toWire()).isEqualTo(t);
    }
  }

  @Test
  void attributesAfterIntegrityAreIgnoredAsRfc8489Says() throws Exception {
    byte[] key = StunCredentials.shortTermKey("k");
    byte[] wire = encoder.encodeToBytes(
        StunMessage.builder(StunMessageType.BINDING_REQUEST).messageIntegrity(key).build());
    // Append a USERNAME after MESSAGE-INTEGRITY (an attacker may append; integrity must still hold).
    byte[] extended = java.util.Arrays.copyOf(wire, wire.length + 8);
    extended[3] += 8;
    System.arraycopy(new byte[] {0, 6, 0, 4, 'e', 'v', 'i', 'l'}, 0, extended, wire.length, 8);
    StunMessage m = decoder.decode(extended);
    assertThat(m.has(StunAttributeType.USERNAME)).isFalse();
    assertThat(m.verifyMessageIntegrity(key)).isTrue();
  }
}
