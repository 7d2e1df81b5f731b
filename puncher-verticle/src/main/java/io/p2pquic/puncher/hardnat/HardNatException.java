package io.p2pquic.puncher.hardnat;

/** Hard-NAT punching ended without a path (its budget ran out, or the session closed). */
public final class HardNatException extends RuntimeException {
  public HardNatException(String message) {
    super(message, null, false, false);
  }
}
