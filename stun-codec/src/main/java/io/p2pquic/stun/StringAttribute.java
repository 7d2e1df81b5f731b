package io.p2pquic.stun;

import java.util.Objects;

/** USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN: UTF-8 text on the wire. */
public record StringAttribute(int type, String value) implements StunAttribute {
  public StringAttribute {
    Objects.requireNonNull(value, "value");
  }
}
