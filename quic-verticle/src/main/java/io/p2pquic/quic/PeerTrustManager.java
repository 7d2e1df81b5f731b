package io.p2pquic.quic;

import io.p2pquic.identity.PeerId;
import io.p2pquic.quic.PeerCertificateException.Reason;
import io.netty.handler.ssl.OpenSslCertificateException;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS trust decision of both QUIC roles: {@link PeerCertificates#verify} plus a policy on the
 * resulting peer id (the exact id a client dialled, or the accepting side's allow-list). Installed
 * as the trust manager of the QUIC SSL context, so BoringSSL aborts the handshake when it throws.
 * The outcome is also reported to a {@link Listener} so callers can surface a clear reason (the TLS
 * alert on the wire carries none).
 */
final class PeerTrustManager extends X509ExtendedTrustManager {
  /** How a failure that proved another peer id starts (read by {@link PeerCertificateException#isPeerIdMismatch}). */
  static final String MISMATCH = "peer id mismatch";


  /** Decides whether a verified peer id is acceptable. */
  @FunctionalInterface
  interface Policy {
    void check(PeerId id) throws PeerCertificateException;

    /** Only {@code expected} is acceptable (the dialling side). */
    static Policy expect(PeerId expected) {
      Objects.requireNonNull(expected, "expected");
      return id -> {
        if (!expected.equals(id)) {
          throw new PeerCertificateException(Reason.PEER_ID_MISMATCH,
              MISMATCH + ": expected " + expected + " but the certificate proves " + id);
        }
      };
    }

    /** Ids the predicate accepts (the accepting side). */
    static Policy allow(Predicate<PeerId> allowed) {
      Objects.requireNonNull(allowed, "allowed");
      return id -> {
        boolean ok;
        try {
          ok = allowed.test(id);
        } catch (RuntimeException e) {
          throw new PeerCertificateException(Reason.PEER_NOT_ALLOWED,
              "peer " + id + " rejected: allow-policy failed: " + e);
        }
        if (!ok) {
          throw new PeerCertificateException(Reason.PEER_NOT_ALLOWED, "peer " + id + " is not allowed");
        }
      };
    }
  }

  /** Told the outcome of each verification (on the thread BoringSSL calls back on). */
  interface Listener {
    void verified(SSLEngine engine, PeerId id);

    void rejected(SSLEngine engine, PeerCertificateException cause);
  }

  /** What {@link #rejectionsTo} calls with the owner it holds weakly. */
  @FunctionalInterface
  interface RejectionHandler<T> {
    void rejected(T owner, SSLEngine engine, PeerCertificateException cause);
  }

  /**
   * A listener that tells {@code owner} of rejections without keeping it reachable. BoringSSL's context keeps
   * its callbacks, and through them this trust manager and its listener, as JNI global references until Netty
   * finalizes the context; an owner that reaches the context (a connection, a server: through their channel)
   * and is held strongly here would keep both, and every session with them, for the life of the process
   * ({@code SessionChurnLoopbackTest}). {@code handler} must not capture the owner either.
   */
  static <T> Listener rejectionsTo(T owner, RejectionHandler<T> handler) {
    return new WeakRejectionListener<>(new WeakReference<>(owner), handler);
  }

  private record WeakRejectionListener<T>(WeakReference<T> owner, RejectionHandler<T> handler) implements Listener {
    @Override
    public void verified(SSLEngine engine, PeerId id) {}

    @Override
    public void rejected(SSLEngine engine, PeerCertificateException cause) {
      T o = owner.get();
      if (o != null) {
        handler.rejected(o, engine, cause);
      }
    }
  }

  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];
  /** OpenSSL/BoringSSL verify results (x509.h); BoringSSL maps them to alerts 42 and 45. */
  static final int X509_V_ERR_CERT_HAS_EXPIRED = 10;
  static final int X509_V_ERR_CERT_REJECTED = 28;

  private final Policy policy;
  private final Listener listener;

  PeerTrustManager(Policy policy, Listener listener) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Verifies a chain against this manager's policy; returns the peer id. */
  PeerId check(X509Certificate[] chain, SSLEngine engine) throws PeerCertificateException {
    try {
      PeerId id = PeerCertificates.verify(chain, Instant.now());
      policy.check(id);
      listener.verified(engine, id);
      return id;
    } catch (PeerCertificateException e) {
      listener.rejected(engine, e);
      throw e;
    }
  }

  /**
   * As {@link #check}, but failing with the OpenSSL verify code that makes BoringSSL send a
   * meaningful alert (bad_certificate, or certificate_expired) instead of internal_error.
   */
  private void checkForTls(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
    try {
      check(chain, engine);
    } catch (PeerCertificateException e) {
      int code = e.reason() == Reason.NOT_VALID_NOW ? X509_V_ERR_CERT_HAS_EXPIRED : X509_V_ERR_CERT_REJECTED;
      throw new OpenSslCertificateException(e.getMessage(), e, code);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkForTls(chain, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkForTls(chain, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, null);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, null);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    // Self-signed certificates only: the CertificateRequest names no CAs.
    return NO_ISSUERS;
  }
}
