package io.p2pquic.stun;

import java.net.InetSocketAddress;

/** Factories for the attributes this project sends, so call sites read as the RFCs do. */
public final class StunAttributes {
  /** CHANGE-REQUEST flags (RFC 5780 section 7.2). */
  public static final int CHANGE_IP = 0x04;

  public static final int CHANGE_PORT = 0x02;

  private StunAttributes() {}

  public static AddressAttribute xorMappedAddress(InetSocketAddress a) {
    return new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS, a);
  }

  public static AddressAttribute mappedAddress(InetSocketAddress a) {
    return new AddressAttribute(StunAttributeType.MAPPED_ADDRESS, a);
  }

  public static AddressAttribute responseOrigin(InetSocketAddress a) {
    return new AddressAttribute(StunAttributeType.RESPONSE_ORIGIN, a);
  }

  public static AddressAttribute otherAddress(InetSocketAddress a) {
    return new AddressAttribute(StunAttributeType.OTHER_ADDRESS, a);
  }

  public static AddressAttribute alternateServer(InetSocketAddress a) {
    return new AddressAttribute(StunAttributeType.ALTERNATE_SERVER, a);
  }

  public static StringAttribute username(String s) {
    return new StringAttribute(StunAttributeType.USERNAME, s);
  }

  public static StringAttribute realm(String s) {
    return new StringAttribute(StunAttributeType.REALM, s);
  }

  public static StringAttribute nonce(String s) {
    return new StringAttribute(StunAttributeType.NONCE, s);
  }

  public static StringAttribute software(String s) {
    return new StringAttribute(StunAttributeType.SOFTWARE, s);
  }

  public static ErrorCodeAttribute errorCode(int code, String reason) {
    return new ErrorCodeAttribute(code, reason);
  }

  public static UInt32Attribute priority(long priority) {
    return new UInt32Attribute(StunAttributeType.PRIORITY, priority);
  }

  public static FlagAttribute useCandidate() {
    return new FlagAttribute(StunAttributeType.USE_CANDIDATE);
  }

  public static UInt64Attribute iceControlled(long tieBreaker) {
    return new UInt64Attribute(StunAttributeType.ICE_CONTROLLED, tieBreaker);
  }

  public static UInt64Attribute iceControlling(long tieBreaker) {
    return new UInt64Attribute(StunAttributeType.ICE_CONTROLLING, tieBreaker);
  }

  /** CHANGE-REQUEST with the "change IP" and/or "change port" flags. */
  public static UInt32Attribute changeRequest(boolean changeIp, boolean changePort) {
    return new UInt32Attribute(
        StunAttributeType.CHANGE_REQUEST, (changeIp ? CHANGE_IP : 0) | (changePort ? CHANGE_PORT : 0));
  }

  public static UInt32Attribute lifetime(long seconds) {
    return new UInt32Attribute(StunAttributeType.LIFETIME, seconds);
  }

  /** REQUESTED-TRANSPORT: protocol number in the first byte, then RFFU (17 = UDP). */
  public static UInt32Attribute requestedTransport(int protocol) {
    return new UInt32Attribute(StunAttributeType.REQUESTED_TRANSPORT, (long) protocol << 24);
  }

  /** CHANNEL-NUMBER: channel in the first two bytes, then RFFU. */
  public static UInt32Attribute channelNumber(int channel) {
    return new UInt32Attribute(StunAttributeType.CHANNEL_NUMBER, (long) channel << 16);
  }

  public static UnknownAttributesAttribute unknownAttributes(java.util.List<Integer> types) {
    return new UnknownAttributesAttribute(types);
  }
}
