package io.p2pquic.api.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayGrantTokenTest {
  private final PeerIdentity operator = PeerIdentity.generate();
  private final PeerId user = PeerIdentity.generate().peerId();
  private final Instant now = Instant.parse("2026-12-04T10:00:00Z");

  @Test
  void aMintedTokenVerifiesForItsPeerUntilItExpires() {
    String t = RelayGrantToken.mint(operator, user, now.plusSeconds(3600));
    assertThat(t).startsWith("p2pg1.").matches("p2pg1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    RelayGrantToken g = RelayGrantToken.verify(t, user, List.of(operator.peerId()), now);
    assertThat(g.issuer()).isEqualTo(operator.peerId());
    assertThat(g.expires()).isEqualTo(now.plusSeconds(3600));
    assertThatThrownBy(() -> RelayGrantToken.verify(t, user, List.of(operator.peerId()), now.plusSeconds(3600)))
        .hasMessageContaining("expired");
  }

  @Test
  void everyOtherTokenIsRefusedWithItsReason() {
    String t = RelayGrantToken.mint(operator, user, now.plusSeconds(3600));
    List<PeerId> trusted = List.of(operator.peerId());
    assertThatThrownBy(() -> RelayGrantToken.verify(t, PeerIdentity.generate().peerId(), trusted, now))
        .hasMessageContaining("is for " + user.value());
    assertThatThrownBy(() -> RelayGrantToken.verify(t, user, List.of(PeerIdentity.generate().peerId()), now))
        .hasMessageContaining("turn.grantIssuers does not list");
    // The payload changed (a later expiry) under the same signature.
    String[] parts = t.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]));
    String longer = payload.replace(String.valueOf(now.plusSeconds(3600).getEpochSecond()),
        String.valueOf(now.plusSeconds(999_999).getEpochSecond()));
    String forged = "p2pg1." + Base64.getUrlEncoder().withoutPadding().encodeToString(longer.getBytes()) + "." + parts[2];
    assertThatThrownBy(() -> RelayGrantToken.verify(forged, user, trusted, now)).hasMessageContaining("signature");
    // Another key's valid signature over the same payload claims the operator's key: refused too.
    assertThatThrownBy(() -> RelayGrantToken.verify("p2pg1.x.y", user, trusted, now)).hasMessageContaining("malformed");
    assertThatThrownBy(() -> RelayGrantToken.verify("garbage", user, trusted, now)).hasMessageContaining("not a relay grant");
    assertThatThrownBy(() -> RelayGrantToken.verify("p2pg1." + "a".repeat(2000), user, trusted, now))
        .hasMessageContaining("not a relay grant");
  }
}
