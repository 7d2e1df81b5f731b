package io.p2pquic.puncher.portmap;

/** A port mapping could not be made or kept; the message says why and what the user can do. */
public final class PortMappingException extends Exception {
  private static final long serialVersionUID = 1L;

  public PortMappingException(String message) {
    super(message);
  }
}
