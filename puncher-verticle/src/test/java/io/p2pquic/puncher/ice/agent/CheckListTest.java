package io.p2pquic.puncher.ice.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.puncher.ice.Candidate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Pair priority, pruning, frozen/waiting by foundation and the order of checks (RFC 8445 6.1.2, 6.1.4). */
class CheckListTest {
  static LocalCandidate host(String ip, int port, int localPref) {
    return new LocalCandidate(Candidate.host(new InetSocketAddress(ip, port), localPref, 1), null, false);
  }

  static Candidate remoteHost(String ip, int port, int localPref) {
    return Candidate.host(new InetSocketAddress(ip, port), localPref, 1);
  }

  static Candidate remoteSrflx(String ip, int port, String baseIp, String server) throws Exception {
    return Candidate.serverReflexive(new InetSocketAddress(ip, port), new InetSocketAddress(baseIp, 5000),
        InetAddress.getByName(server), 65535, 1);
  }

  /** A frozen pair of {@code local} and {@code remote} as the controlling agent forms it (the usual case here). */
  static CandidatePair frozen(LocalCandidate local, Candidate remote) {
    return new CandidatePair(local, remote, true, PairState.FROZEN, IceRole.CONTROLLING);
  }

  @Test
  void pairPriorityFollowsTheFormula() {
    long g = 2_130_706_431L; // host, local preference 65535, component 1
    long d = 1_694_498_815L; // srflx
    assertThat(CandidatePair.priority(g, d)).isEqualTo((d << 32) + 2 * g + 1);
    assertThat(CandidatePair.priority(d, g)).isEqualTo((d << 32) + 2 * g);
    assertThat(CandidatePair.priority(g, g)).isEqualTo((g << 32) + 2 * g);
    // Both agents compute the same priority for the same pair, whatever side they are on.
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    Candidate r = remoteHost("10.0.0.2", 6000, 65000);
    CandidatePair controlling = frozen(l, r);
    CandidatePair mirrored = new CandidatePair(new LocalCandidate(r, null, false), l.candidate(), true,
        PairState.FROZEN, IceRole.CONTROLLED);
    assertThat(controlling.priority()).isEqualTo(mirrored.priority());
    // Out-of-range priorities from the wire are clamped, so the result stays positive.
    assertThat(CandidatePair.priority(0xFFFF_FFFFL, 0xFFFF_FFFFL)).isPositive();
  }

  @Test
  void sortsByPriorityAndPrunesRedundantPairs() throws Exception {
    CheckList list = new CheckList(100);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    CandidatePair low = frozen(l, remoteSrflx("198.51.100.7", 4000, "192.168.1.2", "203.0.113.1"));
    CandidatePair high = frozen(l, remoteHost("10.0.0.2", 6000, 65535));
    assertThat(list.add(low)).isSameAs(low);
    assertThat(list.add(high)).isSameAs(high);
    assertThat(list.pairs()).containsExactly(high, low);
    CandidatePair duplicate = frozen(l, remoteHost("10.0.0.2", 6000, 100));
    assertThat(list.add(duplicate)).as("same local base and remote address: redundant").isSameAs(high);
    assertThat(list.pairs()).hasSize(2);
    assertThat(list.pruned()).isEqualTo(1);
  }

  @Test
  void dropsTheLowestPriorityPairsBeyondTheLimit() {
    CheckList list = new CheckList(2);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    CandidatePair a = list.add(frozen(l, remoteHost("10.0.0.2", 1, 3)));
    CandidatePair b = list.add(frozen(l, remoteHost("10.0.0.2", 2, 2)));
    CandidatePair c = list.add(frozen(l, remoteHost("10.0.0.2", 3, 1)));
    assertThat(c).as("the new pair is the lowest: dropped").isNull();
    assertThat(list.pairs()).containsExactly(a, b);
  }

  @Test
  void oneWaitingPairPerFoundationOthersFrozenUntilASuccess() {
    CheckList list = new CheckList(100);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    // Same type, base and transport on the remote side: the same foundation, so the same pair foundation.
    CandidatePair first = list.add(frozen(l, remoteHost("10.0.0.2", 6000, 65535)));
    CandidatePair second = list.add(frozen(l, remoteHost("10.0.0.2", 6001, 65534)));
    CandidatePair other = list.add(frozen(l, remoteHost("10.0.0.3", 6000, 65533)));
    assertThat(first.foundation()).isEqualTo(second.foundation()).isNotEqualTo(other.foundation());
    assertThat(first.state()).isEqualTo(PairState.WAITING);
    assertThat(second.state()).isEqualTo(PairState.FROZEN);
    assertThat(other.state()).isEqualTo(PairState.WAITING);

    assertThat(list.nextOrdinary()).isSameAs(first);
    first.state(PairState.IN_PROGRESS);
    assertThat(list.nextOrdinary()).isSameAs(other);
    other.state(PairState.IN_PROGRESS);
    assertThat(list.nextOrdinary()).as("its foundation is in progress: stays frozen").isNull();

    first.state(PairState.SUCCEEDED);
    list.unfreeze(first.foundation());
    assertThat(second.state()).isEqualTo(PairState.WAITING);
    assertThat(list.nextOrdinary()).isSameAs(second);
  }

  @Test
  void aFrozenPairIsUnfrozenWhenItsFoundationHasNothingInProgress() {
    CheckList list = new CheckList(100);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    CandidatePair first = list.add(frozen(l, remoteHost("10.0.0.2", 6000, 65535)));
    CandidatePair second = list.add(frozen(l, remoteHost("10.0.0.2", 6001, 65534)));
    first.state(PairState.FAILED);
    assertThat(list.nextOrdinary()).isSameAs(second);
    assertThat(second.state()).isEqualTo(PairState.WAITING);
  }

  @Test
  void triggeredQueueHasEachPairOnce() {
    CheckList list = new CheckList(100);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    CandidatePair p = list.add(frozen(l, remoteHost("10.0.0.2", 6000, 65535)));
    list.enqueueTriggered(p);
    list.enqueueTriggered(p);
    assertThat(list.pollTriggered()).isSameAs(p);
    assertThat(list.pollTriggered()).isNull();
  }

  @Test
  void reprioritiseAfterARoleSwitch() {
    CheckList list = new CheckList(100);
    LocalCandidate l = host("10.0.0.1", 5000, 65535);
    CandidatePair p = list.add(frozen(l, remoteHost("10.0.0.2", 6000, 100)));
    long before = p.priority();
    list.reprioritise(IceRole.CONTROLLED);
    assertThat(p.priority()).isEqualTo(before - 1); // the G > D bit moves to the other side
  }
}
