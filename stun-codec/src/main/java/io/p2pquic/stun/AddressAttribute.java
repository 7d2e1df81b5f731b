package io.p2pquic.stun;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * MAPPED-ADDRESS, XOR-MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS, XOR-PEER-ADDRESS
 * and XOR-RELAYED-ADDRESS. Whether the value is XOR-ed on the wire follows from the type.
 */
public record AddressAttribute(int type, InetSocketAddress address) implements StunAttribute {
  public AddressAttribute {
    if (!StunAttributeType.isAddress(type)) {
      throw new IllegalArgumentException(StunAttributeType.name(type) + " is not an address attribute");
    }
    Objects.requireNonNull(address, "address");
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("address must be resolved: " + address);
    }
  }

  public boolean xored() {
    return StunAttributeType.isXorAddress(type);
  }
}
