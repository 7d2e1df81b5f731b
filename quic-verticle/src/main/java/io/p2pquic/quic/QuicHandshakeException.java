package io.p2pquic.quic;

/**
 * A QUIC connection could not be set up: the peer's certificate failed verification here
 * ({@link #certificateReason()}), the peer rejected ours ({@link #closeReason()} carries its TLS
 * alert), or the handshake timed out.
 */
public final class QuicHandshakeException extends Exception {
  private final PeerCertificateException.Reason certificateReason;
  private final QuicCloseReason closeReason;

  public QuicHandshakeException(String message, PeerCertificateException.Reason certificateReason,
      QuicCloseReason closeReason, Throwable cause) {
    super(message, cause);
    this.certificateReason = certificateReason;
    this.closeReason = closeReason;
  }

  /** Which verification rule the peer's certificate broke here, or null. */
  public PeerCertificateException.Reason certificateReason() {
    return certificateReason;
  }

  /** How the connection ended, or null if it never got that far (e.g. a timeout). */
  public QuicCloseReason closeReason() {
    return closeReason;
  }
}
