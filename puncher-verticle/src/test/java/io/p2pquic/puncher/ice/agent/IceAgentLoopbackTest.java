package io.p2pquic.puncher.ice.agent;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunResponse;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Agents on real UDP sockets (Netty session endpoints) on 127.0.0.1, each on its own context. */
class IceAgentLoopbackTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<Peer> peers = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Peer p : peers) {
      await(p.agent.close());
      await(p.endpoint.close());
    }
    await(vertx.close());
  }

  static IceAgentOptions fast() {
    return new IceAgentOptions()
        .setTaMillis(10)
        .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(50), 4, 4, Duration.ofMillis(200)))
        .setNominationWaitMillis(100)
        .setCheckingTimeoutMillis(5_000);
  }

  final class Peer {
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final List<IceAgentState> states = new CopyOnWriteArrayList<>();
    final List<IceEvent> events = new CopyOnWriteArrayList<>();
    final NettyUdpEndpoint endpoint;
    final StunClient client;
    final IceAgent agent;
    final Candidate host;
    IceCredentials credentials = IceCredentials.random();

    Peer(IceRole role, IceAgentOptions options) throws Exception {
      endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      client = new StunClient(vertx, endpoint, metrics);
      agent = new IceAgent(vertx, options, role, credentials, metrics).eventHandler(events::add).stateHandler(states::add);
      client.installAsHandler(agent.incomingHandler(client));
      host = Candidate.host(endpoint.localAddress(), 65535, 1);
      agent.addLocalCandidate(host, client);
      agent.localCandidatesComplete();
      peers.add(this);
    }

    double counter(String name, String... tags) {
      var c = metrics.find(name).tags(tags).counter();
      return c == null ? 0 : c.count();
    }

    String timeline() {
      StringBuilder sb = new StringBuilder(agent.toString()).append(":\n");
      events.forEach(e -> sb.append("  ").append(e).append('\n'));
      return sb.toString();
    }
  }

  static void signal(Peer from, Peer to) {
    to.agent.setRemoteCredentials(from.credentials);
    to.agent.addRemoteCandidate(from.host);
    to.agent.remoteCandidatesComplete();
  }

  static void waitUntil(BooleanSupplier condition, long timeoutMillis, String what) throws InterruptedException {
    io.p2pquic.testsupport.Await.until(condition, java.time.Duration.ofMillis(timeoutMillis), what);
  }

  /**
   * Pacing (RFC 8445 6.1.4.2) spaces checks Ta apart but does not make the first one, or a triggered one,
   * wait for a tick: with Ta = 1 s both sides check at once, and the second ordinary check still waits.
   */
  @Test
  void theFirstCheckAndTriggeredChecksDoNotWaitForATick() throws Exception {
    IceAgentOptions slow = fast().setTaMillis(1_000).setNominationWaitMillis(5_000).setFirstChecks(0);
    Peer a = new Peer(IceRole.CONTROLLING, slow);
    Peer b = new Peer(IceRole.CONTROLLED, slow);
    signal(b, a);
    // a second remote candidate nobody answers: a's second ordinary check is due one Ta after the first
    a.agent.addRemoteCandidate(Candidate.host(new InetSocketAddress("127.0.0.1", 9), 65534, 1));
    signal(a, b);
    waitUntil(() -> a.counter("p2p.ice.checks.sent", "kind", "ordinary") >= 1, 500, "a's first check");
    waitUntil(() -> b.counter("p2p.ice.checks.sent", "kind", "triggered") + b.counter("p2p.ice.checks.sent", "kind", "ordinary") >= 1,
        500, "b's first check");
    waitUntil(() -> a.agent.pairs().stream().anyMatch(CandidatePair::valid), 500, "a valid pair on a");
    assertThat(a.counter("p2p.ice.checks.sent", "kind", "ordinary")).as(a.timeline()).isEqualTo(1);
  }

  /**
   * The first {@code firstChecks} checks of a check list go 5 ms apart, the rest Ta apart: between two
   * NATs the host pair is first by priority and cannot work, and the server-reflexive pair behind it must
   * not wait a whole Ta. With Ta = 1 s and three remote candidates nobody answers, two checks leave at
   * once and the third a Ta later.
   */
  @Test
  void theFirstChecksOfACheckListAreNotHeldBackByTa() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLING, fast().setTaMillis(1_000).setFirstChecks(2));
    a.agent.setRemoteCredentials(IceCredentials.random());
    long start = System.nanoTime();
    for (int i = 2; i <= 4; i++) { // three addresses, three foundations: no pair is Frozen behind another
      a.agent.addRemoteCandidate(Candidate.host(new InetSocketAddress("127.0.0." + i, 9), 65535 - i, 1));
    }
    waitUntil(() -> a.counter("p2p.ice.checks.sent", "kind", "ordinary") >= 2, 500, "a's first two checks");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(a.counter("p2p.ice.checks.sent", "kind", "ordinary")).as(a.timeline() + " after " + ms + " ms").isEqualTo(2);
    waitUntil(() -> a.counter("p2p.ice.checks.sent", "kind", "ordinary") >= 3, 2_000, "a's third check, one Ta later");
    assertThat((System.nanoTime() - start) / 1_000_000).as("the third check waited for Ta").isGreaterThanOrEqualTo(900);
  }

  @Test
  void twoAgentsConnectOverLoopback() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLING, fast());
    Peer b = new Peer(IceRole.CONTROLLED, fast());
    signal(a, b);
    signal(b, a);
    CandidatePair pa = await(a.agent.selected(), 10);
    CandidatePair pb = await(b.agent.selected(), 10);
    assertThat(pa.mirrors(pb)).as(a.timeline() + b.timeline()).isTrue();
    assertThat(pa.local().type()).isEqualTo(CandidateType.HOST);
    assertThat(pa.remote().type()).isEqualTo(CandidateType.HOST);
    waitUntil(() -> b.agent.state() == IceAgentState.COMPLETED, 2_000, "B completed");
    assertThat(a.agent.state()).isEqualTo(IceAgentState.COMPLETED);
    assertThat(a.agent.selectedPair()).isSameAs(pa);
    assertThat(a.counter("p2p.ice.checks.sent", "kind", "nomination")).isGreaterThanOrEqualTo(1);
    assertThat(a.counter("p2p.ice.selected")).isEqualTo(1);
    assertThat(a.events).extracting(IceEvent::type)
        .contains(IceEvent.Type.CHECK_SENT, IceEvent.Type.CHECK_SUCCEEDED, IceEvent.Type.NOMINATED, IceEvent.Type.SELECTED);
    assertThat(b.events).extracting(IceEvent::type).contains(IceEvent.Type.NOMINATED, IceEvent.Type.SELECTED);
  }

  @Test
  void checksArrivingBeforeTheRemoteCredentialsAreAnsweredAndTriggerLater() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLING, fast());
    Peer b = new Peer(IceRole.CONTROLLED, fast());
    signal(a, b); // B knows A; A has heard nothing from B yet
    waitUntil(() -> b.agent.state() == IceAgentState.CONNECTED, 3_000, "B's check answered by A");
    waitUntil(() -> !a.agent.remoteCandidates().isEmpty(), 2_000, "A learns B from its check");
    assertThat(a.agent.state()).isEqualTo(IceAgentState.NEW);
    assertThat(a.agent.remoteCandidates()).singleElement()
        .satisfies(c -> assertThat(c.type()).isEqualTo(CandidateType.PEER_REFLEXIVE));
    assertThat(a.counter("p2p.ice.checks.sent", "kind", "triggered")).as("no remote password yet").isZero();

    a.agent.setRemoteCredentials(b.credentials); // the answer arrives, without candidates
    CandidatePair pa = await(a.agent.selected(), 10);
    CandidatePair pb = await(b.agent.selected(), 10);
    assertThat(pa.mirrors(pb)).as(a.timeline() + b.timeline()).isTrue();
    assertThat(pa.remote().type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
    assertThat(a.counter("p2p.ice.checks.sent", "kind", "triggered")).isGreaterThanOrEqualTo(1);

    a.agent.addRemoteCandidate(b.host); // the trickled candidate replaces the peer-reflexive one
    waitUntil(() -> a.agent.remoteCandidates().get(0).type() == CandidateType.HOST, 2_000, "prflx replaced");
    assertThat(a.agent.remoteCandidates()).hasSize(1);
  }

  @ParameterizedTest(name = "both start {0}")
  @EnumSource(IceRole.class)
  void roleConflictResolvesWithExactlyOneControllingAgent(IceRole both) throws Exception {
    Peer a = new Peer(both, fast());
    Peer b = new Peer(both, fast());
    signal(a, b);
    signal(b, a);
    CandidatePair pa = await(a.agent.selected(), 10);
    CandidatePair pb = await(b.agent.selected(), 10);
    assertThat(pa.mirrors(pb)).isTrue();
    assertThat(List.of(a.agent.role(), b.agent.role())).containsExactlyInAnyOrder(IceRole.CONTROLLING, IceRole.CONTROLLED);
    Peer winner = Long.compareUnsigned(a.agent.tieBreaker(), b.agent.tieBreaker()) > 0 ? a : b;
    Peer loser = winner == a ? b : a;
    assertThat(winner.agent.role()).as("the larger tie-breaker controls").isEqualTo(IceRole.CONTROLLING);
    assertThat(loser.counter("p2p.ice.role.switches") + winner.counter("p2p.ice.role.switches")).isEqualTo(1);
    Peer switcher = both == IceRole.CONTROLLING ? loser : winner;
    assertThat(switcher.events).as(switcher.timeline()).anyMatch(e -> e.type() == IceEvent.Type.ROLE_SWITCHED);
  }

  @Test
  void badCredentialsGetErrorsAndChangeNoState() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLED, fast());
    SimpleMeterRegistry m = new SimpleMeterRegistry();
    NettyUdpEndpoint probeSocket = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, m));
    StunClient probe = new StunClient(vertx, probeSocket, m).installAsHandler();
    try {
      byte[] right = StunCredentials.shortTermKey(a.credentials.pwd());
      byte[] wrong = StunCredentials.shortTermKey("thisIsNotThePassword123");
      String user = a.credentials.ufrag() + ":prob";

      StunResponse wrongPwd = await(probe.request(a.host.address(), check(user, wrong, true)));
      assertThat(code(wrongPwd)).isEqualTo(ErrorCodeAttribute.UNAUTHENTICATED);
      assertThat(wrongPwd.message().hasMessageIntegrity()).isFalse();

      StunResponse noUser = await(probe.request(a.host.address(),
          StunMessage.builder(StunMessageType.BINDING_REQUEST).add(StunAttributes.priority(1)).fingerprint().build()));
      assertThat(code(noUser)).isEqualTo(ErrorCodeAttribute.BAD_REQUEST);

      StunResponse wrongUfrag = await(probe.request(a.host.address(), check("nope:prob", right, true)));
      assertThat(code(wrongUfrag)).isEqualTo(ErrorCodeAttribute.UNAUTHENTICATED);

      StunResponse noPriority = await(probe.request(a.host.address(), check(user, right, false)));
      assertThat(code(noPriority)).isEqualTo(ErrorCodeAttribute.BAD_REQUEST);
      assertThat(noPriority.message().verifyMessageIntegrity(right)).as("authenticated request: signed error").isTrue();

      Thread.sleep(50); // anything the agent might (wrongly) do after answering happens on its context
      assertThat(a.agent.remoteCandidates()).isEmpty();
      assertThat(a.agent.pairs()).isEmpty();
      assertThat(a.agent.state()).isEqualTo(IceAgentState.NEW);
      assertThat(a.counter("p2p.ice.rejected", "reason", "bad-integrity")).isEqualTo(1);
      assertThat(a.counter("p2p.ice.rejected", "reason", "missing-credentials")).isEqualTo(1);
      assertThat(a.counter("p2p.ice.rejected", "reason", "unknown-username")).isEqualTo(1);
      assertThat(a.counter("p2p.ice.rejected", "reason", "missing-attribute")).isEqualTo(1);

      // Control: the right password is answered and teaches the agent a peer-reflexive candidate.
      StunResponse ok = await(probe.request(a.host.address(), check(user, right, true)));
      assertThat(ok.isSuccess()).isTrue();
      assertThat(ok.message().verifyMessageIntegrity(right)).isTrue();
      assertThat(ok.message().address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(probeSocket.localAddress());
      waitUntil(() -> a.agent.remoteCandidates().size() == 1, 2_000, "prflx learnt");
      assertThat(a.agent.remoteCandidates().get(0).type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
      assertThat(a.agent.remoteCandidates().get(0).priority()).isEqualTo(1_862_270_975L);
    } finally {
      await(probeSocket.close());
    }
  }

  private static int code(StunResponse r) {
    return r.errorCode().map(ErrorCodeAttribute::code).orElse(0);
  }

  private static StunMessage check(String username, byte[] key, boolean withPriority) {
    StunMessage.Builder b = StunMessage.builder(StunMessageType.BINDING_REQUEST).add(StunAttributes.username(username));
    if (withPriority) {
      b.add(StunAttributes.priority(1_862_270_975L));
    }
    return b.add(StunAttributes.iceControlling(42)).messageIntegrity(key).fingerprint().build();
  }

  /** A fake peer that answers checks itself; {@code forgeFirst} responses are signed with a wrong key. */
  private NettyUdpEndpoint responder(IceCredentials own, int forgeFirst, AtomicInteger seen) throws Exception {
    NettyUdpEndpoint socket = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, new SimpleMeterRegistry()));
    byte[] right = StunCredentials.shortTermKey(own.pwd());
    byte[] wrong = StunCredentials.shortTermKey("forgedForgedForged12345");
    socket.stunHandler(d -> {
      StunMessage req;
      try {
        req = new StunMessageDecoder().decode(d.data().getBytes());
      } catch (StunDecodeException e) {
        return;
      }
      if (req.messageClass() != StunClass.REQUEST) {
        return;
      }
      boolean forge = seen.incrementAndGet() <= forgeFirst;
      StunMessage r = req.responseBuilder(true)
          .add(StunAttributes.xorMappedAddress(forge ? new InetSocketAddress("127.0.0.9", 9) : d.sender()))
          .messageIntegrity(forge ? wrong : right)
          .fingerprint()
          .build();
      socket.send(Buffer.buffer(new StunMessageEncoder().encodeToBytes(r)), d.sender());
    });
    return socket;
  }

  @Test
  void responsesFailingIntegrityAreDroppedAndTheTransactionGoesOn() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLED, fast());
    IceCredentials remote = IceCredentials.random();
    AtomicInteger seen = new AtomicInteger();
    NettyUdpEndpoint fake = responder(remote, 1, seen);
    try {
      a.agent.setRemoteCredentials(remote);
      a.agent.addRemoteCandidate(Candidate.host(fake.localAddress(), 65535, 1));
      waitUntil(() -> a.agent.state() == IceAgentState.CONNECTED, 3_000, "a valid pair");
      CandidatePair p = a.agent.pairs().get(0);
      assertThat(p.valid()).isTrue();
      assertThat(p.local().type()).as("the forged mapped address was not learnt").isEqualTo(CandidateType.HOST);
      assertThat(a.counter("p2p.ice.dropped", "reason", "bad-response-integrity")).isEqualTo(1);
      assertThat(seen.get()).as("a retransmission got the genuine answer").isGreaterThanOrEqualTo(2);
    } finally {
      await(fake.close());
    }
  }

  @Test
  void onlyForgedResponsesMeanFailureAndNothingLearnt() throws Exception {
    Peer a = new Peer(IceRole.CONTROLLED, fast()
        .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(20), 3, 2, null)));
    IceCredentials remote = IceCredentials.random();
    NettyUdpEndpoint fake = responder(remote, Integer.MAX_VALUE, new AtomicInteger());
    try {
      a.agent.setRemoteCredentials(remote);
      a.agent.addRemoteCandidate(Candidate.host(fake.localAddress(), 65535, 1));
      a.agent.remoteCandidatesComplete();
      Throwable failure = awaitFailure(a.agent.selected());
      assertThat(failure).isInstanceOf(IceFailedException.class);
      assertThat(failure.getMessage()).contains("all 1 candidate pairs failed");
      assertThat(a.agent.localCandidates()).noneMatch(c -> c.type() == CandidateType.PEER_REFLEXIVE);
      assertThat(a.agent.pairs()).noneMatch(CandidatePair::valid);
      assertThat(a.counter("p2p.ice.dropped", "reason", "bad-response-integrity")).isGreaterThanOrEqualTo(3);
    } finally {
      await(fake.close());
    }
  }

  @Test
  void consentLossMovesTheOtherSideToDisconnectedThenFailed() throws Exception {
    IceAgentOptions o = fast()
        .setConsentIntervalMillis(50)
        .setDisconnectedTimeoutMillis(150)
        .setConsentTimeoutMillis(500);
    Peer a = new Peer(IceRole.CONTROLLING, o);
    Peer b = new Peer(IceRole.CONTROLLED, o);
    signal(a, b);
    signal(b, a);
    await(a.agent.selected(), 10);
    await(b.agent.selected(), 10);
    Thread.sleep(200); // consent keeps both sides completed meanwhile
    assertThat(a.agent.state()).isEqualTo(IceAgentState.COMPLETED);
    assertThat(a.counter("p2p.ice.checks.succeeded", "kind", "consent")).isGreaterThan(0);

    long start = System.nanoTime();
    await(b.endpoint.close()); // B stops answering
    waitUntil(() -> a.states.contains(IceAgentState.FAILED), 3_000, "consent lost");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(a.states).containsSubsequence(IceAgentState.COMPLETED, IceAgentState.DISCONNECTED, IceAgentState.FAILED);
    assertThat(ms).as("within the consent timeout (500 ms) plus scheduling slack").isBetween(300L, 1_500L);
    assertThat(a.agent.failureReason()).contains("consent lost").contains("RFC 7675");
    assertThat(a.counter("p2p.ice.consent", "outcome", "lost")).isEqualTo(1);
  }

  @Test
  void keepalivesGoOutWhenThePairIsIdle() throws Exception {
    IceAgentOptions o = fast().setKeepaliveIntervalMillis(20).setConsentIntervalMillis(1_000);
    Peer a = new Peer(IceRole.CONTROLLING, o);
    Peer b = new Peer(IceRole.CONTROLLED, o);
    signal(a, b);
    signal(b, a);
    await(a.agent.selected(), 10);
    waitUntil(() -> b.counter("p2p.ice.indications.received") >= 3, 3_000, "keepalives at B");
    assertThat(a.counter("p2p.ice.keepalives.sent")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void iceRestartReselectsWhileTheOldPairKeepsWorking() throws Exception {
    IceAgentOptions o = fast().setConsentIntervalMillis(40).setDisconnectedTimeoutMillis(1_000).setConsentTimeoutMillis(3_000);
    Peer a = new Peer(IceRole.CONTROLLING, o);
    Peer b = new Peer(IceRole.CONTROLLED, o);
    signal(a, b);
    signal(b, a);
    CandidatePair oldA = await(a.agent.selected(), 10);
    await(b.agent.selected(), 10);
    int statesBefore = a.states.size();

    a.credentials = IceCredentials.random();
    b.credentials = IceCredentials.random();
    var restartA = a.agent.restart(a.credentials);
    var restartB = b.agent.restart(b.credentials);
    // The new descriptions take a while; consent on the old pair must keep it alive (previous credentials).
    double freshBefore = a.counter("p2p.ice.checks.succeeded", "kind", "consent");
    Thread.sleep(400);
    assertThat(a.counter("p2p.ice.checks.succeeded", "kind", "consent"))
        .as("B answers consent with its previous credentials").isGreaterThan(freshBefore);
    assertThat(a.agent.state()).as(a.timeline()).isEqualTo(IceAgentState.COMPLETED);
    assertThat(a.agent.selectedPair()).isSameAs(oldA);
    assertThat(restartA.isComplete()).isFalse();

    signal(a, b);
    signal(b, a);
    CandidatePair newA = await(restartA, 10);
    CandidatePair newB = await(restartB, 10);
    assertThat(newA).isNotSameAs(oldA);
    assertThat(newA.mirrors(newB)).isTrue();
    assertThat(await(a.agent.selected())).isSameAs(newA);
    assertThat(a.agent.selectedPair()).isSameAs(newA);
    assertThat(a.agent.localCredentials()).isEqualTo(a.credentials);
    assertThat(a.states.subList(statesBefore, a.states.size()))
        .as("never dropped the connection").doesNotContain(IceAgentState.DISCONNECTED, IceAgentState.FAILED, IceAgentState.NEW);
    assertThat(a.events).anyMatch(e -> e.type() == IceEvent.Type.RESTART);
    assertThat(b.counter("p2p.ice.rejected", "reason", "unknown-username")).as(b.timeline()).isZero();
  }
}
