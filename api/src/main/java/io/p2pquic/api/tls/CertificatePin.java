package io.p2pquic.api.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A SHA-256 pin of a TLS server certificate, as written after {@code #sha256=} in a {@code wss://}
 * rendezvous address: 64 hex digits (colons allowed, any case). It matches a certificate whose DER
 * encoding hashes to it (what {@code openssl x509 -noout -fingerprint -sha256} prints) or whose public
 * key (SubjectPublicKeyInfo) does, so a pin on the key survives the certificate's renewal.
 */
public record CertificatePin(String sha256Hex) {

  public CertificatePin {
    if (sha256Hex == null || !sha256Hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("a certificate pin is 64 lower-case hex digits, got " + sha256Hex);
    }
  }

  /** Parses {@code sha256=HEX} (the URI fragment) or a bare {@code HEX}; colons and case are ignored. */
  public static CertificatePin parse(String text) {
    String t = text.trim();
    if (t.regionMatches(true, 0, "sha256=", 0, 7)) {
      t = t.substring(7);
    }
    t = t.replace(":", "").toLowerCase(Locale.ROOT);
    if (!t.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the certificate pin must be sha256= and 64 hex digits (the rendezvous "
          + "prints it at start), got \"" + text + "\"");
    }
    return new CertificatePin(t);
  }

  /** The pin of {@code cert}'s DER encoding (its fingerprint). */
  public static CertificatePin of(X509Certificate cert) {
    try {
      return new CertificatePin(sha256(cert.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
    }
  }

  /** The pin of {@code cert}'s public key (SubjectPublicKeyInfo). */
  public static CertificatePin ofPublicKey(X509Certificate cert) {
    return new CertificatePin(sha256(cert.getPublicKey().getEncoded()));
  }

  /** Whether the certificate or its public key hashes to this pin. */
  public boolean matches(X509Certificate cert) {
    return equals(of(cert)) || equals(ofPublicKey(cert));
  }

  /** The URI fragment form, {@code sha256=HEX}. */
  public String fragment() {
    return "sha256=" + sha256Hex;
  }

  @Override
  public String toString() {
    return fragment();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
