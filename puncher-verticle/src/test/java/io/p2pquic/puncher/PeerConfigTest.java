package io.p2pquic.puncher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.config.ConfigKeyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** conf/peer.json: every section strict, every error with its full key path, STUN defaulting to the rendezvous. */
class PeerConfigTest {

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject(json)))
        .isInstanceOf(ConfigKeyException.class)
        .hasMessage(message);
  }

  @Test
  void unknownKeysInAnySectionStopWithTheFullPath() {
    assertBad("{\"gathering\":{\"foo\":1}}", "gathering.foo is not a known key (known: stunServers, includeLoopback, "
        + "ipv4, ipv6, includeLinkLocalIpv6, port, component, pruneRedundant, gatheringTimeoutMillis, relayGatheringTimeoutMillis, "
        + "stunRetransmit, turnServers)");
    assertBad("{\"gathering\":{\"stunRetransmit\":{\"rto\":5}}}",
        "gathering.stunRetransmit.rto is not a known key (known: initialRtoMillis, maxRequests, lastWaitMultiplier, "
            + "maxRtoMillis)");
    assertBad("{\"gathering\":{\"turnServers\":[{\"host\":\"h\",\"username\":\"u\",\"password\":\"p\",\"secret\":1}]}}",
        "gathering.turnServers[0].secret is not a known key (known: host, port, username, password, transport, "
            + "lifetimeSeconds, permissionRefreshMillis, channelRefreshMillis, autoChannelBind, retransmit)");
    assertBad("{\"ice\":{\"tA\":5}}", "ice.tA is not a known key (known: taMillis, firstChecks, checkRetransmit, maxPairs, "
        + "nomination, nominationWaitMillis, checkingTimeoutMillis, keepaliveIntervalMillis, consentIntervalMillis, "
        + "consentTimeoutMillis, disconnectedTimeoutMillis, component, candidatePolicy)");
    assertBad("{\"session\":{\"relayProbe\":5}}", "session.relayProbe is not a known key (known: "
        + "restartDeliveryMillis, restartResendMillis, reflexiveRefreshMillis, relayProbeMillis, reallocationMillis, "
        + "relayKeepaliveMillis, repunchMillis, repunchMaxMillis, socketPoolSize, socketPoolRefreshMillis, hardNat, portMapping, mdns, "
        + "quicNative)");
    assertBad("{\"session\":{\"hardNat\":{\"ports\":5}}}", "session.hardNat.ports is not a known key (known: "
        + "enabled, sockets, probesPerSecond, budgetMillis, startDelayMillis)");
  }

  @Test
  void sessionTimingsRoundTripAndRefuseNonPositiveValues() {
    PeerConfig c = PeerConfig.fromJson(new JsonObject("{\"session\":{\"relayProbeMillis\":900,\"reallocationMillis\":4000}}"));
    assertThat(c.session().relayProbeMillis()).isEqualTo(900);
    assertThat(c.session().reallocationMillis()).isEqualTo(4000);
    assertThat(c.session().restartDeliveryMillis()).isEqualTo(io.p2pquic.puncher.session.SessionOptions.DEFAULT_RESTART_DELIVERY_MILLIS);
    assertThat(PeerConfig.fromJson(c.toJson()).session()).isEqualTo(c.session());
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"restartResendMillis\":0}}")))
        .hasMessageContaining("session.restartResendMillis").hasMessageContaining("must be > 0");
    PeerConfig h = PeerConfig.fromJson(new JsonObject("{\"session\":{\"hardNat\":{\"sockets\":64,\"enabled\":false}}}"));
    assertThat(h.session().hardNat().sockets()).isEqualTo(64);
    assertThat(h.session().hardNat().enabled()).isFalse();
    assertThat(PeerConfig.fromJson(h.toJson()).session()).isEqualTo(h.session());
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"hardNat\":{\"sockets\":0}}}")))
        .hasMessageContaining("session.hardNat.sockets");
    PeerConfig m = PeerConfig.fromJson(new JsonObject("{\"session\":{\"portMapping\":{\"gateway\":\"192.168.1.1\","
        + "\"lifetimeSeconds\":600}}}"));
    assertThat(m.session().portMapping().gateway()).isEqualTo("192.168.1.1");
    assertThat(m.session().portMapping().lifetimeSeconds()).isEqualTo(600);
    assertThat(m.session().portMapping().enabled()).isTrue();
    assertThat(PeerConfig.fromJson(m.toJson()).session()).isEqualTo(m.session());
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"portMapping\":{\"gateway\":\"router\"}}}")))
        .hasMessageContaining("session.portMapping.gateway");
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"portMapping\":{\"lifetimeSeconds\":5}}}")))
        .hasMessageContaining("session.portMapping.lifetimeSeconds");
    PeerConfig q = PeerConfig.fromJson(new JsonObject("{\"session\":{\"quicNative\":{\"probeTimeoutMs\":2500}}}"));
    assertThat(q.session().quicNative().probeTimeoutMs()).isEqualTo(2500);
    assertThat(q.session().quicNative().paceMs()).isEqualTo(io.p2pquic.puncher.quicnative.QuicNativeOptions.DEFAULT_PACE_MS);
    assertThat(PeerConfig.fromJson(q.toJson()).session()).isEqualTo(q.session());
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"quicNative\":{\"resprayMs\":0}}}")))
        .hasMessageContaining("session.quicNative.resprayMs").hasMessageContaining("between 10 and 10000");
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"quicNative\":{\"probe\":1}}}")))
        .hasMessageContaining("session.quicNative.probe is not a known key");
    PeerConfig d = PeerConfig.fromJson(new JsonObject("{\"session\":{\"mdns\":{\"enabled\":true}}}"));
    assertThat(d.session().mdns().enabled()).isTrue();
    assertThat(PeerConfig.fromJson(d.toJson()).session()).isEqualTo(d.session());
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"session\":{\"mdns\":{\"names\":1}}}")))
        .hasMessageContaining("session.mdns.names");
  }

  @Test
  void wrongTypesNameTheFullPath() {
    assertBad("{\"gathering\":{\"port\":\"any\"}}", "gathering.port has the wrong type: \"any\" (expected a whole number)");
    assertBad("{\"gathering\":{\"ipv6\":\"yes\"}}", "gathering.ipv6 has the wrong type: \"yes\" (expected true or false)");
    assertBad("{\"ice\":{\"taMillis\":\"20\"}}", "ice.taMillis has the wrong type: \"20\" (expected a whole number)");
    assertBad("{\"connectTimeoutMs\":true}", "connectTimeoutMs has the wrong type: true (expected a whole number)");
    assertBad("{\"acceptFrom\":[\"*\",1]}", "acceptFrom[1] has the wrong type: 1 (expected a string)");
  }

  @Test
  void theBridgeIsOffAndOnLoopbackByDefaultAndStrict() {
    PeerConfig defaults = PeerConfig.fromJson(new JsonObject());
    assertThat(defaults.bridgePort()).isEqualTo(PeerConfig.BRIDGE_OFF);
    assertThat(defaults.bridgeBind()).isEqualTo("127.0.0.1");
    PeerConfig on = PeerConfig.fromJson(new JsonObject("{\"bridge\":{\"port\":7000}}"));
    assertThat(on.bridgePort()).isEqualTo(7000);
    assertThat(PeerConfig.fromJson(on.toJson()).toJson()).isEqualTo(on.toJson());
    assertBad("{\"bridge\":{\"host\":\"0.0.0.0\"}}", "bridge.host is not a known key (known: port, bind)");
    assertBad("{\"bridge\":{\"port\":\"7000\"}}", "bridge.port has the wrong type: \"7000\" (expected a whole number)");
    assertBad("{\"bridge\":{\"port\":70000}}", "bridge.port must be between -1 and 65535, is 70000");
    assertBad("{\"bridge\":{\"bind\":\" \"}}", "bridge.bind is invalid: must name an address (default 127.0.0.1)");
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject("{\"bridge\":{\"port\":0}}")))
        .isInstanceOf(ConfigKeyException.class).hasMessageStartingWith("bridge.port is invalid: must be -1 (off)");
  }

  @Test
  void stunDefaultsToTheRendezvousHostUnlessConfigured() {
    PeerConfig derived = PeerConfig.fromJson(new JsonObject().put("rendezvous", "ws://203.0.113.10:8088/signal"));
    assertThat(derived.gathering().stunServers()).containsExactly("203.0.113.10:3478");
    PeerConfig v6 = PeerConfig.fromJson(new JsonObject().put("rendezvous", "ws://[2001:db8::10]:8088/signal"));
    assertThat(v6.gathering().stunServers()).containsExactly("[2001:db8::10]:3478");
    PeerConfig explicit = PeerConfig.fromJson(new JsonObject().put("rendezvous", "ws://203.0.113.10:8088/signal")
        .put("gathering", new JsonObject().put("stunServers", io.vertx.core.json.JsonArray.of("198.51.100.1:3479"))));
    assertThat(explicit.gathering().stunServers()).containsExactly("198.51.100.1:3479");
  }

  @Test
  void theShippedFileParsesAndRoundTrips() throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("../conf/peer.json")));
    PeerConfig c = PeerConfig.fromJson(shipped);
    assertThat(c.gathering().stunServers()).containsExactly("127.0.0.1:3478");
    assertThat(PeerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }
}
