package io.p2pquic.quic;

import java.util.Map;

/**
 * Why a QUIC connection ended, as seen by this side.
 *
 * @param kind who or what ended it
 * @param applicationClose true for an application CONNECTION_CLOSE (frame 0x1d), false for a transport
 *     one (0x1c, which includes TLS alerts)
 * @param errorCode the application error code, or the QUIC transport error code (0x100 + alert for TLS
 *     alerts)
 * @param reason the reason phrase sent or received, or a description made up here (never null)
 */
public record QuicCloseReason(Kind kind, boolean applicationClose, long errorCode, String reason) {

  /** Who or what ended the connection. */
  public enum Kind {
    /** This side called close. */
    LOCAL,
    /** The peer sent CONNECTION_CLOSE. */
    PEER,
    /** No packet for the negotiated idle timeout (RFC 9000 section 10.1). */
    IDLE_TIMEOUT,
    /** This side aborted the handshake (for example it rejected the peer's certificate). */
    HANDSHAKE_FAILED,
    /** The connection went away without a CONNECTION_CLOSE (channel closed, codec removed). */
    CLOSED
  }

  private static final Map<Integer, String> ALERTS = Map.ofEntries(
      Map.entry(10, "unexpected_message"), Map.entry(40, "handshake_failure"),
      Map.entry(42, "bad_certificate"), Map.entry(43, "unsupported_certificate"),
      Map.entry(44, "certificate_revoked"), Map.entry(45, "certificate_expired"),
      Map.entry(46, "certificate_unknown"), Map.entry(47, "illegal_parameter"),
      Map.entry(48, "unknown_ca"), Map.entry(49, "access_denied"), Map.entry(50, "decode_error"),
      Map.entry(51, "decrypt_error"), Map.entry(80, "internal_error"),
      Map.entry(109, "missing_extension"), Map.entry(116, "certificate_required"),
      Map.entry(120, "no_application_protocol"));

  /** The TLS alert of a transport close with a crypto error (0x100-0x1ff), or -1. */
  public int tlsAlert() {
    return !applicationClose && errorCode >= 0x100 && errorCode <= 0x1ff ? (int) (errorCode - 0x100) : -1;
  }

  /** Whether the peer aborted with a TLS alert that means "I do not accept your certificate". */
  public boolean peerRejectedCertificate() {
    int a = tlsAlert();
    return kind == Kind.PEER && (a == 42 || a == 43 || a == 44 || a == 45 || a == 46 || a == 48 || a == 49 || a == 116);
  }

  static String alertName(int alert) {
    return ALERTS.getOrDefault(alert, "alert " + alert);
  }

  /** One line for logs and exception messages. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    switch (kind) {
      case LOCAL -> sb.append("closed locally");
      case PEER -> sb.append("closed by the peer");
      case IDLE_TIMEOUT -> sb.append("idle timeout");
      case HANDSHAKE_FAILED -> sb.append("handshake failed");
      case CLOSED -> sb.append("closed");
    }
    int alert = tlsAlert();
    if (alert >= 0) {
      sb.append(": TLS alert ").append(alert).append(" (").append(alertName(alert)).append(')');
      if (peerRejectedCertificate()) {
        sb.append(", the peer rejected our certificate (our peer id is not the one it expects or allows)");
      }
    } else if (kind == Kind.LOCAL || kind == Kind.PEER) {
      sb.append(applicationClose ? ": application error " : ": transport error ").append(errorCode);
    }
    if (!reason.isEmpty()) {
      sb.append(": ").append(reason);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
