package io.p2pquic.puncher.ice.agent;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.stun.StunClient;

/**
 * A local and a remote candidate that may form a path (RFC 8445 section 6.1.2), with its check state.
 *
 * <p>Pairs are created and changed by the {@link IceAgent} on its context only; the getters may be read
 * from anywhere (the fields are volatile) and then show a recent state. Pairs that share a local
 * address and a remote address are the same pair; {@link #toString()} prints them as
 * {@code host 10.0.0.2:5000 -> srflx 203.0.113.9:40000}.
 */
public final class CandidatePair {
  private final LocalCandidate local;
  private volatile Candidate remote;
  private final boolean inCheckList;
  private volatile PairState state;
  private volatile long priority;
  private volatile boolean valid;
  private volatile boolean nominated;
  private volatile String lastOutcome = "not checked yet";
  private volatile int checksSent;
  private volatile long rttMillis = -1;
  // Agent bookkeeping (agent context only).
  int inFlight;
  boolean nominateOnSuccess;
  boolean nominationFailed;
  CandidatePair validPair;
  long lastSentNanos;

  CandidatePair(LocalCandidate local, Candidate remote, boolean inCheckList, PairState state, IceRole role) {
    this.local = local;
    this.remote = remote;
    this.inCheckList = inCheckList;
    this.state = state;
    updatePriority(role);
  }

  /** RFC 8445 6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G&gt;D?1:0), G the controlling side's candidate priority. */
  public static long priority(long controllingPriority, long controlledPriority) {
    long g = Math.min(controllingPriority, Candidate.MAX_PRIORITY);
    long d = Math.min(controlledPriority, Candidate.MAX_PRIORITY);
    return (Math.min(g, d) << 32) + 2 * Math.max(g, d) + (g > d ? 1 : 0);
  }

  public Candidate local() {
    return local.candidate();
  }

  public Candidate remote() {
    return remote;
  }

  /** The pair's foundation: local and remote foundations joined (RFC 8445 6.1.2.6). */
  public String foundation() {
    return local.candidate().foundation() + ":" + remote.foundation();
  }

  public PairState state() {
    return state;
  }

  /** Pair priority for the agent's role at the time it was last computed. */
  /** True when the pair goes through a TURN relay on either side (a relayed candidate at either end). */
  public boolean relayed() {
    return local().type() == io.p2pquic.puncher.ice.CandidateType.RELAYED
        || remote().type() == io.p2pquic.puncher.ice.CandidateType.RELAYED;
  }

  public long priority() {
    return priority;
  }

  /** On the valid list: a check produced an authenticated, symmetric success response. */
  public boolean valid() {
    return valid;
  }

  public boolean nominated() {
    return nominated;
  }

  /** False for a valid pair that a success response produced but that was not in the checklist (7.2.5.3.2). */
  public boolean inCheckList() {
    return inCheckList;
  }

  /** What happened to the pair's last check, in words ("succeeded, rtt 3 ms", "timeout after 7 requests"). */
  public String lastOutcome() {
    // A pair whose checks are out but unanswered has no outcome yet; say so rather than "not checked yet".
    if (checksSent > 0 && state() == PairState.IN_PROGRESS && "not checked yet".equals(lastOutcome)) {
      return "no answer yet to " + checksSent + (checksSent == 1 ? " check" : " checks");
    }
    return lastOutcome;
  }

  public int checksSent() {
    return checksSent;
  }

  /** Round-trip time of the check that succeeded, or -1. */
  public long rttMillis() {
    return rttMillis;
  }

  /** True when the addresses of both pairs are equal (the same path). */
  public boolean samePath(CandidatePair other) {
    return other != null
        && SocketAddresses.sameEndpoint(local().address(), other.local().address())
        && SocketAddresses.sameEndpoint(remote.address(), other.remote.address());
  }

  /** True when this pair is the mirror image of {@code other}, a pair of the remote agent. */
  public boolean mirrors(CandidatePair other) {
    return other != null
        && SocketAddresses.sameEndpoint(local().address(), other.remote().address())
        && SocketAddresses.sameEndpoint(remote.address(), other.local().address());
  }

  LocalCandidate localCandidate() {
    return local;
  }

  StunClient via() {
    return local.via();
  }

  void state(PairState s) {
    this.state = s;
  }

  void remote(Candidate c, IceRole role) {
    this.remote = c;
    updatePriority(role);
  }

  void valid(boolean v) {
    this.valid = v;
  }

  void nominated(boolean n) {
    this.nominated = n;
  }

  void lastOutcome(String s) {
    this.lastOutcome = s;
  }

  void sent() {
    checksSent++;
    lastSentNanos = System.nanoTime();
  }

  void rttMillis(long rtt) {
    this.rttMillis = rtt;
  }

  void updatePriority(IceRole role) {
    long l = local.candidate().priority();
    long r = remote.priority();
    this.priority = role == IceRole.CONTROLLING ? priority(l, r) : priority(r, l);
  }

  /** {@code host 10.0.0.2:5000 -> srflx 203.0.113.9:40000}. */
  public String describe() {
    return local.candidate().type().sdpName() + " " + SocketAddresses.format(local.candidate().address())
        + " -> " + remote.type().sdpName() + " " + SocketAddresses.format(remote.address());
  }

  @Override
  public String toString() {
    return describe() + " (" + state.label() + (valid ? ", valid" : "") + (nominated ? ", nominated" : "") + ")";
  }
}
