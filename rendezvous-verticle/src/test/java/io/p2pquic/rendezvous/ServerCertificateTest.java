package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.tls.CertificatePin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerCertificateTest {
  @TempDir Path dir;

  @Test
  void aSelfSignedCertificateIsCreatedOnceAndKeptWithAnOwnerOnlyKey() throws Exception {
    Path crt = dir.resolve("tls/r.crt");
    Path key = dir.resolve("tls/r.key");
    ServerCertificate first = ServerCertificate.loadOrCreate(crt, key, List.of("203.0.113.10", "localhost"));
    assertThat(first.created()).isTrue();
    assertThat(Files.readString(crt)).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(first.leaf().getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
        .containsExactly("203.0.113.10", "localhost");

    ServerCertificate again = ServerCertificate.loadOrCreate(crt, key, List.of());
    assertThat(again.created()).isFalse();
    assertThat(again.pin()).isEqualTo(first.pin()); // pins survive restarts

    // The pin is the SHA-256 of the DER certificate (openssl's fingerprint); the key's pin matches too.
    String der = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(first.leaf().getEncoded()));
    assertThat(first.pin().sha256Hex()).isEqualTo(der);
    assertThat(CertificatePin.ofPublicKey(first.leaf()).matches(first.leaf())).isTrue();
    assertThat(CertificatePin.parse("sha256=" + "00".repeat(32)).matches(first.leaf())).isFalse();
  }

  @Test
  void oneFileWithoutTheOtherIsAClearError() throws Exception {
    Path crt = dir.resolve("r.crt");
    Files.writeString(crt, "x");
    assertThatThrownBy(() -> ServerCertificate.loadOrCreate(crt, dir.resolve("r.key"), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r.key is missing")
        .hasMessageContaining("remove both");
    Files.writeString(dir.resolve("r.key"), "y");
    assertThatThrownBy(() -> ServerCertificate.loadOrCreate(crt, dir.resolve("r.key"), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a PEM certificate");
  }
}
