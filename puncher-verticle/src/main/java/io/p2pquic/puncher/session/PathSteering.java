package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.ice.agent.IceAgent;
import io.p2pquic.puncher.path.PathChange;
import io.p2pquic.puncher.path.PathLayer;
import io.p2pquic.puncher.path.PeerPath;
import io.p2pquic.puncher.transport.RelayTransport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Which candidate pair carries a session's QUIC connection, on the dialer's side: the decisions behind
 * the path layer ({@link PathLayer}), which only executes them. QUIC starts on the first valid pair,
 * moves to each better pair once its handshake is done (a move during the handshake would cost a probe
 * timeout), to the selected pair, and away from a path that went silent: to a relayed pair when a direct
 * path dies, to another relay when a relay dies. The listener's layer just follows the dialer.
 */
final class PathSteering {
  /** How long QUIC may send on a path without hearing anything back before the dialer moves it. */
  static final long SILENCE_MILLIS = 1_500;

  private final Vertx vertx;
  private final String sessionId;
  private final PeerId localPeer;
  private final PeerId remotePeer;
  private final IceAgent agent;
  private final Function<InetSocketAddress, RelayTransport> ourRelayAt;
  private final BiConsumer<String, String> mark;
  private final PathLayer layer;
  private final MeterRegistry metrics;
  /** The pair whose path carries QUIC now (dialer). */
  private CandidatePair current;
  /** The best valid relayed pair: where the session falls back when the direct path goes silent. */
  private CandidatePair relayFallback;
  /** The path carrying QUIC went silent with nowhere to go: the next validated pair takes over. */
  private boolean silent;
  /** What went silent, for the path-changed reason of the move that ends the silence. */
  private String silentWhat = "the path";
  private boolean quicUp;
  private boolean connected;
  /** A direct path hard-NAT punching found (no ICE pair of its own), while it carries QUIC or is about to. */
  private PeerPath punched;
  private String punchedWhy;
  private Consumer<PathChange> moveListener = c -> { };

  /**
   * @param follower true on the accepting side: its layer follows the dialer's packets
   * @param ourRelayAt our TURN allocation whose relayed address is the given one, or null
   * @param onSilence called (on the Vert.x context) when the dialer's current path went silent
   * @param mark timeline: event, detail
   */
  PathSteering(Vertx vertx, String sessionId, PeerId localPeer, PeerId remotePeer, boolean follower, IceAgent agent,
      Function<InetSocketAddress, RelayTransport> ourRelayAt, Consumer<PeerPath> onSilence,
      BiConsumer<String, String> mark, MeterRegistry metrics) {
    this.vertx = vertx;
    this.sessionId = sessionId;
    this.localPeer = localPeer;
    this.remotePeer = remotePeer;
    this.agent = agent;
    this.ourRelayAt = ourRelayAt;
    this.mark = mark;
    this.metrics = metrics;
    this.layer = new PathLayer(PathLayer.virtualAddress(sessionId), follower, metrics)
        .changeHandler(this::onPathChange)
        .silenceHandler(p -> vertx.runOnContext(v -> onSilence.accept(p)), SILENCE_MILLIS);
  }

  PathLayer layer() {
    return layer;
  }

  /** Also tells {@code listener} of every path change (on the channel's event loop). */
  void moveListener(Consumer<PathChange> listener) {
    this.moveListener = listener;
  }

  /** The pair carrying QUIC (dialer), null before dialing. */
  CandidatePair current() {
    return current;
  }

  void quicUp() {
    quicUp = true;
    if (punched != null) {
      layer.use(punched, punchedWhy);
      return;
    }
    moveToBestValid();
  }

  /**
   * Moves QUIC to a direct path hard-NAT punching found (dialer): at once when the handshake is done, else
   * when it is. The relayed pair stays {@link #current()} and valid, the fallback when this path goes silent.
   */
  void usePunched(PeerPath path, String why) {
    punched = path;
    punchedWhy = why;
    layer.allowSource(path.peer());
    if (quicUp) {
      layer.use(path, why);
    }
  }

  private boolean onPunched() {
    return punched != null && punched.equals(layer.path());
  }

  void connected() {
    connected = true;
  }

  /** A check succeeded (dialer, after dialing): track the relay fallback, move when it is worth it. */
  void onValidPair(CandidatePair v) {
    if (v.relayed() && (relayFallback == null || v.priority() > relayFallback.priority())) {
      relayFallback = v;
    }
    if (current == null) {
      return;
    }
    if (silent && !v.equals(current)) {
      silent = false;
      moveTo(v, silentWhat + " went silent: " + (!v.relayed() ? "moved to a validated pair"
          : silentWhat.equals("the relay") ? "moved to another relay" : "back to the relay"));
    } else if (quicUp && !agent.selected().isComplete() && v.priority() > current.priority()) {
      // Not during the handshake: packets in flight on the old path would be lost and QUIC would wait
      // for its first probe timeout (about a second before it has an RTT sample).
      moveTo(v, current.relayed() && !v.relayed() ? "a direct pair was validated" : "a better pair was validated");
    }
  }

  /** Consent on the selected pair went silent (ICE disconnected): fall back to a relay if one is valid. */
  void onConsentSilent() {
    if (relayFallback != null && current != null && !current.relayed()) {
      moveTo(relayFallback, "the direct path went silent: back to the relay");
    } else {
      silent = true; // an ICE restart's first validated pair takes over
      silentWhat = "the direct path";
    }
  }

  /**
   * QUIC packets leave on {@code path} and nothing comes back (the relay node died, a mapping was
   * dropped): move at once to the best other valid pair that avoids the silent relay, or from a direct
   * path to a relayed one. Returns the reason, for the ICE restart that should follow, or null while
   * the handshake is still running.
   */
  String onQuicSilent(PeerPath path) {
    if (!quicUp) {
      return null; // during the handshake QUIC's own retransmissions decide; a move would cost a probe timeout
    }
    if (path.equals(punched)) {
      punched = null;
      CandidatePair back = current != null && current.relayed() ? current : relayFallback;
      String why = "the hard-NAT path went silent (no packets back for " + SILENCE_MILLIS + " ms): back to the relay";
      if (back != null) {
        current = back;
        layer.use(pathFor(back), why);
      } else {
        mark.accept("path silent", why + " impossible: no relayed pair is valid");
      }
      return null; // nothing for an ICE restart to repair: the relay pair ICE selected is still there
    }
    boolean throughRelay = relayed(path);
    InetAddress suspect = path instanceof PeerPath.ViaRelay r ? r.relay().server().getAddress()
        : throughRelay ? path.peer().getAddress() : null;
    CandidatePair alternative = null;
    for (CandidatePair c : agent.pairs()) {
      if (!c.valid() || c == current || pathFor(c).equals(path)) {
        continue;
      }
      boolean usable = throughRelay ? !involves(c, suspect) : c.relayed();
      if (usable && (alternative == null || c.priority() > alternative.priority())) {
        alternative = c;
      }
    }
    String why = "no packets back on " + describe(path) + " for " + SILENCE_MILLIS + " ms";
    if (alternative != null) {
      moveTo(alternative, throughRelay ? why
          : "the direct path went silent (no packets back for " + SILENCE_MILLIS + " ms): back to the relay");
    } else {
      silent = true;
      silentWhat = throughRelay ? "the relay" : "the direct path";
      mark.accept("path silent", why + "; no other validated path yet");
    }
    return why;
  }

  /** After the handshake: catch up with pairs validated meanwhile (the selected one wins once there is one). */
  private void moveToBestValid() {
    CandidatePair best = agent.selectedPair();
    if (best == null) {
      for (CandidatePair c : agent.pairs()) {
        if (c.valid() && (best == null || c.priority() > best.priority())) {
          best = c;
        }
      }
    }
    if (best != null && current != null && best.priority() > current.priority()) {
      moveTo(best, current.relayed() && !best.relayed() ? "a direct pair was validated" : "a better pair was validated");
    }
  }

  void moveTo(CandidatePair pair, String why) {
    current = pair;
    if (punched != null && pair.relayed()) {
      // The punched direct path beats any relayed pair (ICE nominating the relay after it, say); until the
      // handshake is done QUIC stays where it began.
      if (!onPunched()) {
        layer.use(pathFor(pair), why);
      }
      return;
    }
    punched = null;
    layer.use(pathFor(pair), why);
  }

  /** The selected pair, else the pair carrying QUIC, else the valid pair the follower's path uses. */
  CandidatePair shownPair() {
    if (agent.selectedPair() != null) {
      return agent.selectedPair();
    }
    if (current != null) {
      return current;
    }
    PeerPath p = layer.path();
    if (p != null) {
      for (CandidatePair c : agent.pairs()) {
        if (c.valid() && c.remote().address().equals(p.peer())) {
          return c;
        }
      }
    }
    return null;
  }

  /** How our socket reaches the pair's remote candidate: straight, or wrapped through our allocation. */
  PeerPath pathFor(CandidatePair pair) {
    if (pair.local().type() == CandidateType.RELAYED) {
      RelayTransport relay = ourRelayAt.apply(pair.local().address());
      if (relay != null) {
        return new PeerPath.ViaRelay(pair.remote().address(), relay);
      }
    }
    return new PeerPath.Direct(pair.remote().address());
  }

  /** The IP of the relay a path goes through (our allocation's server, or the peer's relay), null for a direct path. */
  InetAddress relayServerOf(PeerPath p) {
    if (p instanceof PeerPath.ViaRelay r) {
      return r.relay().server().getAddress();
    }
    return peersRelay(p.peer()) ? p.peer().getAddress() : null;
  }

  /** Whether the pair goes through the relay at {@code ip} (our allocation there, or the peer's). */
  private boolean involves(CandidatePair c, InetAddress ip) {
    if (ip == null) {
      return false;
    }
    if (c.remote().address().getAddress().equals(ip)) {
      return true;
    }
    RelayTransport r = c.local().type() == CandidateType.RELAYED ? ourRelayAt.apply(c.local().address()) : null;
    return r != null && r.server().getAddress().equals(ip);
  }

  private void onPathChange(PathChange change) {
    moveListener.accept(change);
    mark.accept("path", (change.from() == null ? "" : describe(change.from()) + " -> ") + describe(change.to())
        + ": " + change.reason());
    if (change.from() != null) {
      // How long the session went without packets back before this move: the stall a user felt.
      Timer.builder("p2p.path.moves").description("Path moves of live sessions: time without packets back on the "
              + "old path when the move happened, by from/to path")
          .tags("from", relayed(change.from()) ? "relayed" : "direct", "to", relayed(change.to()) ? "relayed" : "direct")
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(60)).register(metrics)
          .record(Duration.ofMillis(change.quietMillis()));
    }
    if (connected && change.from() != null) {
      vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject()
          .put("type", "path-changed")
          .put("sessionId", sessionId)
          .put("localPeer", localPeer.value())
          .put("peer", remotePeer.value())
          .put("path", relayed(change.to()) ? "relayed" : "direct")
          .put("remote", SocketAddresses.format(change.to().peer()))
          .put("reason", change.reason())
          .put("quietMs", change.quietMillis()));
    }
  }

  /** Through our relay, or straight to the peer's relayed candidate (its relay): both are relayed. */
  boolean relayed(PeerPath p) {
    return p instanceof PeerPath.ViaRelay || peersRelay(p.peer());
  }

  private boolean peersRelay(InetSocketAddress address) {
    return agent.remoteCandidates().stream()
        .anyMatch(c -> c.type() == CandidateType.RELAYED && c.address().equals(address));
  }

  private String describe(PeerPath p) {
    return p instanceof PeerPath.Direct && peersRelay(p.peer())
        ? "the peer's relay " + SocketAddresses.format(p.peer())
        : p.describe();
  }
}
