package io.p2pquic.puncher.ice.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IceAgentOptionsTest {
  @Test
  void defaultsAreTheRfcValues() {
    IceAgentOptions o = new IceAgentOptions();
    assertThat(o.taMillis()).isEqualTo(50);
    assertThat(o.maxPairs()).isEqualTo(100);
    assertThat(o.nomination()).isEqualTo(NominationMode.REGULAR);
    assertThat(o.keepaliveIntervalMillis()).isEqualTo(15_000);
    assertThat(o.consentIntervalMillis()).isEqualTo(5_000);
    assertThat(o.consentTimeoutMillis()).isEqualTo(30_000);
    assertThat(o.checkRetransmit().timeoutMillis()).isEqualTo(9_900);
  }

  @Test
  void jsonRoundTrip() {
    IceAgentOptions o = new IceAgentOptions()
        .setTaMillis(5)
        .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(10), 3, 2, Duration.ofMillis(40)))
        .setMaxPairs(20)
        .setNominationWaitMillis(0)
        .setCheckingTimeoutMillis(1_234)
        .setKeepaliveIntervalMillis(100)
        .setConsentIntervalMillis(200)
        .setConsentTimeoutMillis(300)
        .setDisconnectedTimeoutMillis(150)
        .setComponent(2);
    JsonObject json = o.toJson();
    assertThat(new IceAgentOptions(json)).isEqualTo(o);
    assertThat(new IceAgentOptions(new JsonObject(json.encode())).toJson()).isEqualTo(json);
    assertThat(json.getString("nomination")).isEqualTo("regular");
    assertThat(new IceAgentOptions(new JsonObject())).isEqualTo(new IceAgentOptions());
  }

  @Test
  void badKeysAndValuesAreNamed() {
    assertThatThrownBy(() -> new IceAgentOptions(new JsonObject().put("tA", 5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tA is not a known key");
    assertThatThrownBy(() -> new IceAgentOptions(new JsonObject().put("taMillis", 0)))
        .hasMessageStartingWith("taMillis must be between 1 and 1000");
    assertThatThrownBy(() -> new IceAgentOptions(new JsonObject().put("maxPairs", "many")))
        .hasMessageStartingWith("maxPairs has the wrong type");
    assertThatThrownBy(() -> new IceAgentOptions(new JsonObject().put("nomination", "aggressive")))
        .hasMessageStartingWith("nomination").hasMessageContaining("deprecated");
    assertThatThrownBy(() -> new IceAgentOptions(new JsonObject().put("checkRetransmit", new JsonObject().put("maxRequests", 0))))
        .hasMessageStartingWith("checkRetransmit");
  }
}
