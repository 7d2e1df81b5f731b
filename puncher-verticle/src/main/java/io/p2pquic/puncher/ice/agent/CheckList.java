package io.p2pquic.puncher.ice.agent;

import io.p2pquic.api.net.SocketAddresses;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * The checklist of one data stream (RFC 8445 section 6.1.2) plus the valid pairs that checks produced
 * outside it, and the triggered-check queue (6.1.4.1). Not thread-safe: the agent uses it on its
 * context only. One instance per ICE generation; an ICE restart starts a new one.
 *
 * <ul>
 *   <li>Pairs are kept sorted by pair priority, highest first (6.1.2.3); {@link #reprioritise} after a
 *       role switch.
 *   <li>{@link #add} prunes: a pair with the same local base address and remote address as one already
 *       present is redundant (6.1.2.4; the agent has replaced server-reflexive local candidates by
 *       their base before); beyond {@code maxPairs} the lowest-priority frozen or waiting pair goes
 *       (6.1.2.5).
 *   <li>Initial states, trickle style (RFC 8838 section 10): a new pair is Frozen when another pair with
 *       its foundation is Waiting or In-Progress and none has Succeeded, else Waiting. A success
 *       unfreezes its foundation ({@link #unfreeze}, 7.2.5.3.3).
 *   <li>{@link #nextOrdinary} picks the highest-priority Waiting pair, or unfreezes the best Frozen pair
 *       whose foundation has nothing Waiting or In-Progress (6.1.4.2).
 * </ul>
 */
final class CheckList {
  private static final Comparator<CandidatePair> BY_PRIORITY =
      Comparator.comparingLong((CandidatePair p) -> p.priority()).reversed();

  private final int maxPairs;
  private final List<CandidatePair> pairs = new ArrayList<>();
  private final List<CandidatePair> validOnly = new ArrayList<>();
  private final Deque<CandidatePair> triggered = new ArrayDeque<>();
  private int pruned;
  /** A pair was nominated and selected in this generation: no more ordinary or triggered checks. */
  boolean completed;

  CheckList(int maxPairs) {
    this.maxPairs = maxPairs;
  }

  /** Pairs in the checklist, highest priority first. */
  List<CandidatePair> pairs() {
    return pairs;
  }

  /** Checklist pairs and valid pairs outside it, highest priority first. */
  List<CandidatePair> all() {
    List<CandidatePair> all = new ArrayList<>(pairs);
    all.addAll(validOnly);
    all.sort(BY_PRIORITY);
    return all;
  }

  /** Pairs dropped as redundant or over the limit, for reports. */
  int pruned() {
    return pruned;
  }

  /**
   * Adds a checklist pair unless it is redundant; returns the pair now in the list for that path
   * (the new one or the one already there), or null when the new one was dropped over the limit.
   */
  CandidatePair add(CandidatePair p) {
    CandidatePair existing = find(p.local().address(), p.remote().address());
    if (existing != null) {
      pruned++;
      return existing;
    }
    p.state(initialState(p.foundation()));
    insertSorted(pairs, p);
    if (pairs.size() > maxPairs) {
      CandidatePair victim = null;
      for (int i = pairs.size() - 1; i >= 0; i--) {
        PairState s = pairs.get(i).state();
        if (s == PairState.FROZEN || s == PairState.WAITING) {
          victim = pairs.get(i);
          break;
        }
      }
      if (victim == null) {
        victim = pairs.get(pairs.size() - 1);
      }
      pairs.remove(victim);
      triggered.remove(victim);
      pruned++;
      return victim == p ? null : p;
    }
    return p;
  }

  /** Adds a valid pair that a success response produced and that is not in the checklist (7.2.5.3.2). */
  void addValidOnly(CandidatePair p) {
    insertSorted(validOnly, p);
  }

  PairState initialState(String foundation) {
    boolean active = false;
    for (CandidatePair q : pairs) {
      if (!q.foundation().equals(foundation)) {
        continue;
      }
      if (q.state() == PairState.SUCCEEDED) {
        return PairState.WAITING;
      }
      if (q.state() == PairState.WAITING || q.state() == PairState.IN_PROGRESS) {
        active = true;
      }
    }
    return active ? PairState.FROZEN : PairState.WAITING;
  }

  /** The checklist pair for this local address (a base) and remote address, or null. */
  CandidatePair find(InetSocketAddress local, InetSocketAddress remote) {
    return first(pairs, local, remote);
  }

  /** A checklist or valid-only pair for these addresses, or null. */
  CandidatePair findAny(InetSocketAddress local, InetSocketAddress remote) {
    CandidatePair p = first(pairs, local, remote);
    return p != null ? p : first(validOnly, local, remote);
  }

  private static CandidatePair first(List<CandidatePair> list, InetSocketAddress local, InetSocketAddress remote) {
    for (CandidatePair p : list) {
      if (SocketAddresses.sameEndpoint(p.local().address(), local)
          && SocketAddresses.sameEndpoint(p.remote().address(), remote)) {
        return p;
      }
    }
    return null;
  }

  /** Puts the pair at the end of the triggered-check queue unless it is queued already. */
  void enqueueTriggered(CandidatePair p) {
    if (!triggered.contains(p)) {
      triggered.addLast(p);
    }
  }

  CandidatePair pollTriggered() {
    return triggered.pollFirst();
  }

  boolean hasTriggered() {
    return !triggered.isEmpty();
  }

  /** The next pair for an ordinary check, now Waiting, or null when there is none (6.1.4.2). */
  CandidatePair nextOrdinary() {
    for (CandidatePair p : pairs) {
      if (p.state() == PairState.WAITING) {
        return p;
      }
    }
    for (CandidatePair p : pairs) {
      if (p.state() == PairState.FROZEN && !foundationActive(p.foundation())) {
        p.state(PairState.WAITING);
        return p;
      }
    }
    return null;
  }

  private boolean foundationActive(String foundation) {
    for (CandidatePair q : pairs) {
      if (q.foundation().equals(foundation)
          && (q.state() == PairState.WAITING || q.state() == PairState.IN_PROGRESS)) {
        return true;
      }
    }
    return false;
  }

  /** Frozen pairs with this foundation become Waiting (7.2.5.3.3). */
  void unfreeze(String foundation) {
    for (CandidatePair q : pairs) {
      if (q.state() == PairState.FROZEN && q.foundation().equals(foundation)) {
        q.state(PairState.WAITING);
      }
    }
  }

  /** Recomputes pair priorities for {@code role} and re-sorts (after a role switch, 7.2.5.1 / 7.3.1.1). */
  void reprioritise(IceRole role) {
    for (CandidatePair p : pairs) {
      p.updatePriority(role);
    }
    for (CandidatePair p : validOnly) {
      p.updatePriority(role);
    }
    pairs.sort(BY_PRIORITY);
    validOnly.sort(BY_PRIORITY);
  }

  /** Re-sorts after a pair's remote candidate changed (a prflx candidate got its signalled form). */
  void resort() {
    pairs.sort(BY_PRIORITY);
    validOnly.sort(BY_PRIORITY);
  }

  /** The highest-priority valid pair that may still be nominated, or null. */
  CandidatePair bestValid() {
    CandidatePair best = null;
    for (CandidatePair p : all()) {
      if (p.valid() && !p.nominationFailed && (best == null || p.priority() > best.priority())) {
        best = p;
      }
    }
    return best;
  }

  boolean any(Predicate<CandidatePair> test) {
    for (CandidatePair p : pairs) {
      if (test.test(p)) {
        return true;
      }
    }
    for (CandidatePair p : validOnly) {
      if (test.test(p)) {
        return true;
      }
    }
    return false;
  }

  /** True while some checklist pair may still succeed. */
  boolean hasPending() {
    if (!triggered.isEmpty()) {
      return true;
    }
    for (CandidatePair p : pairs) {
      if (p.state() == PairState.FROZEN || p.state() == PairState.WAITING || p.state() == PairState.IN_PROGRESS) {
        return true;
      }
    }
    return false;
  }

  /** Stops checking: drops the triggered queue (the checklist is completed). */
  void complete() {
    completed = true;
    triggered.clear();
  }

  private static void insertSorted(List<CandidatePair> list, CandidatePair p) {
    int i = 0;
    while (i < list.size() && list.get(i).priority() >= p.priority()) {
      i++;
    }
    list.add(i, p);
  }
}
