package io.p2pquic.quic;

import java.security.cert.CertificateException;

/** A peer's TLS certificate failed identity verification; {@link #reason()} says which rule. */
public final class PeerCertificateException extends CertificateException {

  /** Which verification rule failed (docs/quic.md, "Verification"). */
  public enum Reason {
    NO_CERTIFICATE,
    CHAIN_LENGTH,
    MALFORMED,
    NOT_VALID_NOW,
    NOT_SELF_SIGNED,
    UNKNOWN_CRITICAL_EXTENSION,
    MISSING_EXTENSION,
    MALFORMED_EXTENSION,
    BAD_SIGNATURE,
    /** The certificate is sound but names another peer than the one we meant to reach. */
    PEER_ID_MISMATCH,
    /** The certificate is sound but the accepting side's policy does not allow this peer. */
    PEER_NOT_ALLOWED
  }

  private final Reason reason;

  public PeerCertificateException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
  /**
   * Whether {@code failure} (a handshake's failure, any wrapping) is this peer proving another peer id
   * than the one asked for. BoringSSL hands the trust manager's exception back as a message only, so the
   * message counts too: {@link PeerTrustManager} writes it, and this is the one place that reads it.
   */
  public static boolean isPeerIdMismatch(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof PeerCertificateException p && p.reason() == Reason.PEER_ID_MISMATCH) {
        return true;
      }
      if (t.getMessage() != null && t.getMessage().contains(PeerTrustManager.MISMATCH)) {
        return true;
      }
    }
    return false;
  }

}
