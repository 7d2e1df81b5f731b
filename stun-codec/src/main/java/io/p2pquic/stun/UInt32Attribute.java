package io.p2pquic.stun;

/**
 * Attributes whose value is one 32-bit word: PRIORITY, LIFETIME, CHANGE-REQUEST (flags), and the
 * TURN attributes that pack a small field into the first bytes of a word (CHANNEL-NUMBER,
 * REQUESTED-TRANSPORT, REQUESTED-ADDRESS-FAMILY): see {@link StunAttributes} for their factories.
 */
public record UInt32Attribute(int type, long value) implements StunAttribute {
  public UInt32Attribute {
    if (value < 0 || value > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("value out of 32-bit range: " + value);
    }
  }
}
