package io.p2pquic.puncher.ice;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.ice.GatheringResult.StunBinding.Outcome;
import io.p2pquic.puncher.stun.RealStunServer;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.TestStunServer;
import io.p2pquic.rendezvous.stun.StunServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Gathering on real loopback sockets against the real STUN server and the test responder. */
@ExtendWith(VertxExtension.class)
class CandidateGathererTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  private record Emitted(Candidate candidate, long nanos) {}

  private GatheringResult gather(Vertx vertx, GatheringOptions options, StunClient client, List<Emitted> out)
      throws Exception {
    return await(new CandidateGatherer(vertx, options, metrics)
        .gather(List.of(client), c -> out.add(new Emitted(c, System.nanoTime()))));
  }

  @Test
  void loopbackGivesAHostCandidateAndPrunesTheRedundantServerReflexiveOne(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    StunClient client = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics));
    try {
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true)
          .addStunServer(SocketAddresses.format(server.udpAddress()));
      List<Emitted> out = new CopyOnWriteArrayList<>();
      GatheringResult r = gather(vertx, options, client, out);
      InetSocketAddress local = client.localAddress();
      Candidate host = Candidate.host(local, 65535, 1);
      assertThat(out).extracting(Emitted::candidate).containsExactly(host);
      assertThat(r.candidates()).containsExactly(host);
      assertThat(host.priority()).isEqualTo(2_130_706_431L);
      assertThat(r.timedOut()).isFalse();
      assertThat(r.stun()).hasSize(1);
      assertThat(r.stun().get(0).outcome()).as("mapped == base: no NAT, RFC 8445 5.1.3").isEqualTo(Outcome.REDUNDANT);
      assertThat(r.stun().get(0).mapped()).isEqualTo(local);
      assertThat(r.toJson().getJsonArray("stun").getJsonObject(0).getString("outcome")).isEqualTo("REDUNDANT");
    } finally {
      await(client.endpoint().close());
      await(server.stop());
    }
  }

  @Test
  void withoutPruningTheServerReflexiveCandidateIsEmittedWithItsBase(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    StunClient client = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics));
    try {
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true).setPruneRedundant(false)
          .addStunServer(SocketAddresses.format(server.udpAddress()));
      List<Emitted> out = new CopyOnWriteArrayList<>();
      GatheringResult r = gather(vertx, options, client, out);
      InetSocketAddress local = client.localAddress();
      assertThat(r.candidates()).hasSize(2);
      Candidate srflx = r.candidates(CandidateType.SERVER_REFLEXIVE).get(0);
      assertThat(srflx.address()).isEqualTo(local);
      assertThat(srflx.relatedAddress()).isEqualTo(local);
      assertThat(srflx.priority()).isEqualTo(1_694_498_815L);
      assertThat(srflx.foundation()).isEqualTo(Candidate.foundation(CandidateType.SERVER_REFLEXIVE,
          local.getAddress(), server.udpAddress().getAddress(), CandidateTransport.UDP));
      assertThat(srflx.toSdpAttribute()).isEqualTo("candidate:" + srflx.foundation() + " 1 UDP 1694498815 127.0.0.1 "
          + local.getPort() + " typ srflx raddr 127.0.0.1 rport " + local.getPort());
      assertThat(r.stun().get(0).outcome()).isEqualTo(Outcome.MAPPED);
    } finally {
      await(client.endpoint().close());
      await(server.stop());
    }
  }

  @Test
  void hostCandidatesTrickleBeforeTheServerReflexiveOneBehindAnEmulatedNat(Vertx vertx) throws Exception {
    TestStunServer server = await(TestStunServer.start(vertx, "127.0.0.1", null));
    server.mapping = TestStunServer.EmulatedMapping.ENDPOINT_INDEPENDENT; // reports 203.0.113.1:40000
    server.delayMillis = 300;
    StunClient client = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics));
    try {
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true)
          .addStunServer(SocketAddresses.format(server.primary()))
          .setStunRetransmit(RetransmitPolicy.of(1_000, 2, 2));
      List<Emitted> out = new CopyOnWriteArrayList<>();
      long start = System.nanoTime();
      GatheringResult r = gather(vertx, options, client, out);
      assertThat(out).extracting(e -> e.candidate().type()).containsExactly(CandidateType.HOST, CandidateType.SERVER_REFLEXIVE);
      long hostAt = (out.get(0).nanos() - start) / 1_000_000;
      long srflxAt = (out.get(1).nanos() - start) / 1_000_000;
      assertThat(hostAt).isLessThan(250);
      assertThat(srflxAt).isGreaterThanOrEqualTo(280);
      assertThat(r.hostMillis()).isLessThan(250);
      Candidate srflx = out.get(1).candidate();
      assertThat(srflx.address()).isEqualTo(new InetSocketAddress("203.0.113.1", 40000));
      assertThat(srflx.relatedAddress()).isEqualTo(client.localAddress());
      assertThat(metrics.counter("p2p.ice.gathering.candidates", "type", "srflx").count()).isEqualTo(1);
    } finally {
      await(client.endpoint().close());
      await(server.stop());
    }
  }

  @Test
  void theGatheringTimeoutEndsGatheringWithWhatWasFound(Vertx vertx) throws Exception {
    TestStunServer server = await(TestStunServer.start(vertx, "127.0.0.1", null));
    server.ignore.set(1_000);
    StunClient client = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics));
    try {
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true).setGatheringTimeoutMillis(300)
          .addStunServer(SocketAddresses.format(server.primary()));
      List<Emitted> out = new CopyOnWriteArrayList<>();
      GatheringResult r = gather(vertx, options, client, out);
      assertThat(r.timedOut()).isTrue();
      assertThat(r.durationMillis()).isBetween(280L, 2_000L);
      assertThat(r.candidates()).extracting(Candidate::type).containsExactly(CandidateType.HOST);
      assertThat(r.stun().get(0).outcome()).isEqualTo(Outcome.PENDING);
    } finally {
      await(client.endpoint().close());
      await(server.stop());
    }
  }

  @Test
  void aWildcardSocketGivesOneHostCandidatePerInterfaceAddressLoopbackLast(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    GatheringOptions options = new GatheringOptions().setIncludeLoopback(true).setIpv6(false)
        .addStunServer(SocketAddresses.format(server.udpAddress()))
        .addStunServer("name.invalid:3478");
    CandidateGatherer gatherer = new CandidateGatherer(vertx, options, metrics);
    List<StunClient> sockets = await(gatherer.openSockets());
    try {
      assertThat(sockets).hasSize(1);
      int port = sockets.get(0).localAddress().getPort();
      assertThat(sockets.get(0).localAddress().getAddress().isAnyLocalAddress()).isTrue();
      GatheringResult r = await(gatherer.gather(sockets, c -> { }));
      List<Candidate> hosts = r.candidates(CandidateType.HOST);
      assertThat(hosts).isNotEmpty();
      assertThat(hosts).allSatisfy(h -> assertThat(h.address().getPort()).isEqualTo(port));
      assertThat(hosts.get(hosts.size() - 1).address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(hosts).extracting(Candidate::priority).isSortedAccordingTo((a, b) -> Long.compare(b, a));
      assertThat(hosts).extracting(Candidate::foundation).doesNotHaveDuplicates();
      // The server is on 127.0.0.1, so the base is the loopback host candidate and srflx is redundant.
      assertThat(r.stun()).extracting(GatheringResult.StunBinding::outcome)
          .containsExactlyInAnyOrder(Outcome.REDUNDANT, Outcome.ERROR);
      assertThat(r.candidates(CandidateType.SERVER_REFLEXIVE)).isEmpty();
    } finally {
      for (StunClient c : sockets) {
        await(c.endpoint().close());
      }
      await(server.stop());
    }
  }

  @Test
  void optionsJsonRoundTrip() {
    GatheringOptions o = new GatheringOptions().setStunServers(List.of("198.51.100.1:3478", "[2001:db8::1]:3478", "stun.example.org:3478"))
        .setIncludeLoopback(true).setIpv6(false).setIncludeLinkLocalIpv6(true).setPort(4000).setComponent(2).setPruneRedundant(false)
        .setGatheringTimeoutMillis(1234).setStunRetransmit(RetransmitPolicy.of(100, 3, 4));
    GatheringOptions back = new GatheringOptions(o.toJson());
    assertThat(back).isEqualTo(o);
    assertThat(back.stunServers()).containsExactly("198.51.100.1:3478", "[2001:db8::1]:3478", "stun.example.org:3478");
    assertThat(back.stunRetransmit()).isEqualTo(RetransmitPolicy.of(100, 3, 4));
    assertThat(new GatheringOptions(new io.vertx.core.json.JsonObject())).isEqualTo(new GatheringOptions());
  }
}
