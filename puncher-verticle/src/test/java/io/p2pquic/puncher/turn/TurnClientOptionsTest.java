package io.p2pquic.puncher.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TurnClientOptionsTest {
  @Test
  void jsonRoundTrip() {
    TurnClientOptions o = new TurnClientOptions("turn.example.net", 3479, "1700000000:alice", "pw")
        .setLifetimeSeconds(1200).setPermissionRefreshMillis(100_000).setChannelRefreshMillis(200_000)
        .setAutoChannelBind(false).setRetransmit(RetransmitPolicy.of(100, 4, 2));
    TurnClientOptions back = new TurnClientOptions(new JsonObject(o.toJson().encode()));
    assertThat(back).isEqualTo(o);
    assertThat(back.toJson().getString("transport")).isEqualTo("udp");
    assertThat(o.toString()).doesNotContain("\"pw\"").contains("***");
  }

  @Test
  void minimalJsonTakesDefaults() {
    TurnClientOptions o = new TurnClientOptions(new JsonObject()
        .put("host", "::1").put("username", "u").put("password", "p"));
    assertThat(o.port()).isEqualTo(3478);
    assertThat(o.server()).isEqualTo("[::1]:3478");
    assertThat(o.lifetimeSeconds()).isEqualTo(600);
    assertThat(o.permissionRefreshMillis()).isEqualTo(240_000);
    assertThat(o.channelRefreshMillis()).isEqualTo(480_000);
    assertThat(o.autoChannelBind()).isTrue();
  }

  @Test
  void badAndMissingKeysAreNamed() {
    JsonObject ok = new JsonObject().put("host", "127.0.0.1").put("username", "u").put("password", "p");
    assertThatThrownBy(() -> new TurnClientOptions(ok.copy().put("secret", "x")))
        .hasMessageStartingWith("secret is not a known key");
    assertThatThrownBy(() -> new TurnClientOptions(ok.copy().put("port", "3478")))
        .hasMessageStartingWith("port has the wrong type");
    assertThatThrownBy(() -> new TurnClientOptions(ok.copy().put("transport", "tcp")))
        .hasMessageStartingWith("transport").hasMessageContaining("udp");
    assertThatThrownBy(() -> new TurnClientOptions(ok.copy().put("permissionRefreshMillis", 300_000)))
        .hasMessageStartingWith("permissionRefreshMillis");
    assertThatThrownBy(() -> new TurnClientOptions(new JsonObject().put("host", "h").put("username", "u")))
        .hasMessageContaining("password is required");
  }

  @Test
  void allocationRefreshIsAMinuteBeforeExpiryOrAtHalfTheLifetime() {
    assertThat(RelayAllocation.refreshDelayMillis(Duration.ofSeconds(600))).isEqualTo(540_000);
    assertThat(RelayAllocation.refreshDelayMillis(Duration.ofSeconds(3600))).isEqualTo(3_540_000);
    assertThat(RelayAllocation.refreshDelayMillis(Duration.ofSeconds(121))).isEqualTo(61_000);
    assertThat(RelayAllocation.refreshDelayMillis(Duration.ofSeconds(120))).isEqualTo(60_000);
    assertThat(RelayAllocation.refreshDelayMillis(Duration.ofSeconds(30))).isEqualTo(15_000);
  }
}
