package io.p2pquic.rendezvous;

import io.p2pquic.api.config.SecretFiles;
import io.p2pquic.api.tls.CertificatePin;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener's TLS certificate: loaded from PEM files, or created self-signed on first start and
 * kept in those files (like an SSH host key), so its pin does not change across restarts.
 */
public record ServerCertificate(Path certFile, Path keyFile, X509Certificate leaf, boolean created) {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCertificate.class);
  /** Self-signed certificates are trusted by pin, not by date; a long life spares operators a renewal. */
  static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(3650);

  /** The pin peers put after {@code #} in the {@code wss://} address. */
  public CertificatePin pin() {
    return CertificatePin.of(leaf);
  }

  /**
   * Loads {@code certFile}/{@code keyFile}, or creates a self-signed pair there when both are missing.
   *
   * @param names DNS names and IP literals for the self-signed certificate's subjectAltName
   * @throws IllegalArgumentException saying which file is wrong and what to do
   */
  public static ServerCertificate loadOrCreate(Path certFile, Path keyFile, List<String> names) {
    boolean haveCert = Files.exists(certFile);
    boolean haveKey = Files.exists(keyFile);
    if (haveCert != haveKey) {
      throw new IllegalArgumentException("TLS: " + (haveCert ? keyFile : certFile) + " is missing while "
          + (haveCert ? certFile : keyFile) + " exists; give both files, or remove both to have a self-signed "
          + "certificate created");
    }
    boolean created = false;
    if (!haveCert) {
      try {
        createSelfSigned(certFile, keyFile, names);
        created = true;
      } catch (FileAlreadyExistsException raced) {
        // another process created them first: load theirs
      } catch (IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
        throw new IllegalArgumentException("TLS: cannot create a self-signed certificate in " + certFile + ": " + e, e);
      }
    }
    X509Certificate leaf;
    try {
      byte[] pem = Files.readAllBytes(certFile);
      leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("TLS: " + certFile + " is not a PEM certificate: " + e.getMessage(), e);
    }
    String exposed = SecretFiles.exposure(keyFile);
    if (exposed != null) {
      LOG.warn("TLS key: {}", exposed);
    }
    return new ServerCertificate(certFile, keyFile, leaf, created);
  }

  private static void createSelfSigned(Path certFile, Path keyFile, List<String> names)
      throws IOException, GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name subject = new X500Name("CN=p2p-quic rendezvous");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(SELF_SIGNED_VALIDITY)), subject, kp.getPublic());
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      String bare = n.startsWith("[") && n.endsWith("]") ? n.substring(1, n.length() - 1) : n;
      sans.add(new GeneralName(bare.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, bare));
    }
    if (!sans.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
    }
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    boolean posix = Files.getFileStore(existingParent(keyFile)).supportsFileAttributeView("posix");
    FileAttribute<?>[] ownerOnly = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    Files.createFile(keyFile, ownerOnly); // fails if it appeared meanwhile: the other writer's pair wins
    Files.writeString(keyFile, pem("PRIVATE KEY", kp.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
    LOG.info("TLS: created a self-signed certificate {} (key {}), pin {}", certFile, keyFile, CertificatePin.of(cert));
  }

  private static Path existingParent(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    return dir;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
