package io.p2pquic.puncher.ice.agent;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.virtual.VirtualNat;
import io.p2pquic.puncher.ice.virtual.VirtualNatType;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.puncher.ice.virtual.VirtualPeer;
import io.p2pquic.puncher.ice.virtual.VirtualStunServer;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two agents behind NATs of every RFC 4787 combination on the in-memory network: cone pairs (and a
 * symmetric NAT against full or address-restricted cone) nominate the same path on both sides;
 * symmetric against symmetric or port-restricted fails in bounded time with a reason.
 */
class IceAgentNatMatrixTest {
  /** One event loop: agents, STUN and the network share one thread and one order. */
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass(new VertxOptions().setEventLoopPoolSize(1));
  private static final Vertx vertx = VERTX.vertx();

  static IceAgentOptions fast() {
    return new IceAgentOptions()
        .setTaMillis(5)
        .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(10), 5, 4, Duration.ofMillis(40)))
        .setNominationWaitMillis(60)
        .setCheckingTimeoutMillis(5_000)
        .setConsentIntervalMillis(200)
        .setDisconnectedTimeoutMillis(2_000)
        .setConsentTimeoutMillis(5_000);
  }

  static boolean punchable(VirtualNatType a, VirtualNatType b) {
    boolean hard = a == VirtualNatType.SYMMETRIC || b == VirtualNatType.SYMMETRIC;
    VirtualNatType other = a == VirtualNatType.SYMMETRIC ? b : a;
    return !hard || other == VirtualNatType.FULL_CONE || other == VirtualNatType.ADDRESS_RESTRICTED;
  }

  static Stream<Arguments> matrix() {
    List<Arguments> all = new ArrayList<>();
    for (VirtualNatType a : VirtualNatType.values()) {
      for (VirtualNatType b : VirtualNatType.values()) {
        all.add(Arguments.of(a, b, punchable(a, b)));
      }
    }
    return all.stream();
  }

  record Setup(VirtualNetwork net, VirtualPeer a, VirtualPeer b) {}

  static Setup connect(VirtualNatType typeA, VirtualNatType typeB, long latency, long signallingDelay,
      IceAgentOptions options) throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    VirtualStunServer stun = VirtualStunServer.start(net, "198.51.100.1", 3478);
    VirtualNat natA = net.addNat("203.0.113.1", typeA, latency);
    VirtualNat natB = net.addNat("203.0.113.2", typeB, latency);
    net.addHost("10.0.1.2", natA);
    net.addHost("10.0.2.2", natB);
    return await(net.call(() -> {
      VirtualPeer a = VirtualPeer.create(vertx, net, "A(" + typeA + ")", "10.0.1.2", IceRole.CONTROLLING, options);
      VirtualPeer b = VirtualPeer.create(vertx, net, "B(" + typeB + ")", "10.0.2.2", IceRole.CONTROLLED, options);
      a.trickleTo(b, stun.address(), signallingDelay);
      b.trickleTo(a, stun.address(), signallingDelay);
      return Future.succeededFuture(new Setup(net, a, b));
    }));
  }

  @ParameterizedTest(name = "{0} vs {1}: connects={2}")
  @MethodSource("matrix")
  void natCombination(VirtualNatType typeA, VirtualNatType typeB, boolean connects) throws Exception {
    long start = System.nanoTime();
    Setup s = connect(typeA, typeB, 0, 5, fast());
    VirtualPeer a = s.a();
    VirtualPeer b = s.b();
    try {
      if (connects) {
        CandidatePair pa = await(a.agent().selected(), 10);
        CandidatePair pb = await(b.agent().selected(), 10);
        String why = a.timeline() + b.timeline();
        assertThat(pa.mirrors(pb)).as("same path on both sides: %s vs %s%n%s", pa, pb, why).isTrue();
        assertThat(pa.nominated()).isTrue();
        assertThat(pb.nominated()).isTrue();
        // Private host addresses are unreachable across NATs: the path uses mapped addresses.
        assertThat(pa.local().type()).as(why).isIn(CandidateType.SERVER_REFLEXIVE, CandidateType.PEER_REFLEXIVE);
        assertThat(pa.remote().type()).as(why).isIn(CandidateType.SERVER_REFLEXIVE, CandidateType.PEER_REFLEXIVE);
        assertThat(a.agent().state()).isEqualTo(IceAgentState.COMPLETED);
        assertThat(b.agent().state()).isEqualTo(IceAgentState.COMPLETED);
        assertThat(a.states()).contains(IceAgentState.CHECKING, IceAgentState.CONNECTED, IceAgentState.COMPLETED);
        assertThat(a.agent().role()).isEqualTo(IceRole.CONTROLLING);
        assertThat(b.agent().role()).isEqualTo(IceRole.CONTROLLED);
        if (typeA == VirtualNatType.SYMMETRIC) {
          assertThat(pa.local().type()).as("a symmetric NAT maps the peer path anew: prflx").isEqualTo(CandidateType.PEER_REFLEXIVE);
        }
      } else {
        Throwable ea = awaitFailure(a.agent().selected());
        Throwable eb = awaitFailure(b.agent().selected());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ea).isInstanceOf(IceFailedException.class);
        assertThat(eb).isInstanceOf(IceFailedException.class);
        assertThat(ea.getMessage()).contains("candidate pairs failed").contains("Tried:").contains("no response");
        assertThat(((IceFailedException) ea).attempts()).isNotEmpty();
        assertThat(a.agent().state()).isEqualTo(IceAgentState.FAILED);
        assertThat(b.agent().state()).isEqualTo(IceAgentState.FAILED);
        assertThat(a.agent().failureReason()).isEqualTo(ea.getMessage());
        assertThat(ms).as("failure is bounded").isLessThan(3_000);
        assertThat(s.net().drops()).containsKey("filtered");
      }
    } finally {
      await(a.agent().close());
      await(b.agent().close());
    }
  }

  @Test
  void connectsThroughLatencyWithSlowSignalling() throws Exception {
    Setup s = connect(VirtualNatType.FULL_CONE, VirtualNatType.SYMMETRIC, 20, 50, fast()
        .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(100), 6, 4, Duration.ofMillis(400))));
    try {
      CandidatePair pa = await(s.a().agent().selected(), 10);
      CandidatePair pb = await(s.b().agent().selected(), 10);
      assertThat(pa.mirrors(pb)).as(s.a().timeline() + s.b().timeline()).isTrue();
      assertThat(pb.local().type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
      assertThat(pa.remote().type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
      // Two WAN crossings each way: the check's round trip is at least 80 ms.
      assertThat(pa.rttMillis()).isGreaterThanOrEqualTo(80);
    } finally {
      await(s.a().agent().close());
      await(s.b().agent().close());
    }
  }

  @Test
  void checksStartBeforeGatheringEnds() throws Exception {
    // 40 ms each way to the STUN server: host candidates are trickled and checked meanwhile.
    Setup s = connect(VirtualNatType.FULL_CONE, VirtualNatType.FULL_CONE, 20, 0, fast());
    try {
      await(s.a().agent().selected(), 10);
      List<IceEvent> events = s.a().events();
      long firstCheck = events.stream().filter(e -> e.type() == IceEvent.Type.CHECK_SENT).findFirst().orElseThrow().atMillis();
      long gathered = events.stream()
          .filter(e -> e.type() == IceEvent.Type.END_OF_CANDIDATES && e.detail().startsWith("local"))
          .findFirst().orElseThrow().atMillis();
      assertThat(firstCheck).as(s.a().timeline()).isLessThan(gathered);
      assertThat(events).anyMatch(e -> e.type() == IceEvent.Type.NOMINATING);
      assertThat(events).anyMatch(e -> e.type() == IceEvent.Type.SELECTED);
    } finally {
      await(s.a().agent().close());
      await(s.b().agent().close());
    }
  }
}
