package io.p2pquic.quic;

import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificates.PeerCertificate;
import javax.net.ssl.SSLEngine;

/**
 * TLS of the QUIC signalling transport (method quic-native): the rendezvous presents a certificate made
 * from its own Ed25519 identity ({@link PeerCertificates}, as peers do), so a peer that learnt the
 * rendezvous's id over the WebSocket registration can pin it; peers present no certificate here (they
 * prove their key inside the signalling protocol, as on the WebSocket).
 */
public final class SignallingQuicTls {
  /** ALPN of the signalling transport. */
  public static final String ALPN = "p2p-signal/1";

  private SignallingQuicTls() {}

  /** The rendezvous side: certificate of {@code identity}, no client certificate asked for. */
  public static QuicSslContext server(PeerIdentity identity) {
    PeerCertificate cert = PeerCertificates.current(identity);
    return QuicSslContextBuilder.forServer(cert.tlsKey(), null, cert.certificate())
        .applicationProtocols(ALPN)
        .clientAuth(ClientAuth.NONE)
        .earlyData(false)
        .build();
  }

  /**
   * The peer side: accepts the rendezvous whose certificate proves {@code expected}; with null, any
   * well-formed identity certificate (as plain ws:// trusts whoever answers).
   */
  public static QuicSslContext client(PeerId expected) {
    // One context per pinned id: building a BoringSSL context costs milliseconds every attachment would pay.
    return CLIENTS.computeIfAbsent(expected == null ? ANY : expected.value(), k -> newClient(expected));
  }

  private static final String ANY = "*";
  private static final java.util.concurrent.ConcurrentHashMap<String, QuicSslContext> CLIENTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static QuicSslContext newClient(PeerId expected) {
    PeerTrustManager.Policy policy = expected == null ? PeerTrustManager.Policy.allow(id -> true)
        : PeerTrustManager.Policy.expect(expected);
    return QuicSslContextBuilder.forClient()
        .trustManager(new PeerTrustManager(policy, new PeerTrustManager.Listener() {
          @Override
          public void verified(SSLEngine engine, PeerId id) {}

          @Override
          public void rejected(SSLEngine engine, PeerCertificateException cause) {}
        }))
        .applicationProtocols(ALPN)
        .endpointIdentificationAlgorithm(null)
        .earlyData(false)
        .build();
  }
}
