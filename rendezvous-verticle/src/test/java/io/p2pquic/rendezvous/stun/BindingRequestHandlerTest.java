package io.p2pquic.rendezvous.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.UInt32Attribute;
import io.p2pquic.stun.UnknownAttributesAttribute;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class BindingRequestHandlerTest {
  static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.4", 50000);
  static final InetSocketAddress A1P1 = new InetSocketAddress("203.0.113.10", 3478);
  static final InetSocketAddress A2P2 = new InetSocketAddress("203.0.113.11", 3479);

  private final BindingRequestHandler plain = new BindingRequestHandler(new StunServerConfig());
  private final BindingRequestHandler rfc5780 = new BindingRequestHandler(
      new StunServerConfig().setBind("203.0.113.10").setAlternateAddress("203.0.113.11"));

  @Test
  void successCarriesTheSourceAsXorMappedAddressWithSameTransactionId() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
    StunReply reply = plain.handle(req, CLIENT, A1P1, null, true);
    assertThat(reply.origin()).isEqualTo(ResponseOrigin.SAME);
    assertThat(reply.message().type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
    assertThat(reply.message().transactionId()).isEqualTo(req.transactionId());
    assertThat(reply.message().address(StunAttributeType.XOR_MAPPED_ADDRESS)).hasValue(CLIENT);
    assertThat(reply.message().has(StunAttributeType.OTHER_ADDRESS)).isFalse();
    assertThat(reply.message().hasFingerprint()).isTrue();
  }

  @Test
  void changeRequestWithoutAlternateAddressIsAnUnknownAttribute() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(StunAttributes.changeRequest(true, true)).build();
    StunMessage resp = plain.handle(req, CLIENT, A1P1, null, true).message();
    assertThat(resp.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
    assertThat(resp.errorCode().orElseThrow().code()).isEqualTo(ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
    assertThat(((UnknownAttributesAttribute) resp.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES).orElseThrow()).types())
        .containsExactly(StunAttributeType.CHANGE_REQUEST);
  }

  @Test
  void unknownComprehensionRequiredAttributeGets420ButOptionalOnesAreIgnored() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(new UInt32Attribute(StunAttributeType.PRIORITY, 1)) // comprehension-required, not for a server
        .add(StunAttributes.software("x")) // optional: ignored
        .build();
    StunMessage resp = plain.handle(req, CLIENT, A1P1, null, true).message();
    assertThat(resp.errorCode().orElseThrow().code()).isEqualTo(420);
    assertThat(((UnknownAttributesAttribute) resp.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES).orElseThrow()).types())
        .containsExactly(StunAttributeType.PRIORITY);
  }

  @Test
  void changeRequestPicksTheOtherSocketAndReportsOriginAndOtherAddress() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(StunAttributes.changeRequest(true, false)).build();
    StunReply reply = rfc5780.handle(req, CLIENT, A1P1, A2P2, true);
    assertThat(reply.origin()).isEqualTo(ResponseOrigin.CHANGE_IP);
    assertThat(reply.message().address(StunAttributeType.RESPONSE_ORIGIN))
        .hasValue(new InetSocketAddress("203.0.113.11", 3478));
    assertThat(reply.message().address(StunAttributeType.OTHER_ADDRESS)).hasValue(A2P2);
  }

  @Test
  void changeRequestOverTcpIsRefused() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(StunAttributes.changeRequest(false, true)).build();
    StunMessage resp = rfc5780.handle(req, CLIENT, A1P1, null, false).message();
    assertThat(resp.errorCode().orElseThrow().code()).isEqualTo(420);
  }

  @Test
  void otherMethodsGetBadRequest() {
    StunMessage req = StunMessage.builder(StunMessageType.of(StunMethod.of(0x0F0), StunClass.REQUEST)).build();
    StunMessage resp = plain.handle(req, CLIENT, A1P1, null, true).message();
    assertThat(resp.errorCode().orElseThrow().code()).isEqualTo(400);
    assertThat(resp.type().method()).isEqualTo(StunMethod.of(0x0F0));
  }

  @Test
  void originAddressSwapsIpAndPortIndependently() {
    assertThat(BindingRequestHandler.originAddress(A1P1, A2P2, ResponseOrigin.CHANGE_PORT))
        .isEqualTo(new InetSocketAddress("203.0.113.10", 3479));
    assertThat(BindingRequestHandler.originAddress(A1P1, A2P2, ResponseOrigin.CHANGE_IP_AND_PORT)).isEqualTo(A2P2);
    assertThat(List.of(ResponseOrigin.values())).hasSize(4);
  }

  @Test
  void responsePortRedirectsToAnotherPortOfTheSameClientAndPaddingIsEchoed() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(new UInt32Attribute(StunAttributeType.RESPONSE_PORT, 50001L << 16))
        .add(new io.p2pquic.stun.RawAttribute(StunAttributeType.PADDING, new byte[1200]))
        .build();
    StunReply reply = rfc5780.handle(req, CLIENT, A1P1, A2P2, true);
    assertThat(reply.message().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    assertThat(reply.destination()).isEqualTo(new InetSocketAddress(CLIENT.getAddress(), 50001));
    assertThat(((io.p2pquic.stun.RawAttribute) reply.message().attribute(StunAttributeType.PADDING).orElseThrow()).value())
        .hasSize(1200);
    // Without RFC 5780 support RESPONSE-PORT is not understood (RFC 5780 7.5 says: 420).
    assertThat(plain.handle(req, CLIENT, A1P1, null, true).message().errorCode().orElseThrow().code()).isEqualTo(420);
  }
}
