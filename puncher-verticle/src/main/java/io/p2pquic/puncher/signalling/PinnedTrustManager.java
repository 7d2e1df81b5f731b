package io.p2pquic.puncher.signalling;

import io.p2pquic.api.tls.CertificatePin;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly the server certificate (or public key) a {@code wss://...#sha256=} address pins, the way
 * SSH trusts a known host key: no CA, no name or date check, so a self-signed rendezvous certificate works
 * and nothing else does. Peers never present certificates on this connection.
 */
final class PinnedTrustManager implements X509TrustManager {
  private final CertificatePin pin;

  PinnedTrustManager(CertificatePin pin) {
    this.pin = pin;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the rendezvous sent no certificate");
    }
    if (!pin.matches(chain[0])) {
      throw new CertificateException("the rendezvous certificate (" + CertificatePin.of(chain[0])
          + ") does not match the pinned " + pin + ": someone may be in between, or the rendezvous has a new "
          + "certificate (take the pin it prints at start)");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("no client certificates here");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
