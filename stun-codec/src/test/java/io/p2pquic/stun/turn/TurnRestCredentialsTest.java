package io.p2pquic.stun.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The use-auth-secret scheme, checked against a vector computed with openssl. */
class TurnRestCredentialsTest {
  static final byte[] SECRET = "north".getBytes(StandardCharsets.UTF_8);

  @Test
  void matchesOpensslHmacSha1Vector() {
    // printf '%s' 1700000000:alice | openssl dgst -sha1 -hmac north -binary | base64
    TurnRestCredentials c = TurnRestCredentials.issue(SECRET, "alice", Instant.ofEpochSecond(1_700_000_000L));
    assertThat(c.username()).isEqualTo("1700000000:alice");
    assertThat(c.password()).isEqualTo("Cd/49soE35ICqcJF/bCTn8Z4OyE=");
    assertThat(TurnRestCredentials.verify(SECRET, c.username(), c.password())).isTrue();
    assertThat(TurnRestCredentials.verify("south".getBytes(StandardCharsets.UTF_8), c.username(), c.password()))
        .isFalse();
  }

  @Test
  void parsesExpiryAndUser() {
    assertThat(TurnRestCredentials.expiryOf("1700000000:alice")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    assertThat(TurnRestCredentials.expiryOf("1700000000")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    assertThat(TurnRestCredentials.userOf("1700000000:alice")).isEqualTo("alice");
    assertThat(TurnRestCredentials.expiryOf("alice:1700000000")).isNull();
    assertThat(TurnRestCredentials.expiryOf(":x")).isNull();
    assertThatThrownBy(() -> TurnRestCredentials.issue(SECRET, "a:b", Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
