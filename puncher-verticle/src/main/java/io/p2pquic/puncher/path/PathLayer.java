package io.p2pquic.puncher.path;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.p2pquic.puncher.transport.PunchedDatagramPacket;
import io.p2pquic.puncher.transport.RelayedDatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The path layer (docs/ARCHITECTURE.md, "Path layer"): sits between the demultiplexer and the QUIC codec of a session
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
 * listener always answers the way the dialer chose, relay or direct, without a second decision.
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
  private final Counter silent;
  private volatile PeerPath path;
  private volatile Consumer<PathChange> changeHandler = c -> {};
  private volatile Consumer<PeerPath> silenceHandler = p -> {};
  private volatile long silenceMillis = 1_500;
  private volatile long lastInboundNanos = System.nanoTime();
  private volatile long lastOutboundNanos;
  /** When the oldest packet sent since the last one received left: silence is counted from there. */
  private volatile long firstUnansweredNanos;
  private volatile boolean silenceReported;
  private io.netty.util.concurrent.ScheduledFuture<?> silenceCheck;
  /** The other socket (a {@link PeerPath.ViaSocket}) written to since the last flush. */
  private io.netty.channel.Channel otherSocketPending;

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
    this.silent = metrics.counter("p2p.path.silent");
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
      InetAddress a = InetAddress.getByAddress(new byte[] {(byte) 198, (byte) (18 + ((x >>> 24) & 1)), (byte) (x >>> 16),
          (byte) (x >>> 8)});
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

  /**
   * Receives the current path when QUIC packets keep leaving on it but nothing has come back for
   * {@link #silenceMillis} (once per silence; QUIC acknowledges within an RTT plus its ACK delay, so a
   * sender that hears nothing for that long is talking into a dead path: a relay node gone, a NAT
   * mapping dropped). Faster than consent freshness, and it also covers paths not yet selected by ICE.
   */
  public PathLayer silenceHandler(Consumer<PeerPath> handler, long silenceMillis) {
    this.silenceHandler = handler == null ? p -> {} : handler;
    this.silenceMillis = silenceMillis;
    return this;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    silenceCheck = ctx.executor().scheduleAtFixedRate(this::checkSilence, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (silenceCheck != null) {
      silenceCheck.cancel(false);
    }
  }

  /**
   * Package-private for tests. Silence is measured from the first packet sent since the last one received,
   * not from that last reception: after an idle minute, QUIC's keepalive must get its RTT to be answered
   * (measured from the reception, a check between the PING and its ACK called every idle path dead).
   */
  void checkSilence() {
    PeerPath current = path;
    long now = System.nanoTime();
    long silence = silenceMillis * 1_000_000L;
    if (current == null || silenceReported || lastOutboundNanos - lastInboundNanos <= 0
        || now - firstUnansweredNanos < silence || now - lastOutboundNanos > silence) {
      return;
    }
    silenceReported = true;
    silent.increment();
    silenceHandler.accept(current);
  }

  /** Sends from now on over {@code next}; its peer address becomes a known source. */
  public void use(PeerPath next, String reason) {
    sources.add(next.peer());
    PeerPath previous = path;
    if (next.equals(previous)) {
      return;
    }
    path = next;
    long now = System.nanoTime();
    long quietMillis = previous == null ? 0 : (now - lastInboundNanos) / 1_000_000;
    lastInboundNanos = now; // the new path gets a full silence period to answer
    silenceReported = false;
    changeHandler.accept(new PathChange(previous, next, reason, quietMillis));
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
    lastInboundNanos = System.nanoTime();
    silenceReported = false;
    if (follow) {
      PeerPath arrived = p instanceof RelayedDatagramPacket r ? new PeerPath.ViaRelay(from, r.relay())
          : p instanceof PunchedDatagramPacket s ? new PeerPath.ViaSocket(from, s.socket())
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
    long sentNanos = System.nanoTime();
    // A send after a quiet spell longer than the silence period opens a fresh window: the packet before the
    // spell may have been one nothing answers (QUIC's ACK of the peer's last packet), and counting from it
    // called a live path dead at the first check after the next keepalive (NatRebindingLabTest, one run in
    // a few: silence "from" the idle session's last ACK, 10 s before).
    if (lastOutboundNanos - lastInboundNanos <= 0 || sentNanos - lastOutboundNanos > silenceMillis * 1_000_000L) {
      firstUnansweredNanos = sentNanos;
    }
    lastOutboundNanos = sentNanos;
    if (current instanceof PeerPath.ViaRelay r) {
      if (p instanceof SegmentedDatagramPacket s) {
        writeSegmentsViaRelay(ctx, s, r, promise);
        return;
      }
      outRelayed.increment();
      ctx.write(r.relay().wrap(p.content(), r.peer()), promise);
    } else if (current instanceof PeerPath.ViaSocket s) {
      // Another socket's pipeline: written there, flushed with this one's flush (see flush below).
      Object out = p instanceof SegmentedDatagramPacket seg
          ? new SegmentedDatagramPacket(p.content(), seg.segmentSize(), s.peer())
          : new DatagramPacket(p.content(), s.peer());
      outDirect.increment(p instanceof SegmentedDatagramPacket seg
          ? (p.content().readableBytes() + seg.segmentSize() - 1) / seg.segmentSize() : 1);
      s.channel().write(out, s.channel().voidPromise());
      otherSocketPending = s.channel();
      promise.trySuccess(); // UDP semantics: a send lost on the other socket is QUIC's to retransmit
    } else if (p instanceof SegmentedDatagramPacket s) {
      // A batch for one UDP segmentation-offload send: it stays one, addressed to the current path.
      outDirect.increment((p.content().readableBytes() + s.segmentSize() - 1) / s.segmentSize());
      ctx.write(new SegmentedDatagramPacket(p.content(), s.segmentSize(), current.peer()), promise);
    } else {
      outDirect.increment();
      ctx.write(new DatagramPacket(p.content(), current.peer()), promise);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    io.netty.channel.Channel other = otherSocketPending;
    if (other != null) {
      otherSocketPending = null;
      other.flush();
    }
    ctx.flush();
  }

  /** A relay takes one QUIC packet a message (ChannelData or Send): the batch goes out packet by packet. */
  private void writeSegmentsViaRelay(ChannelHandlerContext ctx, SegmentedDatagramPacket batch, PeerPath.ViaRelay r,
      ChannelPromise promise) {
    ByteBuf content = batch.content();
    int size = batch.segmentSize();
    try {
      for (int offset = content.readerIndex(); offset < content.writerIndex(); offset += size) {
        ByteBuf packet = content.retainedSlice(offset, Math.min(size, content.writerIndex() - offset));
        outRelayed.increment();
        ctx.write(r.relay().wrap(packet, r.peer()), ctx.voidPromise());
      }
    } finally {
      batch.release();
    }
    promise.trySuccess();
  }
}
