package io.p2pquic.stun;

/**
 * One STUN attribute, decoded to its typed value. MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT are not attributes of the model: the encoder computes them and the decoder checks or
 * records them (see {@link StunMessage}).
 */
public sealed interface StunAttribute
    permits AddressAttribute, StringAttribute, ErrorCodeAttribute, UnknownAttributesAttribute,
        UInt32Attribute, UInt64Attribute, FlagAttribute, RawAttribute {
  int type();
}
