package io.p2pquic.puncher.turn;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.transport.RelayInbound;
import io.p2pquic.puncher.transport.RelayTransport;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.turn.ChannelData;
import io.p2pquic.stun.turn.ChannelDataDecoder;
import io.p2pquic.stun.turn.ChannelDataEncoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's view of one TURN allocation (RFC 8656): the relayed transport address peers send to, the
 * mapped (server-reflexive) address the server saw, the lifetime, and the permissions and channels on it.
 * It is the socket's {@link RelayTransport}: registered with the socket on creation so that ChannelData
 * and Data indications from the server are unwrapped and delivered as if the peer had sent them.
 *
 * <p><b>Sending to a peer</b>: {@link #send(Buffer, InetSocketAddress)} (Vert.x) waits for the peer's
 * permission and then writes; {@link #wrap} / {@link #writeAndFlush} (Netty) never wait. Both use
 * ChannelData when a channel is bound to the peer, else a Send indication, and (with {@link
 * TurnClientOptions#autoChannelBind()}) bind a channel on first use.
 *
 * <p><b>Timers</b>: the allocation is refreshed at lifetime - 60 s (half the lifetime when under 2 min);
 * permissions of peers used since the previous round every {@link
 * TurnClientOptions#permissionRefreshMillis()}; channel bindings of peers in use every {@link
 * TurnClientOptions#channelRefreshMillis()}. {@link #close()} deallocates (Refresh with LIFETIME 0). If a
 * refresh finds the allocation gone, {@link #ended()} fails with the reason.
 */
public final class RelayAllocation implements RelayTransport {
  private static final Logger LOG = LoggerFactory.getLogger(RelayAllocation.class);
  private static final int DATA_INDICATION = StunMessageType.of(StunMethod.DATA, StunClass.INDICATION).toWire();
  private static final StunMessageType SEND_INDICATION = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION);
  private static final StunMessageDecoder DECODER = new StunMessageDecoder();
  private static final StunMessageEncoder ENCODER = new StunMessageEncoder();

  private final TurnClient client;
  private final TurnClientOptions options;
  private final TurnClientMetrics metrics;
  private final InetSocketAddress server;
  private final InetSocketAddress relayed;
  private final InetSocketAddress mapped;
  private final Map<InetAddress, RelayPermission> permissions = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, RelayChannel> channelsByPeer = new ConcurrentHashMap<>();
  private final Map<Integer, RelayChannel> channelsByNumber = new ConcurrentHashMap<>();
  private final AtomicInteger nextChannel = new AtomicInteger(ChannelData.MIN_CHANNEL);
  private final Promise<Void> ended = Promise.promise();
  private volatile Duration lifetime;
  private volatile long expiresNanos;
  private volatile boolean closed;
  private long refreshTimer = -1;
  private long permissionTimer = -1;
  private long channelTimer = -1;
  private long lastPermissionRound = System.nanoTime();
  private long lastChannelRound = System.nanoTime();

  RelayAllocation(TurnClient client, InetSocketAddress server, InetSocketAddress relayed, InetSocketAddress mapped,
      Duration lifetime) {
    this.client = client;
    this.options = client.rawOptions();
    this.metrics = client.metrics();
    this.server = server;
    this.relayed = relayed;
    this.mapped = mapped;
    this.lifetime = lifetime;
    this.expiresNanos = System.nanoTime() + lifetime.toNanos();
  }

  void start() {
    client.endpoint().addRelay(this);
    scheduleRefresh(refreshDelayMillis(lifetime));
    permissionTimer = client.context().setTimer(options.permissionRefreshMillis(), id -> permissionRound());
    channelTimer = client.context().setTimer(options.channelRefreshMillis(), id -> channelRound());
    if (client.endpoint() instanceof NettyUdpEndpoint netty) {
      // The session owner closes the socket, not necessarily the allocation: stop the timers with it.
      netty.channel().closeFuture().addListener(f -> client.context().runOnContext(v -> {
        if (!closed) {
          lost(new TurnException(server, TurnException.Reason.SEND_FAILED, 0, "the socket of allocation "
              + SocketAddresses.format(relayed) + " closed; the server drops the allocation when its lifetime ends",
              null), false);
        }
      }));
    }
  }

  // ---- what it is ----

  @Override
  public InetSocketAddress server() {
    return server;
  }

  /** XOR-RELAYED-ADDRESS: where peers send to reach us (the relayed candidate). */
  @Override
  public InetSocketAddress relayedAddress() {
    return relayed;
  }

  /** XOR-MAPPED-ADDRESS: our address as the server saw it (the relayed candidate's related address); may be null. */
  public InetSocketAddress mappedAddress() {
    return mapped;
  }

  /** The lifetime the server granted at the last Allocate or Refresh. */
  public Duration lifetime() {
    return lifetime;
  }

  /** When the allocation ends unless refreshed (wall clock estimate). */
  public Instant expiresAt() {
    return Instant.now().plusNanos(expiresNanos - System.nanoTime());
  }

  /** The socket the allocation lives on. */
  public UdpEndpoint endpoint() {
    return client.endpoint();
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Completes when the allocation was closed with {@link #close()}; fails with a {@link TurnException}
   * when it was lost (a refresh found it gone, or it expired because refreshes got no answer).
   */
  public Future<Void> ended() {
    return ended.future();
  }

  public Optional<RelayPermission> permission(InetAddress peer) {
    return Optional.ofNullable(permissions.get(peer));
  }

  public List<RelayPermission> permissions() {
    return List.copyOf(permissions.values());
  }

  public Optional<RelayChannel> channel(InetSocketAddress peer) {
    return Optional.ofNullable(channelsByPeer.get(peer));
  }

  public List<RelayChannel> channels() {
    return List.copyOf(channelsByPeer.values());
  }

  // ---- requests ----

  /** Refreshes the allocation now (Refresh with the configured lifetime); completes with the granted lifetime. */
  public Future<Duration> refresh() {
    if (closed) {
      return closedFailure("Refresh");
    }
    return client.transact("Refresh", () -> StunMessage.builder(StunMessageType.of(StunMethod.REFRESH, StunClass.REQUEST))
            .add(StunAttributes.lifetime(options.lifetimeSeconds())))
        .map(r -> {
          Duration granted = Duration.ofSeconds(r.message().uint32(StunAttributeType.LIFETIME).orElse(options.lifetimeSeconds()));
          lifetime = granted;
          expiresNanos = System.nanoTime() + granted.toNanos();
          return granted;
        })
        .onComplete(ar -> metrics.refresh("allocation", ar.succeeded()));
  }

  /**
   * Installs (or refreshes) permissions for these peer IPs in one CreatePermission (RFC 8656 section 9);
   * the server then relays from and to them. {@link #send} does this by itself; ICE calls it for remote
   * candidates so that their checks can come in before we send.
   */
  public Future<List<RelayPermission>> createPermissions(Collection<InetAddress> peers) {
    if (closed) {
      return closedFailure("CreatePermission");
    }
    if (peers.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<RelayPermission> ps = new ArrayList<>();
    for (InetAddress ip : peers) {
      ps.add(permissions.compute(ip, (k, old) -> old == null || lapsed(old) || old.ready().failed() ? new RelayPermission(k) : old));
    }
    ps.forEach(p -> p.claimFirstRequest());
    return sendCreatePermission(ps).map(v -> List.copyOf(ps));
  }

  public Future<RelayPermission> createPermission(InetAddress peer) {
    return createPermissions(List.of(peer)).map(l -> l.get(0));
  }

  private Future<Void> sendCreatePermission(List<RelayPermission> ps) {
    String what = "CreatePermission for " + String.join(", ", ps.stream().map(p -> SocketAddresses.formatIp(p.peer())).toList());
    return client.transact(what, () -> {
      StunMessage.Builder b = StunMessage.builder(StunMessageType.of(StunMethod.CREATE_PERMISSION, StunClass.REQUEST));
      ps.forEach(p -> b.add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, new InetSocketAddress(p.peer(), 0))));
      return b;
    }).<Void>mapEmpty()
        .onSuccess(v -> ps.forEach(RelayPermission::installed))
        .onFailure(err -> ps.forEach(p -> p.failed(err))); // kept: sends fail fast until retryable()
  }

  /**
   * Binds a channel to {@code peer} (RFC 8656 section 11), or renews its binding; completes when
   * ChannelData may be used. The binding also installs the peer's permission.
   */
  public Future<RelayChannel> bindChannel(InetSocketAddress peer) {
    if (closed) {
      return closedFailure("ChannelBind");
    }
    RelayChannel ch;
    try {
      ch = channelsByPeer.computeIfAbsent(peer, p -> {
        int n = nextChannel.getAndIncrement();
        if (!ChannelData.isValidChannel(n)) {
          throw new IllegalStateException("all 4096 channel numbers of this allocation are in use");
        }
        RelayChannel c = new RelayChannel(n, p);
        channelsByNumber.put(n, c);
        return c;
      });
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    Promise<RelayChannel> round = ch.startBinding();
    if (round == null) {
      return ch.ready();
    }
    String what = String.format("ChannelBind 0x%04x to %s", ch.number(), SocketAddresses.format(peer));
    boolean renewal = ch.boundNanos() != Long.MIN_VALUE;
    client.transact(what, () -> StunMessage.builder(StunMessageType.of(StunMethod.CHANNEL_BIND, StunClass.REQUEST))
            .add(StunAttributes.channelNumber(ch.number()))
            .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer)))
        .onComplete(ar -> {
          if (renewal) {
            metrics.refresh("channel", ar.succeeded());
          }
          if (ar.succeeded()) {
            ch.bound();
            permissions.compute(peer.getAddress(), (k, old) -> old == null || lapsed(old) ? new RelayPermission(k) : old)
                .installed();
          } else {
            ch.bindFailed(ar.cause());
          }
        });
    return round.future();
  }

  // ---- outbound ----

  /**
   * Sends {@code data} to {@code peer} through the relay: waits for the peer's permission (installing it
   * if needed), then writes ChannelData (channel bound) or a Send indication to the server.
   */
  @Override
  public Future<Void> send(Buffer data, InetSocketAddress peer) {
    if (closed) {
      return closedFailure("Send");
    }
    return ensurePermission(peer.getAddress()).compose(v -> {
      ByteBuf frame = frame(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(data.getBytes()), peer);
      try {
        return client.endpoint().send(Buffer.buffer(ByteBufUtil.getBytes(frame)), server);
      } finally {
        frame.release();
      }
    });
  }

  /**
   * Netty level: {@code payload} for {@code peer} wrapped into a packet addressed to the TURN server, to
   * be written on the socket's channel (a path layer's {@code write} does {@code ctx.write(wrap(...))}).
   * Takes ownership of {@code payload}. Never waits: a missing permission is requested and this packet
   * may be dropped by the server meanwhile.
   */
  @Override
  public DatagramPacket wrap(ByteBuf payload, InetSocketAddress peer) {
    if (closed) {
      payload.release();
      throw new IllegalStateException("allocation " + SocketAddresses.format(relayed) + " is closed");
    }
    ensurePermission(peer.getAddress());
    return new DatagramPacket(frame(payload.alloc(), payload, peer), server);
  }

  /** Wraps (as {@link #wrap}) and writes the packet through {@code out} (a channel or a handler context). */
  public ChannelFuture writeAndFlush(ChannelOutboundInvoker out, ByteBuf payload, InetSocketAddress peer) {
    return out.writeAndFlush(wrap(payload, peer));
  }

  /** Wraps and writes on the allocation's own channel; the socket must be a {@link NettyUdpEndpoint}. */
  public ChannelFuture writeAndFlush(ByteBuf payload, InetSocketAddress peer) {
    if (!(client.endpoint() instanceof NettyUdpEndpoint netty)) {
      payload.release();
      throw new IllegalStateException("the allocation's socket is no Netty channel: use send(Buffer, peer)");
    }
    return writeAndFlush(netty.channel(), payload, peer);
  }

  /** ChannelData when a usable channel is bound to the peer, else a Send indication; releases {@code payload}. */
  private ByteBuf frame(ByteBufAllocator alloc, ByteBuf payload, InetSocketAddress peer) {
    try {
      int length = payload.readableBytes();
      RelayPermission p = permissions.get(peer.getAddress());
      if (p != null) {
        p.touch();
      }
      RelayChannel ch = channelsByPeer.get(peer);
      if (ch != null) {
        ch.touch();
      }
      if (ch != null && ch.usable()) {
        ByteBuf out = alloc.ioBuffer(ChannelData.HEADER_LENGTH + length);
        ChannelDataEncoder.encode(ch.number(), payload, false, out);
        metrics.sent(true, length);
        return out;
      }
      if (options.autoChannelBind() && (ch == null || (ch.binding() == null && !ch.recentlyFailed()))) {
        client.context().runOnContext(v -> {
          if (!closed) {
            bindChannel(peer).onFailure(err -> LOG.debug("channel for {} not bound: {}", peer, err.getMessage()));
          }
        });
      }
      StunMessage send = StunMessage.builder(SEND_INDICATION)
          .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer))
          .add(new RawAttribute(StunAttributeType.DATA, ByteBufUtil.getBytes(payload)))
          .build();
      metrics.sent(false, length);
      return Unpooled.wrappedBuffer(ENCODER.encodeToBytes(send));
    } finally {
      payload.release();
    }
  }

  /** The peer's permission, requested once if missing or lapsed; completes when installed. */
  private Future<Void> ensurePermission(InetAddress ip) {
    RelayPermission p = permissions.compute(ip, (k, old) -> old == null || lapsed(old) || old.retryable() ? new RelayPermission(k) : old);
    p.touch();
    if (p.usable()) {
      return Future.succeededFuture();
    }
    if (p.claimFirstRequest()) {
      client.context().runOnContext(v -> {
        if (closed) {
          p.failed(new IllegalStateException("allocation closed"));
        } else {
          sendCreatePermission(List.of(p));
        }
      });
    }
    return p.ready();
  }

  private static boolean lapsed(RelayPermission p) {
    return p.installedNanos() != Long.MIN_VALUE && !p.usable();
  }

  // ---- inbound (the socket's event loop) ----

  @Override
  public RelayInbound unwrap(ByteBuf datagram) {
    if (ChannelDataDecoder.looksLikeChannelData(datagram)) {
      RelayChannel ch = channelsByNumber.get(ChannelDataDecoder.peekChannel(datagram));
      if (ch == null) {
        metrics.dropped("unknown-channel");
        return new RelayInbound.Drop("unknown channel");
      }
      ChannelData cd;
      try {
        cd = ChannelDataDecoder.decode(datagram.duplicate());
      } catch (ChannelDataDecoder.ChannelDataException e) {
        metrics.dropped("malformed-channel-data");
        return new RelayInbound.Drop(e.getMessage());
      }
      ch.touch();
      touchPermission(ch.peer().getAddress());
      metrics.received(true, cd.data().length);
      return new RelayInbound.Data(Unpooled.wrappedBuffer(cd.data()), ch.peer());
    }
    if (!StunMessageDecoder.looksLikeStun(datagram)) {
      metrics.dropped("not-turn");
      return new RelayInbound.Drop("neither STUN nor ChannelData");
    }
    if (datagram.getUnsignedShort(datagram.readerIndex()) != DATA_INDICATION) {
      return RelayInbound.PASS; // responses to our requests: the STUN client's
    }
    StunMessage m;
    try {
      m = DECODER.decode(ByteBufUtil.getBytes(datagram));
    } catch (StunDecodeException e) {
      metrics.dropped("malformed-data-indication");
      return new RelayInbound.Drop(e.getMessage());
    }
    InetSocketAddress peer = m.address(StunAttributeType.XOR_PEER_ADDRESS).orElse(null);
    byte[] data = m.attribute(StunAttributeType.DATA).map(a -> ((RawAttribute) a).value()).orElse(null);
    if (peer == null || data == null) {
      metrics.dropped("malformed-data-indication");
      return new RelayInbound.Drop("Data indication without XOR-PEER-ADDRESS or DATA");
    }
    touchPermission(peer.getAddress());
    metrics.received(false, data.length);
    return new RelayInbound.Data(Unpooled.wrappedBuffer(data), peer);
  }

  private void touchPermission(InetAddress ip) {
    RelayPermission p = permissions.get(ip);
    if (p != null) {
      p.touch();
    }
  }

  // ---- timers ----

  /** Lifetime - 60 s, or half the lifetime when that is under 2 minutes. */
  static long refreshDelayMillis(Duration lifetime) {
    long s = lifetime.toSeconds();
    return s > 120 ? (s - 60) * 1000 : Math.max(1, lifetime.toMillis() / 2);
  }

  private void scheduleRefresh(long delayMillis) {
    refreshTimer = client.context().setTimer(delayMillis, id -> onRefreshTimer());
  }

  private void onRefreshTimer() {
    if (closed) {
      return;
    }
    refresh().onSuccess(granted -> {
      if (!closed) {
        scheduleRefresh(refreshDelayMillis(granted));
      }
    }).onFailure(err -> {
      long left = (expiresNanos - System.nanoTime()) / 1_000_000;
      boolean gone = err instanceof TurnException t && (t.reason() == TurnException.Reason.ALLOCATION_MISMATCH
          || t.reason() == TurnException.Reason.WRONG_CREDENTIALS);
      if (closed) {
        return;
      }
      if (gone || left < 2_000) {
        lost(new TurnException(server, err instanceof TurnException t ? t.reason() : TurnException.Reason.TIMEOUT,
            err instanceof TurnException t ? t.code() : 0, "allocation " + SocketAddresses.format(relayed)
            + " is lost: " + err.getMessage() + ". Allocate again (a new relayed candidate) or stay on direct paths",
            err), true);
      } else {
        LOG.debug("refresh of {} failed ({}); retrying in {} ms", relayed, err.getMessage(), left / 2);
        scheduleRefresh(left / 2);
      }
    });
  }

  private void permissionRound() {
    if (closed) {
      return;
    }
    long since = lastPermissionRound;
    lastPermissionRound = System.nanoTime();
    List<RelayPermission> active = permissions.values().stream()
        .filter(p -> p.installedNanos() != Long.MIN_VALUE && p.lastUsedNanos() - since > 0)
        .toList();
    if (!active.isEmpty()) {
      sendCreatePermission(active).onComplete(ar -> metrics.refresh("permission", ar.succeeded()));
    }
    permissionTimer = client.context().setTimer(options.permissionRefreshMillis(), id -> permissionRound());
  }

  private void channelRound() {
    if (closed) {
      return;
    }
    long since = lastChannelRound;
    lastChannelRound = System.nanoTime();
    for (RelayChannel ch : channelsByPeer.values()) {
      if (ch.boundNanos() != Long.MIN_VALUE && ch.lastUsedNanos() - since > 0) {
        bindChannel(ch.peer()).onFailure(err -> LOG.debug("refresh of {} failed: {}", ch, err.getMessage()));
      }
    }
    channelTimer = client.context().setTimer(options.channelRefreshMillis(), id -> channelRound());
  }

  // ---- the end ----

  /**
   * Deallocates (Refresh with LIFETIME 0, RFC 8656 section 8) and stops unwrapping. An allocation the
   * server no longer has (437) counts as closed. The local state is released whatever the server says.
   */
  public Future<Void> close() {
    return client.context().succeededFuture().compose(v -> {
      if (closed) {
        return ended.future().otherwiseEmpty();
      }
      closed = true;
      cancelTimers();
      return client.transact("Refresh (lifetime 0: deallocate)",
              () -> StunMessage.builder(StunMessageType.of(StunMethod.REFRESH, StunClass.REQUEST))
                  .add(StunAttributes.lifetime(0)))
          .<Void>mapEmpty()
          .recover(err -> err instanceof TurnException t && t.reason() == TurnException.Reason.ALLOCATION_MISMATCH
              ? Future.succeededFuture()
              : Future.failedFuture(err))
          .onComplete(ar -> {
            release();
            if (ar.succeeded()) {
              metrics.deallocation();
            }
            ended.tryComplete();
          });
    });
  }

  private void lost(TurnException e, boolean warn) {
    closed = true;
    cancelTimers();
    release();
    if (warn) {
      LOG.warn("{}", e.getMessage());
    } else {
      LOG.debug("{}", e.getMessage());
    }
    ended.tryFail(e);
  }

  private void release() {
    client.endpoint().removeRelay(this);
    client.ended(this);
    permissions.values().forEach(p -> p.failed(new IllegalStateException("allocation closed")));
  }

  private void cancelTimers() {
    client.vertx().cancelTimer(refreshTimer);
    client.vertx().cancelTimer(permissionTimer);
    client.vertx().cancelTimer(channelTimer);
  }

  private <T> Future<T> closedFailure(String what) {
    return Future.failedFuture(new TurnException(server, TurnException.Reason.SEND_FAILED, 0,
        what + " on allocation " + SocketAddresses.format(relayed) + " refused: the allocation is closed", null));
  }

  @Override
  public String toString() {
    return "allocation " + SocketAddresses.format(relayed) + " on " + SocketAddresses.format(server)
        + (closed ? " (closed)" : ", lifetime " + lifetime.toSeconds() + " s");
  }
}
