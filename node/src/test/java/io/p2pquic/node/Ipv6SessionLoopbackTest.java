package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p2pquic.testsupport.RealPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions over IPv6 (::1): one dual-stack session socket per session carries both families; with
 * IPv4 off the session must select an IPv6 pair and QUIC runs over it.
 */
class Ipv6SessionLoopbackTest {
  private Vertx vertx;
  private RendezvousVerticle rendezvous;

  @BeforeEach
  void up() throws Exception {
    String noIpv6 = null;
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("::1", 0))) {
      assumeTrue(probe.getLocalPort() > 0);
    } catch (java.io.IOException e) {
      noIpv6 = "this host has no IPv6 loopback (::1): " + e;
    }
    RealPeers.require(noIpv6 == null, noIpv6);
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))),
        new SimpleMeterRegistry());
    await(vertx.deployVerticle(rendezvous));
  }

  @AfterEach
  void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  private JsonObject connectAndEcho(GatheringOptions gathering) throws Exception {
    PeerConfig cfg = new PeerConfig().setRendezvous("ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .setGathering(gathering);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    Timeline timeline = new Timeline();
    PeerNode alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
    PeerNode bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body()));
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("over v6"))).toString()).isEqualTo("over v6");
    return s;
  }

  @Test
  void ipv6OnlySessionSelectsAnIpv6PairAndRunsQuicOverIt() throws Exception {
    JsonObject s = connectAndEcho(new GatheringOptions().setStunServers(List.of()).setIncludeLoopback(true)
        .setIpv4(false).setIpv6(true));
    JsonObject pair = s.getJsonObject("selectedPair");
    assertThat(pair.getString("local")).startsWith("[");
    assertThat(pair.getString("remote")).startsWith("[");
    assertThat(s.getString("path")).isEqualTo("direct");
  }

  @Test
  void dualStackSessionSocketConnects() throws Exception {
    JsonObject s = connectAndEcho(new GatheringOptions()
        .setStunServers(List.of("127.0.0.1:" + rendezvous.stunAddress().getPort())).setIncludeLoopback(true)
        .setIpv4(true).setIpv6(true));
    assertThat(s.getJsonObject("selectedPair").getString("remoteType")).isEqualTo("host");
  }
}
