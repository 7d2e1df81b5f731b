package io.p2pquic.puncher.path;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.puncher.transport.RelayedDatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The path layer (shared/DESIGN.md): sits between the demultiplexer and the QUIC codec of a session
 * socket. The codec talks to one stable {@link #virtualPeer()} address; outbound packets to it leave on
 * the current {@link PeerPath} (straight to the peer, or wrapped through a TURN allocation), and inbound
 * QUIC packets from any of the peer's known addresses, direct or relayed, are handed to the codec as
 * coming from the virtual address. So QUIC never sees a path change and streams keep flowing while the
 * session moves between relay and direct (Tailscale's magicsock and iroh work the same way).
 *
 * <p>Inbound packets from addresses the session does not know (not a remote candidate, not learnt
 * through ICE) are dropped and counted, so a stranger cannot inject packets into the session or, in
 * {@linkplain #PathLayer follow mode}, steer it.
 *
 * <p>Follow mode (the accepting side): the path is the one the peer's latest packet arrived on, so the
 * acceptor always answers the way the dialer chose, relay or direct, without a second decision.
 */
public final class PathLayer extends ChannelDuplexHandler {
  public static final String NAME = "path";

  private final InetSocketAddress virtualPeer;
  private final boolean follow;
  private final Set<InetSocketAddress> sources = ConcurrentHashMap.newKeySet();
  private final Counter outDirect;
  private final Counter outRelayed;
  private final Counter inbound;
  private final Counter droppedUnknown;
  private final Counter droppedNoPath;
  private volatile PeerPath path;
  private volatile Consumer<PathChange> changeHandler = c -> {};

  /**
   * @param virtualPeer the address the QUIC codec uses for the peer ({@link #virtualAddress})
   * @param follow true on the accepting side: follow the path of the peer's latest packet
   */
  public PathLayer(InetSocketAddress virtualPeer, boolean follow, MeterRegistry metrics) {
    this.virtualPeer = virtualPeer;
    this.follow = follow;
    this.outDirect = metrics.counter("p2p.path.outbound", "path", "direct");
    this.outRelayed = metrics.counter("p2p.path.outbound", "path", "relay");
    this.inbound = metrics.counter("p2p.path.inbound");
    this.droppedUnknown = metrics.counter("p2p.path.dropped", "reason", "unknown-source");
    this.droppedNoPath = metrics.counter("p2p.path.dropped", "reason", "no-path");
  }

  /**
   * A stable per-session address from 198.18.0.0/15 (RFC 2544, benchmarking: never routed on the
   * internet, so it cannot be confused with a real peer). Only the codec ever sees it.
   */
  public static InetSocketAddress virtualAddress(String sessionId) {
    byte[] h = sessionId.getBytes(StandardCharsets.UTF_8);
    int x = 0;
    for (byte b : h) {
      x = 31 * x + b;
    }
    try {
      InetAddress a = InetAddress.getByAddress(new byte[] {(byte) 198, (byte) (18 + ((x >>> 24) & 1)), (byte) (x >>> 16), (byte) (x >>> 8)});
      return new InetSocketAddress(a, 1 + ((x & 0x7fff_ffff) % 65534));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public InetSocketAddress virtualPeer() {
    return virtualPeer;
  }

  /** The current path, null before the first. */
  public PeerPath path() {
    return path;
  }

  /** The peer may send from {@code address} (a remote candidate or one ICE learnt). */
  public PathLayer allowSource(InetSocketAddress address) {
    sources.add(address);
    return this;
  }

  public boolean knowsSource(InetSocketAddress address) {
    return sources.contains(address);
  }

  /** Receives every path change (on the channel's event loop). */
  public PathLayer changeHandler(Consumer<PathChange> handler) {
    this.changeHandler = handler == null ? c -> {} : handler;
    return this;
  }

  /** Sends from now on over {@code next}; its peer address becomes a known source. */
  public void use(PeerPath next, String reason) {
    sources.add(next.peer());
    PeerPath previous = path;
    if (next.equals(previous)) {
      return;
    }
    path = next;
    changeHandler.accept(new PathChange(previous, next, reason));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket p)) {
      ctx.fireChannelRead(msg);
      return;
    }
    InetSocketAddress from = p.sender();
    PeerPath current = path;
    if (!sources.contains(from) && (current == null || !from.equals(current.peer()))) {
      droppedUnknown.increment();
      p.release();
      return;
    }
    inbound.increment();
    if (follow) {
      PeerPath arrived = p instanceof RelayedDatagramPacket r
          ? new PeerPath.ViaRelay(from, r.relay())
          : new PeerPath.Direct(from);
      if (!arrived.equals(current)) {
        use(arrived, current == null ? "the peer's first packet arrived on it" : "the peer's packets now arrive on it");
      }
    }
    ctx.fireChannelRead(new DatagramPacket(p.content(), p.recipient(), virtualPeer));
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DatagramPacket p) || !virtualPeer.equals(p.recipient())) {
      ctx.write(msg, promise);
      return;
    }
    PeerPath current = path;
    if (current == null) {
      droppedNoPath.increment();
      p.release();
      promise.trySuccess(); // UDP semantics: QUIC retransmits once a path exists
      return;
    }
    if (current instanceof PeerPath.ViaRelay r) {
      outRelayed.increment();
      ctx.write(r.relay().wrap(p.content(), r.peer()), promise);
    } else {
      outDirect.increment();
      ctx.write(new DatagramPacket(p.content(), current.peer()), promise);
    }
  }
}
