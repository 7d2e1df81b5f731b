package io.p2pquic.rendezvous.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class SignallingConfigTest {

  @Test
  void defaults() {
    JsonObject expected = new JsonObject()
        .put("path", "/signal")
        .put("maxMessageBytes", 16384)
        .put("maxWebSocketFrameBytes", 65536)
        .put("ratePerSecond", 20.0)
        .put("rateBurst", 40)
        .put("registrationTimeoutMs", 10000L)
        .put("registryTtlMs", 60000L)
        .put("deliveryTimeoutMs", 5000L)
        .put("lookupProbeTimeoutMs", 2000L)
        .put("registryMapName", "p2p.rendezvous.peers")
        .put("quicPort", -1)
        .put("idleTimeoutMs", 60000L)
        .put("maxConnections", 10000)
        .put("maxConnectionsPerIp", 64)
        .put("quicRetryAboveConnections", 100)
        .put("maxSessionRecords", 1000);
    assertThat(new SignallingConfig().toJson()).isEqualTo(expected);
    assertThat(SignallingConfig.fromJson(null)).isEqualTo(new SignallingConfig());
    assertThat(SignallingConfig.fromJson(new JsonObject())).isEqualTo(new SignallingConfig());
  }

  @Test
  void roundTrips() {
    SignallingConfig c = new SignallingConfig().setPath("/sig").setMaxMessageBytes(1000)
        .setMaxWebSocketFrameBytes(2000).setRatePerSecond(2.5).setRateBurst(3).setRegistrationTimeoutMs(42)
        .setRegistryTtlMs(900).setDeliveryTimeoutMs(7).setLookupProbeTimeoutMs(8).setRegistryMapName("m")
        .setNodeId("node-1").setQuicPort(8089).setMaxSessionRecords(5);
    SignallingConfig back = SignallingConfig.fromJson(c.toJson());
    assertThat(back).isEqualTo(c);
    assertThat(back.toJson()).isEqualTo(c.toJson());
    assertThat(SignallingConfig.fromJson(new JsonObject(c.toJson().encode()))).isEqualTo(c);
    assertThat(back.nodeId()).isEqualTo("node-1");
    assertThat(back.ratePerSecond()).isEqualTo(2.5);
  }

  @Test
  void badValuesNameTheKey() {
    assertBad(new JsonObject().put("maxMessageBytes", 0), "signalling.maxMessageBytes must be > 0");
    assertBad(new JsonObject().put("maxMessageBytes", -5), "signalling.maxMessageBytes must be > 0");
    assertBad(new JsonObject().put("maxMessageBytes", "big"), "signalling.maxMessageBytes has the wrong type: \"big\" (expected a whole "
        + "number)");
    assertBad(new JsonObject().put("maxMessageBytes", 1.5), "signalling.maxMessageBytes has the wrong type: 1.5 (expected a whole number)");
    assertBad(new JsonObject().put("maxMessageBytes", 70000), "signalling.maxWebSocketFrameBytes (65536) must be > "
        + "signalling.maxMessageBytes (70000)");
    assertBad(new JsonObject().put("ratePerSecond", 0), "signalling.ratePerSecond must be");
    assertBad(new JsonObject().put("rateBurst", 0), "signalling.rateBurst must be >= 1");
    assertBad(new JsonObject().put("registrationTimeoutMs", -1), "signalling.registrationTimeoutMs must be > 0");
    assertBad(new JsonObject().put("registryTtlMs", 1), "signalling.registryTtlMs must be >= 3");
    assertBad(new JsonObject().put("deliveryTimeoutMs", 0), "signalling.deliveryTimeoutMs must be > 0");
    assertBad(new JsonObject().put("lookupProbeTimeoutMs", 0), "signalling.lookupProbeTimeoutMs must be > 0");
    assertBad(new JsonObject().put("path", "signal"), "signalling.path must start with '/'");
    assertBad(new JsonObject().put("registryMapName", ""), "signalling.registryMapName must be");
    assertBad(new JsonObject().put("maxMesageBytes", 10), "signalling.maxMesageBytes is not a known key");
  }

  @Test
  void appliesFrameLimitsAboveMessageLimit() {
    HttpServerOptions o = new SignallingConfig().applyTo(new HttpServerOptions());
    assertThat(o.getMaxWebSocketFrameSize()).isEqualTo(65536);
    assertThat(o.getMaxWebSocketMessageSize()).isGreaterThanOrEqualTo(65536);
  }

  private static void assertBad(JsonObject json, String message) {
    assertThatThrownBy(() -> SignallingConfig.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }
}
