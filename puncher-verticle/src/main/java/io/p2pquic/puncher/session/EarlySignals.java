package io.p2pquic.puncher.session;

import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.identity.PeerId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Signals that arrive for an incoming session while its offer is still being decided (the accept hook is
 * an event-bus round trip): a tcp dialer's round-trip ping right behind its offer, candidates trickled at
 * once. Without this they found no session and were dropped. Held per offer, then handed to the session
 * or dropped with a refused offer; bounded per offer and in offers held.
 */
final class EarlySignals {
  static final int PER_OFFER = 16;
  static final int OFFERS = 1024;

  private record Held(PeerId from, List<SessionSignal> signals) {}

  private final Map<String, Held> held = new HashMap<>();

  /** Starts holding signals from {@code from} for session {@code id}, unless too many offers are held already. */
  void expect(String id, PeerId from) {
    if (held.size() < OFFERS) {
      held.putIfAbsent(id, new Held(from, new ArrayList<>()));
    }
  }

  /** Holds {@code signal} if its session is being decided and it comes from the offerer; false otherwise. */
  boolean hold(String id, PeerId from, SessionSignal signal) {
    Held h = held.get(id);
    if (h == null || !h.from().equals(from)) {
      return false;
    }
    if (h.signals().size() < PER_OFFER) {
      h.signals().add(signal);
    }
    return true; // beyond the bound: dropped, as it was before any was held
  }

  /** Hands what {@code from} sent for {@code id} to its session, in arrival order. */
  void deliver(String id, PeerId from, Consumer<SessionSignal> session) {
    Held h = take(id, from);
    if (h != null) {
      h.signals().forEach(session);
    }
  }

  /** {@code from}'s offer was refused: what was held for it goes. */
  void drop(String id, PeerId from) {
    take(id, from);
  }

  /** Only the offerer's own hold is taken: another peer's offer with the same id neither gets nor drops it. */
  private Held take(String id, PeerId from) {
    Held h = held.get(id);
    return h != null && h.from().equals(from) ? held.remove(id) : null;
  }

  int offersHeld() {
    return held.size();
  }
}
