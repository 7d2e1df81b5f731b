package io.p2pquic.puncher.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EarlySignalsTest {
  private static final PeerId BOB = PeerIdentity.generate().peerId();
  private static final PeerId MALLORY = PeerIdentity.generate().peerId();
  private final EarlySignals early = new EarlySignals();
  private final List<SessionSignal> delivered = new ArrayList<>();

  @Test
  void signalsBehindAnOfferBeingDecidedReachTheSessionInOrder() {
    early.expect("s1", BOB);
    assertThat(early.hold("s1", BOB, new SessionSignal.TcpPing("s1"))).isTrue();
    assertThat(early.hold("s1", BOB, new SessionSignal.Candidate("s1", "c1"))).isTrue();

    early.deliver("s1", BOB, delivered::add);

    assertThat(delivered).containsExactly(new SessionSignal.TcpPing("s1"), new SessionSignal.Candidate("s1", "c1"));
    assertThat(early.offersHeld()).isZero();
    assertThat(early.hold("s1", BOB, new SessionSignal.TcpPing("s1"))).as("after delivery: the session's own").isFalse();
  }

  @Test
  void anotherPeersSignalsAndUnknownSessionsAreNotHeld() {
    early.expect("s1", BOB);
    assertThat(early.hold("s1", MALLORY, new SessionSignal.TcpPing("s1"))).isFalse();
    assertThat(early.hold("s2", BOB, new SessionSignal.TcpPing("s2"))).isFalse();
    early.deliver("s1", BOB, delivered::add);
    assertThat(delivered).isEmpty();
  }

  @Test
  void anotherPeersOfferWithTheSameIdNeitherGetsNorDropsWhatWasHeld() {
    early.expect("s1", BOB);
    early.hold("s1", BOB, new SessionSignal.TcpPing("s1"));
    early.drop("s1", MALLORY);
    early.deliver("s1", MALLORY, delivered::add);
    assertThat(delivered).isEmpty();
    early.deliver("s1", BOB, delivered::add);
    assertThat(delivered).containsExactly(new SessionSignal.TcpPing("s1"));
  }

  @Test
  void aRefusedOfferDropsWhatWasHeld() {
    early.expect("s1", BOB);
    early.hold("s1", BOB, new SessionSignal.TcpPing("s1"));
    early.drop("s1", BOB);
    early.deliver("s1", BOB, delivered::add);
    assertThat(delivered).isEmpty();
    assertThat(early.offersHeld()).isZero();
  }

  @Test
  void boundedPerOfferAndInOffers() {
    early.expect("s1", BOB);
    for (int i = 0; i < EarlySignals.PER_OFFER + 5; i++) {
      assertThat(early.hold("s1", BOB, new SessionSignal.Candidate("s1", "c" + i))).isTrue();
    }
    early.deliver("s1", BOB, delivered::add);
    assertThat(delivered).hasSize(EarlySignals.PER_OFFER);

    for (int i = 0; i < EarlySignals.OFFERS + 10; i++) {
      early.expect("o" + i, BOB);
    }
    assertThat(early.offersHeld()).isEqualTo(EarlySignals.OFFERS);
  }
}
