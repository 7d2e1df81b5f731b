package io.p2pquic.quic;

import io.p2pquic.identity.Ed25519Keys;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificateException.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS certificates that carry a peer identity, after the libp2p TLS handshake specification.
 *
 * <p>The TLS key is an ephemeral ECDSA P-256 key (what BoringSSL supports best); the long-term
 * Ed25519 identity key never signs TLS messages. It signs the TLS key instead: the self-signed
 * X.509 certificate carries the extension {@link #EXTENSION_OID} whose value is
 *
 * <pre>
 * PeerIdentityExtension ::= SEQUENCE {
 *   identityKey OCTET STRING,   -- raw 32-byte Ed25519 public key (RFC 8032)
 *   signature   OCTET STRING    -- 64-byte Ed25519 signature by identityKey over
 *                               --   "p2p-quic-tls-identity-v1:" || DER(SubjectPublicKeyInfo of the certificate)
 * }
 * </pre>
 *
 * <p>TLS proves possession of the certificate's key (CertificateVerify); the extension binds that key
 * to the identity key; the peer id is derived from the identity key. See {@link #verify} for the
 * rules and {@code docs/quic.md} for the format.
 */
public final class PeerCertificates {

  /**
   * OID of the identity extension: under the {@code 2.25} UUID arc (ITU-T X.667, no registration
   * needed), UUID {@code 6c3b0cd4-f8c5-4609-aaa1-1c99d16b6f25}.
   */
  public static final String EXTENSION_OID = "2.25.143863229321700937513906415426415062821";

  /** Domain-separation prefix of the signed payload (ASCII, no terminator). */
  public static final String SIGNATURE_PREFIX = "p2p-quic-tls-identity-v1:";

  /** Default validity of a generated certificate (it is ephemeral: a fresh one per endpoint). */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);

  /** notBefore is set this far in the past to tolerate clock skew between peers. */
  static final Duration BACKDATE = Duration.ofHours(1);

  private static final ASN1ObjectIdentifier OID = new ASN1ObjectIdentifier(EXTENSION_OID);
  private static final byte[] PREFIX_BYTES = SIGNATURE_PREFIX.getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private PeerCertificates() {}

  /** A TLS key pair and the certificate that binds it to a peer identity. */
  public record PeerCertificate(PrivateKey tlsKey, X509Certificate certificate, PeerId peerId) {}

  private static final java.util.concurrent.ConcurrentHashMap<PeerId, PeerCertificate> CURRENT =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Peer ids proven by certificates seen lately, by the certificate's DER bytes. Both signatures of a
   * certificate (its self-signature and the identity's over the TLS key) took 1-4 ms each in a warm JVM
   * and 10-20 ms in a cold one, on both sides of every handshake, before the first byte could move; a
   * peer that reconnects presents the same certificate. Only what the bytes alone decide is cached:
   * the validity period is checked on every use, and the TLS handshake still proves the key.
   */
  private static final Map<ByteBuffer, PeerId> VERIFIED = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ByteBuffer, PeerId> eldest) {
      return size() > 1024;
    }
  };

  /** Key managers of the last few certificates presented (one per identity in practice, more in tests). */
  private static final Map<PeerCertificate, KeyManagerFactory> KEY_MANAGERS = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<PeerCertificate, KeyManagerFactory> eldest) {
      return size() > 8;
    }
  };

  /**
   * The key manager presenting {@code cert}, made once per certificate. Netty builds one through a
   * PKCS#12 key store, whose key encryption and decryption (a password-based key derivation each way)
   * took 5-15 ms of every dial before the Initial could leave (NAT lab, warm process).
   */
  public static KeyManagerFactory keyManagerFactory(PeerCertificate cert) {
    synchronized (KEY_MANAGERS) {
      KeyManagerFactory kmf = KEY_MANAGERS.get(cert);
      if (kmf == null) {
        try {
          KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
          ks.load(null);
          ks.setKeyEntry("identity", cert.tlsKey(), new char[0], new Certificate[] {cert.certificate()});
          kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
          kmf.init(ks, new char[0]);
        } catch (GeneralSecurityException | IOException e) {
          throw new IllegalStateException("cannot load the TLS key: " + e.getMessage(), e);
        }
        KEY_MANAGERS.put(cert, kmf);
      }
      return kmf;
    }
  }

  /**
   * The certificate this identity presents: made once and reused until half its validity is gone.
   * Making one (an ECDSA key and a signed certificate) costs tens of milliseconds, which every QUIC
   * handshake paid before (docs/benchmarks.md); reuse is safe because the TLS key is only ever bound
   * to this identity by its own signature.
   */
  public static PeerCertificate current(PeerIdentity identity) {
    return CURRENT.compute(identity.peerId(), (id, cert) -> cert != null
        && cert.certificate().getNotAfter().toInstant().isAfter(java.time.Instant.now().plus(DEFAULT_VALIDITY.dividedBy(2)))
        ? cert : generate(identity));
  }

  /** A fresh ECDSA P-256 key and a certificate valid for {@link #DEFAULT_VALIDITY}. */
  public static PeerCertificate generate(PeerIdentity identity) {
    return generate(identity, DEFAULT_VALIDITY);
  }

  /** A fresh ECDSA P-256 key and a certificate valid from one hour ago for {@code validity}. */
  public static PeerCertificate generate(PeerIdentity identity, Duration validity) {
    Objects.requireNonNull(identity, "identity");
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      KeyPair tls = gen.generateKeyPair();
      byte[] extension = extensionValue(identity, tls.getPublic());
      return new PeerCertificate(tls.getPrivate(), build(identity.peerId(), tls, extension, validity), identity.peerId());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the TLS certificate: " + e.getMessage(), e);
    }
  }

  /**
   * The DER extension value for a TLS public key: the identity key and its signature over the
   * prefix and the key's SubjectPublicKeyInfo.
   */
  static byte[] extensionValue(PeerIdentity identity, PublicKey tlsPublicKey) {
    byte[] signature = identity.sign(signedPayload(tlsPublicKey.getEncoded()));
    return encodeExtension(Ed25519Keys.rawPublicKey(identity.publicKey()), signature);
  }

  static byte[] encodeExtension(byte[] rawIdentityKey, byte[] signature) {
    try {
      return new DERSequence(new ASN1Encodable[] {
          new DEROctetString(rawIdentityKey), new DEROctetString(signature)}).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Builds a self-signed certificate for {@code tls} carrying {@code extensionValue}; package-private
   * so tests can forge certificates with a bad extension.
   */
  static X509Certificate build(PeerId subject, KeyPair tls, byte[] extensionValue, Duration validity)
      throws GeneralSecurityException {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=" + subject.value());
    byte[] serial = new byte[8];
    RANDOM.nextBytes(serial);
    try {
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
          name, new BigInteger(1, serial), Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)),
          name, tls.getPublic());
      b.addExtension(OID, true, ASN1Primitive.fromByteArray(extensionValue));
      X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(tls.getPrivate()));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build certificate: " + e.getMessage(), e);
    }
  }

  static byte[] signedPayload(byte[] subjectPublicKeyInfo) {
    byte[] out = Arrays.copyOf(PREFIX_BYTES, PREFIX_BYTES.length + subjectPublicKeyInfo.length);
    System.arraycopy(subjectPublicKeyInfo, 0, out, PREFIX_BYTES.length, subjectPublicKeyInfo.length);
    return out;
  }

  /**
   * Verifies a peer's certificate chain and returns the peer id it proves. Rules, in order:
   *
   * <ol>
   *   <li>exactly one certificate;
   *   <li>valid at {@code now} (notBefore &le; now &le; notAfter);
   *   <li>self-signed: issuer equals subject and the signature verifies with the certificate's own key;
   *   <li>no critical extension other than ours;
   *   <li>our extension is present and is exactly a DER SEQUENCE of two OCTET STRINGs, a 32-byte
   *       Ed25519 key and a 64-byte signature;
   *   <li>the signature verifies with that key over {@link #SIGNATURE_PREFIX} and the certificate's
   *       SubjectPublicKeyInfo.
   * </ol>
   *
   * The caller then compares the returned id with the one it expected (or asks its policy).
   *
   * @throws PeerCertificateException naming the first rule that failed
   */
  public static PeerId verify(Certificate[] chain, Instant now) throws PeerCertificateException {
    if (chain == null || chain.length == 0) {
      throw new PeerCertificateException(Reason.NO_CERTIFICATE, "the peer sent no certificate");
    }
    if (chain.length != 1) {
      throw new PeerCertificateException(Reason.CHAIN_LENGTH,
          "expected exactly one self-signed certificate, got a chain of " + chain.length);
    }
    if (!(chain[0] instanceof X509Certificate cert)) {
      throw new PeerCertificateException(Reason.MALFORMED, "not an X.509 certificate: " + chain[0].getType());
    }
    try {
      cert.checkValidity(Date.from(now));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new PeerCertificateException(Reason.NOT_VALID_NOW, "certificate not valid at " + now + " (valid "
          + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant() + ")");
    }
    ByteBuffer der;
    try {
      der = ByteBuffer.wrap(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new PeerCertificateException(Reason.MALFORMED, "certificate cannot be encoded: " + e.getMessage());
    }
    synchronized (VERIFIED) {
      PeerId known = VERIFIED.get(der);
      if (known != null) {
        return known;
      }
    }
    PeerId id = verifyContent(cert);
    synchronized (VERIFIED) {
      VERIFIED.put(der, id);
    }
    return id;
  }

  /** Rules 3-6 of {@link #verify}: a function of the certificate's bytes alone, so its result is cached. */
  private static PeerId verifyContent(X509Certificate cert) throws PeerCertificateException {
    if (!cert.getIssuerX500Principal().equals(cert.getSubjectX500Principal())) {
      throw new PeerCertificateException(Reason.NOT_SELF_SIGNED, "issuer differs from subject");
    }
    PublicKey tlsKey = cert.getPublicKey();
    if (tlsKey.getAlgorithm().equals("EdDSA") || tlsKey.getAlgorithm().equals("Ed25519")) {
      try {
        Ed25519Keys.requireStrict(Ed25519Keys.rawPublicKey(tlsKey)); // a small-order key signs anything
      } catch (IllegalArgumentException e) {
        throw new PeerCertificateException(Reason.MALFORMED, "certificate key refused: " + e.getMessage());
      }
    }
    try {
      cert.verify(tlsKey);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new PeerCertificateException(Reason.NOT_SELF_SIGNED,
          "certificate signature does not verify with its own key: " + e.getMessage());
    }
    Set<String> critical = cert.getCriticalExtensionOIDs() == null
        ? Set.of() : new HashSet<>(cert.getCriticalExtensionOIDs());
    critical.remove(EXTENSION_OID);
    if (!critical.isEmpty()) {
      throw new PeerCertificateException(Reason.UNKNOWN_CRITICAL_EXTENSION,
          "unknown critical extension(s) " + critical);
    }
    byte[] wrapped = cert.getExtensionValue(EXTENSION_OID);
    if (wrapped == null) {
      throw new PeerCertificateException(Reason.MISSING_EXTENSION,
          "certificate lacks the peer identity extension " + EXTENSION_OID);
    }
    byte[] rawKey;
    byte[] signature;
    try {
      byte[] value = ASN1OctetString.getInstance(wrapped).getOctets();
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(value));
      if (seq.size() != 2) {
        throw new IllegalArgumentException("SEQUENCE has " + seq.size() + " elements, expected 2");
      }
      rawKey = ASN1OctetString.getInstance(seq.getObjectAt(0)).getOctets();
      signature = ASN1OctetString.getInstance(seq.getObjectAt(1)).getOctets();
      if (!Arrays.equals(value, encodeExtension(rawKey, signature))) {
        throw new IllegalArgumentException("not DER");
      }
    } catch (IOException | RuntimeException e) {
      throw new PeerCertificateException(Reason.MALFORMED_EXTENSION,
          "peer identity extension is malformed: " + e.getMessage());
    }
    if (rawKey.length != Ed25519Keys.RAW_KEY_LENGTH || signature.length != Ed25519Keys.SIGNATURE_LENGTH) {
      throw new PeerCertificateException(Reason.MALFORMED_EXTENSION, "peer identity extension holds a "
          + rawKey.length + "-byte key and a " + signature.length + "-byte signature (expected 32 and 64)");
    }
    PublicKey identityKey;
    try {
      identityKey = Ed25519Keys.publicKeyFromRaw(rawKey);
    } catch (IllegalArgumentException e) {
      throw new PeerCertificateException(Reason.MALFORMED_EXTENSION, "bad identity key: " + e.getMessage());
    }
    PeerId claimed = PeerId.of(identityKey);
    if (!PeerIdentity.verify(identityKey, signedPayload(tlsKey.getEncoded()), signature)) {
      throw new PeerCertificateException(Reason.BAD_SIGNATURE, "the identity signature in the certificate of "
          + claimed + " does not verify over its TLS key");
    }
    return claimed;
  }
}
