package io.p2pquic.puncher.stun;

import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The response that completed a client transaction.
 *
 * @param message the decoded response (success or error class)
 * @param source where it came from: not necessarily the server the request went to (CHANGE-REQUEST
 *     answers come from the server's other address; ICE checks must compare it themselves)
 * @param rtt time from the latest transmission of the request to the response; exact when
 *     {@code attempts == 1}, otherwise ambiguous as with any retransmitted request (Karn)
 * @param elapsed time from the first transmission to the response
 * @param attempts how many times the request had been sent when the response arrived
 */
public record StunResponse(
    StunMessage message, InetSocketAddress source, Duration rtt, Duration elapsed, int attempts) {

  public boolean isSuccess() {
    return message.messageClass() == StunClass.SUCCESS_RESPONSE;
  }

  /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS from an old server). */
  public Optional<InetSocketAddress> mappedAddress() {
    return message.mappedAddress();
  }

  public Optional<InetSocketAddress> otherAddress() {
    return message.address(StunAttributeType.OTHER_ADDRESS);
  }

  public Optional<InetSocketAddress> responseOrigin() {
    return message.address(StunAttributeType.RESPONSE_ORIGIN);
  }

  public Optional<ErrorCodeAttribute> errorCode() {
    return message.errorCode();
  }
}
