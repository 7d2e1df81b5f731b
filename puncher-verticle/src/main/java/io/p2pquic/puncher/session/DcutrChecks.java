package io.p2pquic.puncher.session;

import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.dcutr.DcutrEncoder;
import io.p2pquic.puncher.dcutr.DcutrUpgrade;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.ice.agent.IceAgent;
import io.p2pquic.puncher.stun.StunClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * DCUtR's "dial" mapped onto the session's ICE agent and path steering: each attempt is an ICE restart
 * (RFC 8445 section 9) whose credentials travel in CONNECT instead of the rendezvous. Our direct
 * candidates, withheld from the rendezvous, join the agent then; the peer's CONNECT addresses and the
 * candidates the rendezvous delivered (its relayed ones: so the relay pair stays valid and selectable in
 * the new generation) are paired when we dial. The relayed pair keeps carrying QUIC until the path
 * layer moves it to a direct pair.
 */
final class DcutrChecks implements DcutrUpgrade.Checks {
  private final IceAgent agent;
  private final StunClient stun;
  private final PathSteering steering;
  private final List<Candidate> observed;
  private final boolean dialer;
  private final DoubleSupplier elapsed;
  /** The peer's candidates as the rendezvous delivered them (a restart forgets remote candidates). */
  private List<Candidate> signalled;

  /**
   * @param observed our host and server-reflexive candidates (filled while gathering)
   * @param dialer true on the QUIC client, whose steering decides the path (the other side follows)
   */
  DcutrChecks(IceAgent agent, StunClient stun, PathSteering steering, List<Candidate> observed, boolean dialer,
      DoubleSupplier elapsed) {
    this.agent = agent;
    this.stun = stun;
    this.steering = steering;
    this.observed = observed;
    this.dialer = dialer;
    this.elapsed = elapsed;
  }

  @Override
  public List<Candidate> observedAddresses() {
    List<Candidate> mine = new ArrayList<>(observed);
    return mine.subList(0, Math.min(mine.size(), DcutrEncoder.MAX_ADDRESSES));
  }

  @Override
  public Future<CandidatePair> restart(IceCredentials local) {
    if (signalled == null) {
      signalled = agent.remoteCandidates().stream().filter(c -> c.type() != CandidateType.PEER_REFLEXIVE).toList();
    }
    Future<CandidatePair> selection = agent.restart(local);
    observed.forEach(c -> agent.addLocalCandidate(c, stun));
    return selection;
  }

  @Override
  public void remoteCredentials(IceCredentials remote) {
    agent.setRemoteCredentials(remote);
  }

  @Override
  public void dial(List<Candidate> addresses) {
    List<Candidate> all = new ArrayList<>(addresses);
    all.addAll(signalled == null ? List.of() : signalled);
    for (Candidate c : all) {
      if (!c.address().isUnresolved()) {
        steering.layer().allowSource(c.address());
      }
      agent.addRemoteCandidate(c);
    }
    agent.remoteCandidatesComplete();
  }

  @Override
  public void use(CandidatePair pair) {
    if (dialer) {
      steering.moveTo(pair, "dcutr: a direct pair was selected");
    }
  }

  @Override
  public double elapsedMs() {
    return elapsed.getAsDouble();
  }
}
