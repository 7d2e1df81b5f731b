package io.p2pquic.stun;

import java.util.List;

/** UNKNOWN-ATTRIBUTES: the comprehension-required types a 420 response did not understand. */
public record UnknownAttributesAttribute(List<Integer> types) implements StunAttribute {
  public UnknownAttributesAttribute {
    types = List.copyOf(types);
  }

  @Override
  public int type() {
    return StunAttributeType.UNKNOWN_ATTRIBUTES;
  }
}
