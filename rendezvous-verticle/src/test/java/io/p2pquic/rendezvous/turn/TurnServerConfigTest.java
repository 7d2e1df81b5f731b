package io.p2pquic.rendezvous.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TurnServerConfigTest {

  @Test
  void defaultsRoundTripThroughJson() {
    TurnServerConfig c = TurnServerConfig.fromJson(new JsonObject());
    assertThat(c.enabled()).isTrue();
    assertThat(c.defaultLifetimeSeconds()).isEqualTo(600);
    assertThat(c.maxLifetimeSeconds()).isEqualTo(3600);
    assertThat(c.permissionLifetimeSeconds()).isEqualTo(300);
    assertThat(c.channelLifetimeSeconds()).isEqualTo(600);
    assertThat(TurnServerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }

  @Test
  void everyKeyIsReadAndWrittenBack() {
    JsonObject json = new JsonObject()
        .put("enabled", false).put("realm", "example.org").put("authSecret", new JsonArray().add("new").add("old"))
        .put("relayAddress", "10.0.0.2").put("externalAddress", "203.0.113.10").put("portRange", "50000-50999")
        .put("defaultLifetimeSeconds", 300).put("maxLifetimeSeconds", 1200).put("permissionLifetimeSeconds", 60)
        .put("channelLifetimeSeconds", 120).put("nonceLifetimeSeconds", 90).put("credentialTtlSeconds", 3600)
        .put("maxAllocations", 10).put("maxAllocationsPerUser", 2).put("maxAllocationsPerIp", 4)
        .put("rejectRatePerIp", 7.5).put("rejectRateTotal", 900.0)
        .put("grant", new JsonArray().add(io.p2pquic.identity.PeerIdentity.generate().peerId().value())).put("bandwidthBytesPerSecond", 0L)
        .put("allowedPeerRanges", new JsonArray().add("10.0.0.0/8")).put("rfc5766Channels", false)
        .put("grantIssuers", new JsonArray().add(io.p2pquic.identity.PeerIdentity.generate().peerId().value()));
    TurnServerConfig c = TurnServerConfig.fromJson(json);
    assertThat(c.rfc5766Channels()).isFalse();
    assertThat(c.rejectRatePerIp()).isEqualTo(7.5);
    assertThat(c.rejectRateTotal()).isEqualTo(900.0);
    assertThat(c.authSecrets()).containsExactly("new", "old");
    assertThat(c.minPort()).isEqualTo(50000);
    assertThat(c.maxPort()).isEqualTo(50999);
    assertThat(c.toJson()).isEqualTo(json);
    assertThat(TurnServerConfig.fromJson(new JsonObject().put("authSecret", "one")).authSecrets()).containsExactly("one");
  }

  @Test
  void badKeysAndValuesAreNamed() {
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("prtRange", "1-2")))
        .hasMessageContaining("turn.prtRange is not a known key");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("portRange", "9-1")))
        .hasMessageContaining("turn.portRange");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("portRange", "abc")))
        .hasMessageContaining("turn.portRange");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("allowedPeerRanges", new JsonArray().add("lab"))))
        .hasMessageContaining("turn.allowedPeerRanges");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("maxLifetimeSeconds", 60)))
        .hasMessageContaining("turn.maxLifetimeSeconds");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("enabled", "yes")))
        .hasMessageContaining("turn.enabled has the wrong type");
  }

  @Test
  void peerPolicyRefusesNonGlobalAndOwnAddressesUnlessAllowed() throws Exception {
    PeerAddressPolicy strict = new PeerAddressPolicy(List.of(), Set.of(InetAddress.getByName("198.51.100.1")));
    assertThat(strict.check(InetAddress.getByName("127.0.0.1"))).isEqualTo(PeerAddressPolicy.Verdict.LOOPBACK);
    assertThat(strict.check(InetAddress.getByName("10.9.8.7"))).isEqualTo(PeerAddressPolicy.Verdict.PRIVATE);
    assertThat(strict.check(InetAddress.getByName("fd00::1"))).isEqualTo(PeerAddressPolicy.Verdict.PRIVATE);
    assertThat(strict.check(InetAddress.getByName("fe80::1"))).isEqualTo(PeerAddressPolicy.Verdict.LINK_LOCAL);
    assertThat(strict.check(InetAddress.getByName("::ffff:192.168.0.1"))).isEqualTo(PeerAddressPolicy.Verdict.PRIVATE);
    assertThat(strict.check(InetAddress.getByName("ff02::1"))).isEqualTo(PeerAddressPolicy.Verdict.MULTICAST);
    assertThat(strict.check(InetAddress.getByName("::"))).isEqualTo(PeerAddressPolicy.Verdict.UNSPECIFIED);
    assertThat(strict.check(InetAddress.getByName("198.51.100.1"))).isEqualTo(PeerAddressPolicy.Verdict.RELAY_ITSELF);
    assertThat(strict.check(InetAddress.getByName("8.8.8.8"))).isEqualTo(PeerAddressPolicy.Verdict.ALLOWED);
    PeerAddressPolicy lab = new PeerAddressPolicy(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.0/8")), Set.of());
    assertThat(lab.check(InetAddress.getByName("10.9.8.7"))).isEqualTo(PeerAddressPolicy.Verdict.ALLOWED);
    assertThat(lab.check(InetAddress.getByName("127.0.0.5"))).isEqualTo(PeerAddressPolicy.Verdict.ALLOWED);
    assertThat(lab.check(InetAddress.getByName("192.168.1.1"))).isEqualTo(PeerAddressPolicy.Verdict.PRIVATE);
  }

  @Test
  void noncesVerifyStatelesslyOnAnyNodeWithTheSecretAndExpire() {
    List<byte[]> secrets = List.of("s".getBytes());
    NonceManager a = new NonceManager(secrets, "r", 60_000);
    NonceManager b = new NonceManager(secrets, "r", 60_000);
    String nonce = a.issue("192.0.2.1", 1_000_000);
    assertThat(b.check(nonce, "192.0.2.1", 1_000_000)).isEqualTo(NonceManager.Check.VALID);
    assertThat(b.check(nonce, "192.0.2.2", 1_000_000)).isEqualTo(NonceManager.Check.INVALID);
    assertThat(b.check(nonce, "192.0.2.1", 1_062_000)).isEqualTo(NonceManager.Check.STALE);
    assertThat(new NonceManager(List.of("t".getBytes()), "r", 60_000).check(nonce, "192.0.2.1", 1_000_000))
        .isEqualTo(NonceManager.Check.INVALID);
    assertThat(b.check("garbage", "192.0.2.1", 1_000_000)).isEqualTo(NonceManager.Check.INVALID);
  }

  @Test
  void grantIsClosedByDefaultAndTakesAllRegisteredOrPeerIds() {
    TurnServerConfig closed = TurnServerConfig.fromJson(new JsonObject());
    String id = io.p2pquic.identity.PeerIdentity.generate().peerId().value();
    assertThat(closed.grants(id)).isFalse();
    assertThat(closed.toJson().getValue("grant")).isEqualTo(new JsonArray());
    assertThat(TurnServerConfig.fromJson(new JsonObject().put("grant", "all-registered")).grants(id)).isTrue();
    assertThat(TurnServerConfig.fromJson(new JsonObject().put("grant", new JsonArray().add(id))).grants(id)).isTrue();
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("grant", "everyone")))
        .hasMessageContaining("turn.grant");
    assertThatThrownBy(() -> TurnServerConfig.fromJson(new JsonObject().put("grant", new JsonArray().add("bob"))))
        .hasMessageContaining("not a peer id");
  }
}
