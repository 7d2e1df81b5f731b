package io.p2pquic.puncher.quicnative;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import io.p2pquic.puncher.path.PathLayer;
import io.p2pquic.puncher.path.PeerPath;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * QUIC itself as the connectivity check (method quic-native), between the demultiplexer and the
 * {@link PathLayer} of a session socket.
 *
 * <p>Dialer: the path layer sends the QUIC codec's packets to the first (best) remote candidate; while
 * no answer has come, this handler repeats each of them to every other candidate, {@code paceMillis}
 * apart in priority order, and re-sends the latest one to all every {@code respray} interval (the first
 * Initials bounce off the listener's NAT until it has punched). The first candidate a QUIC packet comes
 * back from wins: the path layer is locked onto it and the spraying stops. One QUIC connection probes
 * every pair at once; duplicate Initials are discarded by the listener's QUIC stack. Punch packets
 * ({@link PunchPacket}) teach it the listener's per-destination port when its NAT is symmetric.
 *
 * <p>Listener: sends punch packets to every dialer candidate (paced, repeated until QUIC arrives) and
 * allows QUIC from any port of a candidate's IP address (the dialer's NAT may map per destination); the
 * handshake then proves the peer's identity (TLS, pinned peer id), so no other check is needed.
 */
final class CandidateProbe extends ChannelDuplexHandler {
  static final String NAME = "quic-native-probe";

  private final boolean dialer;
  private final PathLayer path;
  private final long token;
  private final List<InetSocketAddress> targets = new CopyOnWriteArrayList<>();
  private final long paceMillis;
  private final long resprayMillis;
  private final Consumer<InetSocketAddress> onWinner;
  private final MeterRegistry metrics;
  private volatile InetSocketAddress winner;
  private ChannelHandlerContext ctx;
  private ByteBuf latest;
  private ScheduledFuture<?> repeat;
  private long started;

  CandidateProbe(boolean dialer, PathLayer path, String sessionId, List<InetSocketAddress> candidates, long paceMillis,
      long resprayMillis, Consumer<InetSocketAddress> onWinner, MeterRegistry metrics) {
    this.dialer = dialer;
    this.path = path;
    this.token = PunchPacket.token(sessionId);
    this.paceMillis = paceMillis;
    this.resprayMillis = resprayMillis;
    this.onWinner = onWinner;
    this.metrics = metrics;
    for (InetSocketAddress c : candidates) {
      if (!targets.contains(c)) {
        targets.add(c);
      }
      path.allowSource(c);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    started = System.nanoTime();
    if (!dialer) {
      repeat = ctx.executor().scheduleAtFixedRate(this::punchAll, 0, resprayMillis, TimeUnit.MILLISECONDS);
    } else {
      repeat = ctx.executor().scheduleAtFixedRate(this::resprayLatest, resprayMillis, resprayMillis, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  private void stop() {
    if (repeat != null) {
      repeat.cancel(false);
      repeat = null;
    }
    if (latest != null) {
      latest.release();
      latest = null;
    }
  }

  /** The candidate QUIC first came back from (dialer) or first arrived from (listener), null before. */
  InetSocketAddress winner() {
    return winner;
  }

  private void punchAll() {
    if (winner != null || expired()) {
      stop();
      return;
    }
    sendPaced(null);
  }

  private void resprayLatest() {
    if (winner != null || expired()) {
      stop();
      return;
    }
    if (latest != null) {
      sendPaced(latest);
    }
  }

  private boolean expired() {
    return System.nanoTime() - started > TimeUnit.SECONDS.toNanos(30);
  }

  /** Sends {@code payload} (or a punch packet) to every target, {@code paceMillis} apart. */
  private void sendPaced(ByteBuf payload) {
    int i = 0;
    for (InetSocketAddress t : targets) {
      ByteBuf copy = payload == null ? PunchPacket.encode(token) : payload.retainedDuplicate();
      long delay = paceMillis * i++;
      if (delay == 0) {
        send(t, copy);
      } else {
        sendLater(t, copy, delay);
      }
    }
    ctx.flush();
  }

  /** Sends {@code data} to {@code to} {@code delayMillis} from now, unless a candidate answered by then. */
  private void sendLater(InetSocketAddress to, ByteBuf data, long delayMillis) {
    ctx.executor().schedule(() -> {
      if (winner == null) {
        send(to, data);
      } else {
        data.release();
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
  }

  private void send(InetSocketAddress to, ByteBuf data) {
    metrics.counter("p2p.quicnative.probes", "kind", dialer ? "initial" : "punch").increment();
    ctx.writeAndFlush(new DatagramPacket(data, to));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket p) || p.getClass() != DatagramPacket.class) {
      ctx.fireChannelRead(msg); // relayed packets are not ours to judge
      return;
    }
    InetSocketAddress from = p.sender();
    if (PunchPacket.matches(p.content(), token)) {
      metrics.counter("p2p.quicnative.punches-received").increment();
      if (dialer && winner == null && sameIp(from) && !targets.contains(from)) {
        targets.add(0, from); // the listener's port towards us: the best target there is
        path.allowSource(from);
        if (latest != null) {
          send(from, latest.retainedDuplicate());
        }
      }
      p.release();
      return;
    }
    if (!path.knowsSource(from) && sameIp(from)) {
      path.allowSource(from); // a port of the peer's NAT we were not told of (it maps per destination)
    }
    if (winner == null && path.knowsSource(from)) {
      winner = from;
      if (dialer) {
        path.use(new PeerPath.Direct(from), "the first QUIC answer came from it");
      }
      stop();
      onWinner.accept(from);
    }
    ctx.fireChannelRead(msg);
  }

  private boolean sameIp(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    for (InetSocketAddress t : targets) {
      if (t.getAddress().equals(ip)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (dialer && winner == null && msg instanceof DatagramPacket p && p.getClass() == DatagramPacket.class
        && targets.contains(p.recipient())) {
      // A QUIC packet for the peer before any answer: keep the latest for re-sprays, and copy it to
      // every other candidate, paced, best first.
      if (latest != null) {
        latest.release();
      }
      latest = p.content().retainedDuplicate();
      InetSocketAddress first = p.recipient();
      ctx.write(msg, promise);
      int i = 1;
      for (InetSocketAddress t : targets) {
        if (t.equals(first)) {
          continue;
        }
        sendLater(t, latest.retainedDuplicate(), paceMillis * i++);
      }
      return;
    }
    ctx.write(msg, promise);
  }
}
