package io.p2pquic.stun;

/** ICE-CONTROLLED, ICE-CONTROLLING (the 64-bit tie-breaker) and RESERVATION-TOKEN. */
public record UInt64Attribute(int type, long value) implements StunAttribute {}
