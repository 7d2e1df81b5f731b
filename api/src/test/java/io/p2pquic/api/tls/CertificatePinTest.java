package io.p2pquic.api.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CertificatePinTest {
  private static final String HEX = "5e2f0c1d9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5";

  @Test
  void parsesTheFragmentFormBareHexAndOpensslsColonForm() {
    assertThat(CertificatePin.parse("sha256=" + HEX).sha256Hex()).isEqualTo(HEX);
    assertThat(CertificatePin.parse("SHA256=" + HEX.toUpperCase()).sha256Hex()).isEqualTo(HEX);
    String colons = HEX.toUpperCase().replaceAll("(..)(?!$)", "$1:");
    assertThat(colons).startsWith("5E:2F:0C");
    assertThat(CertificatePin.parse(colons).sha256Hex()).isEqualTo(HEX);
    assertThat(CertificatePin.parse(HEX).fragment()).isEqualTo("sha256=" + HEX);
  }

  @Test
  void refusesWhatIsNotASha256() {
    assertThatThrownBy(() -> CertificatePin.parse("sha256=" + HEX.substring(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> CertificatePin.parse("sha1=" + HEX)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CertificatePin.parse("sha256=" + HEX.replace('5', 'g')))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CertificatePin(HEX.toUpperCase())).isInstanceOf(IllegalArgumentException.class);
  }
}
