package io.p2pquic.stun;

/** An attribute with no value whose presence is the information: USE-CANDIDATE, DONT-FRAGMENT. */
public record FlagAttribute(int type) implements StunAttribute {}
