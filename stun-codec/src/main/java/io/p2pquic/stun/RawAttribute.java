package io.p2pquic.stun;

import java.util.Arrays;
import java.util.HexFormat;

/** Any attribute kept as bytes: DATA, EVEN-PORT, and every type this codec has no model for. */
public record RawAttribute(int type, byte[] value) implements StunAttribute {
  public RawAttribute {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  int length() {
    return value.length;
  }

  byte[] unsafeValue() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawAttribute r && r.type == type && Arrays.equals(r.value, value);
  }

  @Override
  public int hashCode() {
    return 31 * type + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return StunAttributeType.name(type) + "[" + HexFormat.of().formatHex(value) + "]";
  }
}
