package io.p2pquic.puncher.hardnat;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.path.PeerPath;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.DatagramChannels;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.transport.PunchedDatagramPacket;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.TransactionId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * Hard-NAT punching for one session (docs/ice.md, "Hard-NAT punching"): a direct path between a NAT that
 * maps per destination and one that does not, which ICE's checks cannot find (the per-destination side's
 * checks leave from ports the other side never sent to, and its filter drops them).
 *
 * <p>{@link HardNatRole#MANY_SOCKETS}: the side behind the per-destination NAT opens {@code sockets} sockets
 * and sends from each, round robin at {@code probesPerSecond}, to the peer's one public address: each
 * creates a mapping on its NAT, on a port nobody can predict, that accepts packets from that address.
 * {@link HardNatRole#SPRAY}: the stable side sends from its session socket to random ports of the peer's
 * public IP at the same rate, each port once. A probe that lands on one of the open mappings reaches a
 * socket, which answers; its answer passes the stable side's filter (that side just sent to that very
 * port). With 256 mappings among 64,512 ports a probe hits with p = 1/252, so 100 probes a second find a
 * path within 20 s with probability above 99.9 % (median about 3 s once the sockets are open).
 *
 * <p>Every probe and answer is authenticated with the session's ICE credentials ({@link ProbeMessages});
 * the result is the {@link PeerPath} QUIC can use: from the winning socket ({@link PeerPath.ViaSocket},
 * whose inbound QUIC packets are handed to the session's pipeline) or from the session socket to the port
 * that answered ({@link PeerPath.Direct}). The other sockets close at once; everything stops at the budget.
 */
public final class HardNatPunch {
  private static final int FIRST_PORT = 1024;
  private static final int LAST_PORT = 65535;
  /** Our probes awaiting an answer that we still recognise (oldest forgotten first). */
  private static final int MAX_OUTSTANDING = 4096;
  private static final long TICK_MILLIS = 10;

  private final Vertx vertx;
  private final HardNatOptions options;
  private final HardNatRole role;
  private final ProbeMessages messages;
  private final InetSocketAddress target;
  private final NettyUdpEndpoint session;
  private final DatagramChannels channels;
  private final MeterRegistry metrics;
  private final BiConsumer<String, String> mark;
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final Set<TransactionId> outstanding = new LinkedHashSet<>();
  private final Promise<PeerPath> found = Promise.promise();
  private final List<NettyUdpEndpoint> sockets = new ArrayList<>();
  private long startNanos;
  private long sent;
  private int next;
  private int[] ports;
  private long ticker = -1;
  private long budget = -1;
  private boolean closed;

  /**
   * @param target for {@link HardNatRole#MANY_SOCKETS} the peer's public address (its stable mapping); for
   *     {@link HardNatRole#SPRAY} the peer's public address as its STUN server saw it (only the IP is used)
   * @param session the session's socket: the spray leaves from it, and the winning socket's QUIC packets
   *     are handed to its pipeline
   * @param channels what makes sockets (the session's kind: native, NIO or a test network's)
   * @param mark the session's timeline
   */
  public HardNatPunch(Vertx vertx, HardNatOptions options, HardNatRole role, IceCredentials local, IceCredentials remote,
      InetSocketAddress target, NettyUdpEndpoint session, DatagramChannels channels, MeterRegistry metrics,
      BiConsumer<String, String> mark) {
    this.vertx = vertx;
    this.options = options;
    this.role = role;
    this.messages = new ProbeMessages(local, remote);
    this.target = target;
    this.session = session;
    this.channels = channels;
    this.metrics = metrics;
    this.mark = mark;
  }

  public HardNatRole role() {
    return role;
  }

  /** Whether it ended: a path found, the budget spent, or closed. */
  public boolean done() {
    return closed || found.future().isComplete();
  }

  /** Probes sent so far. */
  public long probesSent() {
    return sent;
  }

  /** Starts probing (on the session's context); completes with the path found, fails when the budget ran out. */
  public Future<PeerPath> start() {
    startNanos = System.nanoTime();
    if (role == HardNatRole.SPRAY) {
      ports = shuffledPorts();
      mark.accept("hard-nat spraying", "random ports of " + SocketAddresses.formatIp(target.getAddress()) + " at "
          + options.probesPerSecond() + "/s from the session socket, for up to " + options.budgetMillis() + " ms");
    } else {
      mark.accept("hard-nat sockets", options.sockets() + " sockets probing " + SocketAddresses.format(target) + " at "
          + options.probesPerSecond() + "/s, for up to " + options.budgetMillis() + " ms");
      for (int i = 0; i < options.sockets(); i++) {
        NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, metrics, channels).onComplete(ar -> {
          if (ar.failed()) {
            metrics.counter("p2p.hardnat.bind-failed").increment();
            return;
          }
          NettyUdpEndpoint ep = ar.result();
          if (closed || found.future().isComplete()) {
            ep.close();
            return;
          }
          sockets.add(ep);
          ep.stunHandler(d -> onSocketDatagram(ep, d));
        });
      }
    }
    ticker = vertx.setPeriodic(TICK_MILLIS, t -> tick());
    budget = vertx.setTimer(options.budgetMillis(), t -> giveUp());
    return found.future();
  }

  private void tick() {
    if (closed || found.future().isComplete()) {
      return;
    }
    long due = (System.nanoTime() - startNanos) * options.probesPerSecond() / 1_000_000_000L - sent;
    for (long i = 0; i < Math.min(due, 50); i++) {
      if (role == HardNatRole.SPRAY) {
        if (next >= ports.length) {
          return;
        }
        send(session, new InetSocketAddress(target.getAddress(), ports[next++]));
      } else {
        if (sockets.isEmpty()) {
          return;
        }
        send(sockets.get(next++ % sockets.size()), target);
      }
    }
  }

  private void send(NettyUdpEndpoint from, InetSocketAddress to) {
    StunMessage probe = messages.request();
    outstanding.add(probe.transactionId());
    if (outstanding.size() > MAX_OUTSTANDING) {
      Iterator<TransactionId> oldest = outstanding.iterator();
      oldest.next();
      oldest.remove();
    }
    sent++;
    metrics.counter("p2p.hardnat.probes", "role", label()).increment();
    from.send(Buffer.buffer(encoder.encodeToBytes(probe)), to);
  }

  /**
   * The spraying side's look at a STUN datagram on the session socket, before ICE's: takes the peer's
   * probes (answering them) and the answers to our own probes; anything else (ICE checks and their answers)
   * is left to ICE.
   */
  public boolean offer(Datagram d) {
    if (role != HardNatRole.SPRAY || closed || d.relayed() || !SocketAddresses.sameIp(d.sender().getAddress(), target.getAddress())) {
      return false;
    }
    StunMessage m = decode(d);
    if (m == null) {
      return false;
    }
    if (messages.isPeerProbe(m)) {
      answer(session, m, d.sender());
      hit(null, d.sender(), "the peer's probe arrived from " + SocketAddresses.format(d.sender()));
      return true;
    }
    if (messages.isPeerAnswer(m) && outstanding.remove(m.transactionId())) {
      hit(null, d.sender(), "port " + d.sender().getPort() + " answered after " + sent + " probes");
      return true;
    }
    return false;
  }

  private void onSocketDatagram(NettyUdpEndpoint ep, Datagram d) {
    StunMessage m = decode(d);
    if (m == null) {
      metrics.counter("p2p.hardnat.dropped", "reason", "undecodable").increment();
    } else if (messages.isPeerProbe(m)) {
      answer(ep, m, d.sender());
      hit(ep, d.sender(), "the peer's probe reached our port " + ep.localAddress().getPort() + " from "
          + SocketAddresses.format(d.sender()) + " after " + sent + " of ours");
    } else if (messages.isPeerAnswer(m) && outstanding.remove(m.transactionId())) {
      hit(ep, d.sender(), "the peer answered our port " + ep.localAddress().getPort());
    } else {
      metrics.counter("p2p.hardnat.dropped", "reason", "unauthenticated").increment();
    }
  }

  /** Answers the peer's probe from the socket it reached: its public address, signed with our key. */
  private void answer(NettyUdpEndpoint socket, StunMessage probe, InetSocketAddress from) {
    socket.send(Buffer.buffer(encoder.encodeToBytes(messages.success(probe, from))), from);
  }

  private StunMessage decode(Datagram d) {
    try {
      return decoder.decode(d.data().getBytes());
    } catch (StunDecodeException e) {
      return null;
    }
  }

  /** A path: keep the socket it came through (many-sockets side), stop probing, report it. */
  private void hit(NettyUdpEndpoint socket, InetSocketAddress peer, String how) {
    if (closed || found.future().isComplete()) {
      return;
    }
    stopTimers();
    double afterMs = (System.nanoTime() - startNanos) / 1e6;
    metrics.counter("p2p.hardnat.found", "role", label()).increment();
    mark.accept("hard-nat path found", String.format("%s, %.0f ms after punching began", how, afterMs));
    if (socket == null) {
      found.complete(new PeerPath.Direct(peer));
      return;
    }
    for (NettyUdpEndpoint other : sockets) {
      if (other != socket) {
        other.close();
      }
    }
    sockets.clear();
    sockets.add(socket);
    forwardQuic(socket);
    // Tell the spraying side too, in case our answer to its probe was lost on the way.
    send(socket, peer);
    found.complete(new PeerPath.ViaSocket(peer, socket.channel()));
  }

  /** The winning socket's QUIC packets go down the session's pipeline, as if they had arrived there. */
  private void forwardQuic(NettyUdpEndpoint socket) {
    ChannelHandlerContext sessionDemux = session.channel().pipeline().context("demux");
    InetSocketAddress sessionLocal = session.localAddress();
    socket.channel().pipeline().addAfter("demux", "hardnat-forward", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p) || sessionDemux == null || sessionDemux.isRemoved()) {
          ctx.fireChannelRead(msg);
          return;
        }
        PunchedDatagramPacket q = new PunchedDatagramPacket(p.content(), sessionLocal, p.sender(), ctx.channel());
        if (sessionDemux.executor().inEventLoop()) {
          sessionDemux.fireChannelRead(q);
        } else {
          sessionDemux.executor().execute(() -> sessionDemux.fireChannelRead(q));
        }
      }

      @Override
      public void channelReadComplete(ChannelHandlerContext ctx) {
        if (sessionDemux != null && !sessionDemux.isRemoved()) {
          // The QUIC codec sends what the packets called for when the read batch completes.
          if (sessionDemux.executor().inEventLoop()) {
            sessionDemux.fireChannelReadComplete();
          } else {
            sessionDemux.executor().execute(sessionDemux::fireChannelReadComplete);
          }
        }
        ctx.fireChannelReadComplete();
      }
    });
  }

  private void giveUp() {
    if (closed || found.future().isComplete()) {
      return;
    }
    stopTimers();
    closeSockets();
    metrics.counter("p2p.hardnat.gave-up", "role", label()).increment();
    found.tryFail(new HardNatException(String.format("no direct path after %d probes in %d ms (%s)", sent,
        options.budgetMillis(), role == HardNatRole.SPRAY ? "random ports of the peer's public IP"
            : options.sockets() + " sockets towards the peer's public address")));
  }

  /** Stops probing and closes every socket this punch opened, the winning one too. */
  public void close() {
    closed = true;
    stopTimers();
    closeSockets();
    found.tryFail(new HardNatException("the session closed"));
  }

  private void stopTimers() {
    if (ticker >= 0) {
      vertx.cancelTimer(ticker);
      ticker = -1;
    }
    if (budget >= 0) {
      vertx.cancelTimer(budget);
      budget = -1;
    }
  }

  private void closeSockets() {
    sockets.forEach(NettyUdpEndpoint::close);
    sockets.clear();
  }

  private String label() {
    return role == HardNatRole.SPRAY ? "spray" : "many-sockets";
  }

  /** Every port from 1024 to 65535 once, in random order (the ports a NAT picks from). */
  private static int[] shuffledPorts() {
    int[] p = new int[LAST_PORT - FIRST_PORT + 1];
    for (int i = 0; i < p.length; i++) {
      p[i] = FIRST_PORT + i;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = p.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
