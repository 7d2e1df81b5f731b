package io.p2pquic.puncher.ice;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.turn.Coturn;
import io.p2pquic.puncher.turn.RelayAllocation;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Relayed candidates: gathering with coturn as STUN and TURN server, and the turnServers configuration.
 * Each test's Vert.x comes from {@link VertxExtension}, which closes it afterwards.
 */
@ExtendWith(VertxExtension.class)
class CandidateGathererTurnTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @Test
  void gathersHostServerReflexiveAndRelayedCandidatesOnTheSessionSocket(Vertx vertx) throws Exception {
    try (Coturn coturn = Coturn.start()) {
      NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler();
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true).setPruneRedundant(false)
          .addStunServer(SocketAddresses.format(coturn.address()))
          .addTurnServer(coturn.options("gatherer"));
      List<Candidate> trickled = new CopyOnWriteArrayList<>();
      GatheringResult r = await(new CandidateGatherer(vertx, options, metrics).gather(List.of(stun), trickled::add));

      InetSocketAddress local = endpoint.localAddress();
      assertThat(r.timedOut()).isFalse();
      assertThat(trickled).containsExactlyInAnyOrderElementsOf(r.candidates());
      assertThat(r.candidates()).extracting(Candidate::type)
          .containsExactlyInAnyOrder(CandidateType.HOST, CandidateType.SERVER_REFLEXIVE, CandidateType.RELAYED);
      assertThat(r.candidates().get(0).type()).as("host first").isEqualTo(CandidateType.HOST);

      Candidate host = r.candidates(CandidateType.HOST).get(0);
      Candidate srflx = r.candidates(CandidateType.SERVER_REFLEXIVE).get(0);
      Candidate relay = r.candidates(CandidateType.RELAYED).get(0);
      assertThat(host.address()).isEqualTo(local);
      assertThat(host.priority()).isEqualTo((126L << 24) + (65535L << 8) + 255);
      assertThat(srflx.address()).isEqualTo(local);
      assertThat(srflx.relatedAddress()).isEqualTo(local);
      assertThat(srflx.priority()).isEqualTo((100L << 24) + (65535L << 8) + 255);

      RelayAllocation allocation = r.allocations().get(0);
      assertThat(relay.address()).isEqualTo(allocation.relayedAddress());
      assertThat(relay.address().getPort()).isBetween(coturn.minPort, coturn.maxPort);
      assertThat(relay.priority()).as("type preference 0, the base's local preference").isEqualTo((0L << 24) + (65535L << 8) + 255);
      assertThat(relay.relatedAddress()).as("related address = the mapped address").isEqualTo(allocation.mappedAddress()).isEqualTo(local);
      assertThat(relay.base()).as("a relayed candidate is its own base").isEqualTo(relay.address());
      assertThat(relay.foundation()).isNotEqualTo(host.foundation()).isNotEqualTo(srflx.foundation());
      assertThat(relay.toSdp()).contains(" typ relay raddr 127.0.0.1 rport " + local.getPort());
      assertThat(Candidate.parse(relay.toSdpAttribute())).isEqualTo(relay);
      assertThat(r.allocationFor(relay)).containsSame(allocation);
      assertThat(r.allocationFor(host)).isEmpty();
      assertThat(r.toJson().getJsonArray("relays").getJsonObject(0).getString("relayedAddress"))
          .isEqualTo(SocketAddresses.format(allocation.relayedAddress()));
      assertThat(metrics.counter("p2p.ice.gathering.candidates", "type", "relay").count()).isEqualTo(1);
      assertThat(metrics.counter("p2p.ice.gathering.turn", "outcome", "allocated").count()).isEqualTo(1);

      // The allocation the agent will send through: a peer gets data from the relayed candidate's address.
      try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        peer.setSoTimeout(5_000);
        await(allocation.send(Buffer.buffer("via relay"), (InetSocketAddress) peer.getLocalSocketAddress()));
        DatagramPacket p = new DatagramPacket(new byte[100], 100);
        peer.receive(p);
        assertThat(p.getSocketAddress()).isEqualTo(relay.address());
        assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).isEqualTo("via relay");
      }
      await(allocation.close());
      await(endpoint.close());
    }
  }

  @Test
  void aFailingTurnServerLeavesTheOtherCandidatesAndSaysWhy(Vertx vertx) throws Exception {
    try (Coturn coturn = Coturn.start()) {
      NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler();
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true)
          .addTurnServer(coturn.options("x").setPassword("wrong"));
      GatheringResult r = await(new CandidateGatherer(vertx, options, metrics).gather(List.of(stun), c -> {}));
      assertThat(r.candidates()).extracting(Candidate::type).containsExactly(CandidateType.HOST);
      assertThat(r.allocations()).isEmpty();
      assertThat(r.relays()).hasSize(1);
      assertThat(r.relays().get(0).error()).contains("wrong credentials");
      await(endpoint.close());
    }
  }

  /**
   * A lossy link: the first three Allocate requests are lost, so the allocation completes on the fourth
   * transmission (1.75 s), after the server-reflexive gathering timeout (1 s). The gatherer keeps waiting
   * for it (relay gathering timeout) and trickles the relayed candidate; before, it was closed as late.
   */
  @Test
  void aTurnAllocationSlowedByLossStillBecomesACandidateAfterTheGatheringTimeout(Vertx vertx) throws Exception {
    try (Coturn coturn = Coturn.start(); LossyForwarder lossy = new LossyForwarder(coturn.address(), 3)) {
      NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler();
      TurnClientOptions turn = coturn.options("lossy").setHost("127.0.0.1").setPort(lossy.port());
      GatheringOptions options = new GatheringOptions().setIncludeLoopback(true)
          .setGatheringTimeoutMillis(1_000).setRelayGatheringTimeoutMillis(8_000).addTurnServer(turn);
      List<Candidate> trickled = new CopyOnWriteArrayList<>();
      GatheringResult r = await(new CandidateGatherer(vertx, options, metrics).gather(List.of(stun), trickled::add));

      assertThat(lossy.dropped()).isEqualTo(3);
      assertThat(r.durationMillis()).as("waited past the 1 s gathering timeout").isGreaterThanOrEqualTo(1_000);
      assertThat(r.timedOut()).isFalse();
      assertThat(trickled).extracting(Candidate::type).contains(CandidateType.RELAYED);
      assertThat(r.allocations()).hasSize(1);
      assertThat(metrics.counter("p2p.ice.gathering.turn", "outcome", "late").count()).isZero();
      await(r.allocations().get(0).close());
      await(endpoint.close());
    }
  }

  @Test
  void theRelayGatheringTimeoutIsAnOptionNeverShorterThanTheGatheringTimeout() {
    assertThat(new GatheringOptions().relayGatheringTimeoutMillis()).isEqualTo(GatheringOptions.DEFAULT_RELAY_GATHERING_TIMEOUT_MILLIS);
    GatheringOptions o = new GatheringOptions(new JsonObject().put("relayGatheringTimeoutMillis", 15_000));
    assertThat(o.relayGatheringTimeoutMillis()).isEqualTo(15_000);
    assertThat(new GatheringOptions(o.toJson())).isEqualTo(o);
    assertThat(new GatheringOptions().setGatheringTimeoutMillis(20_000).setRelayGatheringTimeoutMillis(5_000)
        .relayGatheringTimeoutMillis()).isEqualTo(20_000);
    assertThatThrownBy(() -> new GatheringOptions(new JsonObject().put("relayGatheringTimeoutMillis", 0)))
        .hasMessageContaining("relayGatheringTimeoutMillis");
  }

  /** Forwards UDP between one client and a server, losing the client's first {@code drop} datagrams. */
  static final class LossyForwarder implements AutoCloseable {
    private final DatagramSocket front = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    private final DatagramSocket back = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    private final java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
    private volatile java.net.SocketAddress client;

    LossyForwarder(InetSocketAddress server, int drop) throws java.io.IOException {
      Thread up = new Thread(() -> pump(front, back, server, drop), "lossy-up");
      Thread down = new Thread(() -> pump(back, front, null, 0), "lossy-down");
      up.setDaemon(true);
      down.setDaemon(true);
      up.start();
      down.start();
    }

    private void pump(DatagramSocket from, DatagramSocket to, InetSocketAddress server, int drop) {
      byte[] buf = new byte[2048];
      try {
        while (true) {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          from.receive(p);
          if (server != null) {
            client = p.getSocketAddress();
            if (dropped.get() < drop) {
              dropped.incrementAndGet();
              continue;
            }
          }
          java.net.SocketAddress target = server != null ? server : client;
          if (target != null) {
            to.send(new DatagramPacket(p.getData(), p.getLength(), target));
          }
        }
      } catch (java.io.IOException closed) {
        // socket closed: done
      }
    }

    int port() {
      return front.getLocalPort();
    }

    int dropped() {
      return dropped.get();
    }

    @Override
    public void close() {
      front.close();
      back.close();
    }
  }

  @Test
  void turnServersRoundTripThroughJsonAndPeerConfig() {
    JsonObject json = new JsonObject()
        .put("stunServers", new JsonArray().add("127.0.0.1:3478"))
        .put("turnServers", new JsonArray().add(new JsonObject()
            .put("host", "turn.example.net").put("port", 3478).put("username", "1700000000:alice").put("password", "pw")));
    GatheringOptions o = new GatheringOptions(json);
    assertThat(o.turnServers()).containsExactly(new TurnClientOptions("turn.example.net", 3478, "1700000000:alice", "pw"));
    assertThat(new GatheringOptions(o.toJson())).isEqualTo(o);
    assertThat(new GatheringOptions().toJson().getJsonArray("turnServers")).isEmpty();

    PeerConfig c = PeerConfig.fromJson(new JsonObject().put("gathering", json));
    assertThat(c.gathering().turnServers()).hasSize(1);
    assertThat(PeerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());

    JsonObject bad = new JsonObject().put("turnServers", new JsonArray().add(new JsonObject().put("host", "h").put("usernam", "u")));
    assertThatThrownBy(() -> PeerConfig.fromJson(new JsonObject().put("gathering", bad)))
        .hasMessageStartingWith("gathering.turnServers[0].usernam is not a known key");
    JsonObject noPassword = new JsonObject().put("turnServers",
        new JsonArray().add(new JsonObject().put("host", "h").put("username", "u")));
    assertThatThrownBy(() -> new GatheringOptions(noPassword)).hasMessage("turnServers[0].password is required (TURN uses long-term "
        + "credentials)");
  }
}
