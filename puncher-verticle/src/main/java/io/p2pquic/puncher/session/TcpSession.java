package io.p2pquic.puncher.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.session.PunchedPaths;
import io.p2pquic.api.session.PunchedStream;
import io.p2pquic.identity.PeerId;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.puncher.tcp.TcpSimultaneousOpen;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One session of method {@code tcp}: TCP simultaneous open (RFC 793 section 3.4) through both NATs,
 * then TLS 1.3 with both peer ids pinned (the quic-verticle), exposed with the same session addresses
 * as QUIC sessions.
 *
 * <pre>
 * dialer                      rendezvous                     listener
 *  port P, STUN/TCP from P -> srflx
 *  tcp-offer {host, srflx} ------------------------------------> port P', STUN/TCP -> srflx
 *  tcp-ping -------------------------------------------------->  (answered at once, while gathering)
 *  <--------------------------------------------------- tcp-pong      rtt = signalling round trip
 *  <----------------------------------------- tcp-answer {host, srflx}
 *  tcp-go {attempt} ------------------------------------------> connect() at once
 *  connect() rtt/2 later  (both SYNs leave about when the go arrives: they cross)
 * </pre>
 *
 * Up to {@link #ATTEMPTS} attempts, each a fresh go; a SYN that reaches a NAT before that side's own SYN
 * left is dropped (or answered with a reset) and TCP's retransmission or the next attempt gets through.
 */
final class TcpSession extends AbstractPunchSession {
  /** Signalling message types of a tcp session (bodies carry {@code sessionId}). */
  static final int ATTEMPTS = 3;

  private final InetSocketAddress stunServer;
  private final long tlsTimeoutMs;
  private final List<Runnable> early = new ArrayList<>();
  private TcpSimultaneousOpen socket;
  private List<InetSocketAddress> local = List.of();
  private List<InetSocketAddress> remote;
  private long pingSentNanos;
  private double rttMs = -1;
  private int attempt;
  private boolean connecting;
  private boolean handedOver;

  TcpSession(SessionContext ctx, String sessionId, PeerId remotePeer, boolean dialer, InetSocketAddress stunServer) {
    super(ctx, sessionId, remotePeer, dialer);
    this.stunServer = stunServer;
    this.tlsTimeoutMs = ctx.quicTimeoutMs();
  }

  @Override
  public ConnectMethod method() {
    return ConnectMethod.TCP;
  }

  /** Picks the port, learns its mapping over TCP, and sends the offer (or, answering, the answer). */
  Future<Void> start(List<InetSocketAddress> offered) {
    if (offered != null) {
      try {
        remote = acceptable(offered);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e);
      }
      phaseDone("signalledMs");
    }
    return TcpSimultaneousOpen.open(vertx, metrics).compose(s -> s.listen().map(s)).compose(s -> {
      socket = s;
      if (remote != null) {
        s.expectPeer(remote);
      }
      Future<InetSocketAddress> srflx = s.reflexive(stunServer, Duration.ofSeconds(5));
      Future<InetSocketAddress> host = s.host(stunServer);
      return Future.join(srflx, host).transform(ar -> {
        List<InetSocketAddress> mine = new ArrayList<>();
        if (srflx.succeeded()) {
          mine.add(srflx.result());
        }
        if (host.succeeded() && (mine.isEmpty() || !mine.get(0).equals(host.result()))) {
          mine.add(host.result());
        }
        if (mine.isEmpty()) {
          return Future.failedFuture("no address for TCP: STUN over TCP to " + SocketAddresses.format(stunServer)
              + " failed (" + (srflx.failed() ? srflx.cause().getMessage() : "?") + ")");
        }
        return Future.succeededFuture(mine);
      });
    }).compose(mine -> {
      local = mine;
      phaseDone("gatheredMs");
      mark("tcp candidates", "port " + socket.port() + ": " + mine.stream().map(SocketAddresses::format).toList());
      List<String> candidates = mine.stream().map(SocketAddresses::format).toList();
      SessionSignal signal = dialer ? new SessionSignal.TcpOffer(sessionId, candidates)
          : new SessionSignal.TcpAnswer(sessionId, candidates);
      early.forEach(Runnable::run);
      early.clear();
      socket.established().onSuccess(ch -> {
        if (!result().isComplete() && !handedOver) {
          onConnected(ch); // accepted by the listener (the peer's SYN came first), or connected
        }
      });
      return signalling.send(remotePeer, signal).onSuccess(v -> {
        if (dialer) {
          // The round trip is measured while the listener gathers, not after its answer: one round trip
          // less before the SYNs.
          pingSentNanos = System.nanoTime();
          signalling.send(remotePeer, new SessionSignal.TcpPing(sessionId));
        }
      });
    }).onFailure(err -> fail(ConnectFailure.FAILED, err.getMessage()));
  }

  /** A signalling message of this session from the remote peer. */
  @Override
  public void onSignal(SessionSignal signal) {
    if (result().isComplete()) {
      return;
    }
    if (signal instanceof SessionSignal.TcpPing) {
      signalling.send(remotePeer, new SessionSignal.TcpPong(sessionId)); // at once: it times the round trip
      return;
    }
    if (socket == null || local.isEmpty()) {
      early.add(() -> onSignal(signal));
      return;
    }
    if (signal instanceof SessionSignal.TcpAnswer answer) {
      if (!dialer || remote != null) {
        return;
      }
      try {
        remote = acceptable(candidates(answer.candidates()));
      } catch (IllegalArgumentException e) {
        fail(ConnectFailure.NO_DIRECT_PATH, "tcp answer refused: " + e.getMessage());
        return;
      }
      socket.expectPeer(remote);
      phaseDone("signalledMs");
      mark("tcp answer", remote.stream().map(SocketAddresses::format).toList().toString());
      if (rttMs >= 0) {
        go(1);
      } else {
        // The listener pongs before it answers: no pong yet means the ping was lost (it reached a peer
        // that did not hold it while deciding the offer). Time the round trip now, as before.
        pingSentNanos = System.nanoTime();
        signalling.send(remotePeer, new SessionSignal.TcpPing(sessionId));
      }
    } else if (signal instanceof SessionSignal.TcpPong) {
      if (dialer && rttMs < 0) {
        rttMs = (System.nanoTime() - pingSentNanos) / 1e6;
        mark("tcp rtt", String.format(java.util.Locale.ROOT, "%.1f ms through the rendezvous", rttMs));
        if (remote != null) {
          go(1);
        }
      }
    } else if (signal instanceof SessionSignal.TcpGo go) {
      if (!dialer) {
        int n = go.attempt();
        mark("tcp go", "attempt " + n + ": connecting now");
        connect(n);
      }
    } else if (signal instanceof SessionSignal.Bye bye) {
      peerEnded(bye);
    }
  }

  /** Dialer: announce attempt n, then connect half the measured round trip later. */
  private void go(int n) {
    attempt = n;
    signalling.send(remotePeer, new SessionSignal.TcpGo(sessionId, n));
    long delay = Math.max(1, Math.round(rttMs / 2));
    mark("tcp go", "attempt " + n + ": connecting in " + delay + " ms");
    vertx.setTimer(delay, t -> connect(n));
  }

  private void connect(int n) {
    if (connecting || result().isComplete() || remote == null) {
      return;
    }
    connecting = true;
    attempt = n;
    // SYN retransmissions come 1 s and 3 s after the first: 3.5 s gives a dropped first SYN two more chances.
    Duration timeout = Duration.ofMillis(Math.max(3_500, Math.round(4 * Math.max(rttMs, 0))));
    socket.connect(remote, timeout).onComplete(ar -> {
      connecting = false;
      if (ar.succeeded()) {
        onConnected(ar.result());
        return;
      }
      if (handedOver || result().isComplete()) {
        return;
      }
      metrics.counter("p2p.tcp.attempts", "outcome", "failed").increment();
      mark("tcp attempt failed", "attempt " + n + ": " + ar.cause().getMessage());
      if (!dialer) {
        return; // the dialer drives the attempts
      }
      if (n < ATTEMPTS) {
        vertx.setTimer(Math.max(100, Math.round(rttMs)), t -> go(n + 1));
      } else {
        String why = "TCP simultaneous open failed after " + ATTEMPTS + " attempts (" + ar.cause().getMessage()
            + "). Both NATs must map the TCP port the same way for every destination (endpoint-independent"
            + " mapping) and let the peer's SYN in once their own SYN went out; a symmetric NAT gives the"
            + " connection a port the peer never learnt. Use method auto (relay) or ice for this pair.";
        signalling.send(remotePeer, new SessionSignal.Bye(sessionId, "tcp: no connection", ConnectFailure.NO_DIRECT_PATH.label()));
        fail(ConnectFailure.NO_DIRECT_PATH, why);
      }
    });
  }

  private void onConnected(SocketChannel ch) {
    if (handedOver) {
      return;
    }
    handedOver = true;
    metrics.counter("p2p.tcp.attempts", "outcome", "connected").increment();
    phaseDone("checksDoneMs");
    InetSocketAddress from = (InetSocketAddress) ch.localAddress();
    InetSocketAddress to = (InetSocketAddress) ch.remoteAddress();
    mark("tcp connected", "attempt " + attempt + ": " + SocketAddresses.format(from) + " -> " + SocketAddresses.format(to));
    PunchedPaths.putStream(vertx, localPeer, new PunchedStream(sessionId, ch, remotePeer, dialer));
    vertx.eventBus().<JsonObject>request(Addresses.tlsAdopt(localPeer),
            new JsonObject().put("sessionId", sessionId).put("timeoutMs", tlsTimeoutMs),
            new DeliveryOptions().setSendTimeout(tlsTimeoutMs + 2_000))
        .onSuccess(reply -> {
          phaseDone("handshakeDoneMs");
          mark("tls handshake done", "peer id verified " + remotePeer.shortId());
          InetSocketAddress remoteCandidate = remote.stream().filter(r -> SocketAddresses.sameEndpoint(r, to)).findFirst()
              .orElse(to);
          complete(new SessionDescription(sessionId, localPeer, remotePeer, ConnectMethod.TCP, false, dialer,
              timings(), new SessionDescription.SelectedPair(local.get(0), "srflx", remoteCandidate,
                  remote.indexOf(remoteCandidate) == 0 ? "srflx" : "host"),
              rttMs < 0 ? null : Math.round(rttMs), attempt));
        })
        .onFailure(err -> {
          ch.close();
          fail(PunchSession.handshakeFailure(err), err.getMessage());
        });
  }

  private static List<InetSocketAddress> candidates(List<String> list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (int i = 0; i < list.size() && i < 8; i++) {
      InetSocketAddress a = SocketAddresses.parseHostPort(list.get(i));
      if (a.isUnresolved()) {
        throw new IllegalArgumentException("tcp candidates must be IP:port, got " + list.get(i));
      }
      out.add(a);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no tcp candidates");
    }
    return out;
  }

  /**
   * The candidates the address policy lets us connect to; loopback ones only when our own STUN server
   * (and so our host candidate) is on loopback (tests on one host): the peer cannot make us connect to
   * our own loopback services otherwise.
   */
  private List<InetSocketAddress> acceptable(List<InetSocketAddress> candidates) {
    boolean loopback = stunServer.getAddress() != null && stunServer.getAddress().isLoopbackAddress();
    List<InetSocketAddress> ok = candidates.stream()
        .filter(a -> io.p2pquic.puncher.ice.RemoteAddressPolicy.refuse(a, loopback) == null).toList();
    if (ok.isEmpty()) {
      throw new IllegalArgumentException("no acceptable tcp candidates in " + candidates + " (loopback ones are "
          + "refused unless this peer's STUN server is on loopback too)");
    }
    return ok;
  }

  /** The candidates of a {@code tcp-offer} body; IllegalArgumentException when malformed. */
  static List<InetSocketAddress> offered(SessionSignal.TcpOffer offer) {
    return candidates(offer.candidates());
  }

  @Override
  public void fail(ConnectFailure reason, String detail) {
    if (tryFail(reason, detail) && socket != null) {
      socket.close();
    }
  }

  /** Closes the sockets of an attempt still running; a connection handed to TLS lives on with its session. */
  @Override
  public Future<Void> close() {
    if (!result().isComplete()) {
      fail(ConnectFailure.CLOSED, "the peer is shutting down");
    }
    return Future.succeededFuture();
  }
}
