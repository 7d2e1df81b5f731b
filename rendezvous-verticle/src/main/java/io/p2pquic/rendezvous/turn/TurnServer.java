package io.p2pquic.rendezvous.turn;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.p2pquic.quic.DatagramSockets;
import io.p2pquic.rendezvous.relay.SecretId;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.UInt64Attribute;
import io.p2pquic.stun.turn.ChannelData;
import io.p2pquic.stun.turn.ChannelDataDecoder;
import io.p2pquic.stun.turn.ChannelDataEncoder;
import io.p2pquic.stun.turn.DataIndicationEncoder;
import io.p2pquic.stun.turn.SendIndicationDecoder;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TURN server (RFC 8656) behind the STUN listeners: Allocate, Refresh, CreatePermission, ChannelBind,
 * Send and Data indications, ChannelData both ways, over UDP or TCP to the client and always UDP to peers.
 * Each allocation owns a UDP relay socket (a Netty channel on this server's event loop).
 *
 * <p>Threading: every entry point ({@link #onStun}, {@link #onChannelData}, {@link #onSendIndication},
 * {@link #onConnectionClosed}, the relay sockets, the expiry sweep) runs on the one event loop of the
 * context given to {@link #start}, so an instance's allocations need no locks and no handler blocks. A
 * STUN server reading its port on several event loops (SO_REUSEPORT: the kernel keeps each client 5-tuple
 * on one socket) gives each loop a {@link #sibling()}: its own allocations and relay sockets on that loop,
 * sharing with the others the secrets, the quotas, the relay-port registry and the reservations, which
 * are thread-safe.
 *
 * <p>Security: long-term credentials in the use-auth-secret scheme with stateless nonces ({@link
 * TurnAuthenticator}); every request is authenticated, indications and ChannelData are not (RFC 8656) but
 * are only accepted on the 5-tuple of an allocation and only relayed to and from peers with a permission;
 * peers are checked by {@link PeerAddressPolicy}; quotas per user, per node and in bytes per second.
 */
public final class TurnServer {
  private static final Logger LOG = LoggerFactory.getLogger(TurnServer.class);
  private static final int UDP_PROTOCOL = 17;
  private static final int FAMILY_IPV4 = 0x01;
  private static final int FAMILY_IPV6 = 0x02;
  private static final int MAX_PERMISSIONS = 1024;
  private static final long RESERVATION_MILLIS = 30_000;
  private static final long SWEEP_MILLIS = 1000;
  /** Datagrams queued on a relay socket before a flush goes out while the read batch still runs. */
  private static final int RELAY_FLUSH_AFTER = 32;
  private static final Set<Integer> ALLOCATE_UNDERSTOOD = Set.of(
      StunAttributeType.USERNAME, StunAttributeType.REALM, StunAttributeType.NONCE,
      StunAttributeType.REQUESTED_TRANSPORT, StunAttributeType.LIFETIME, StunAttributeType.EVEN_PORT,
      StunAttributeType.RESERVATION_TOKEN, StunAttributeType.REQUESTED_ADDRESS_FAMILY);
  private static final Set<Integer> REQUEST_UNDERSTOOD = Set.of(
      StunAttributeType.USERNAME, StunAttributeType.REALM, StunAttributeType.NONCE,
      StunAttributeType.LIFETIME, StunAttributeType.REQUESTED_ADDRESS_FAMILY,
      StunAttributeType.XOR_PEER_ADDRESS, StunAttributeType.CHANNEL_NUMBER);

  private final Vertx vertx;
  private final TurnServerConfig config;
  private final String software;
  private final LongSupplier clock;
  private final TurnMetrics metrics;
  private final List<byte[]> secrets;
  private final boolean generatedSecret;
  private final TurnAuthenticator authenticator;
  private final InetAddress relayBind;
  private final InetAddress advertised;
  private final PeerAddressPolicy policy;
  private final SecureRandom random;
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  /** Reused for every Send indication: all callers run on this server's event loop. */
  private final SendIndicationDecoder sendIndications = new SendIndicationDecoder();

  /** This event loop's allocations. */
  private final Map<AllocationKey, ServerAllocation> allocations = new HashMap<>();
  /** Answers to requests that did not authenticate (challenges, 401, 438): a reflector's fuel, so rationed. */
  private final io.p2pquic.rendezvous.SourceRateLimiter rejectLimiter;
  /** Live allocations by relay port, all loops: the only ports of this host a relay-to-relay path may reach. */
  private final Map<Integer, ServerAllocation> byRelayPort;
  private final AllocationQuotas quotas;
  private final Map<Long, Reservation> reservations;
  private final boolean primary;
  private ContextInternal context;
  private Bootstrap relayBootstrap;
  private long sweepTimer = -1;
  /** Makes relay sockets for the relay address when set ({@link #relaySockets}); else the Vert.x transport's. */
  private Function<String, DatagramChannel> relaySocketFactory;

  /** A port kept for a later Allocate with RESERVATION-TOKEN (EVEN-PORT with the R bit). */
  private record Reservation(DatagramChannel channel, long expiresAtMillis) {}

  /**
   * @param defaultBind the address relay sockets bind to when {@code turn.relayAddress} is not set
   * @param software the SOFTWARE attribute of responses
   */
  public TurnServer(Vertx vertx, TurnServerConfig config, String defaultBind, String software, MeterRegistry registry) {
    this(vertx, config, defaultBind, software, registry, System::currentTimeMillis);
  }

  TurnServer(Vertx vertx, TurnServerConfig config, String defaultBind, String software, MeterRegistry registry,
      LongSupplier clock) {
    this.vertx = vertx;
    this.config = new TurnServerConfig(config).validate();
    this.software = software;
    this.clock = clock;
    this.primary = true;
    this.random = new SecureRandom();
    this.byRelayPort = new ConcurrentHashMap<>();
    this.reservations = new ConcurrentHashMap<>();
    this.quotas = new AllocationQuotas(this.config.maxAllocations(), this.config.maxAllocationsPerUser(),
        this.config.maxAllocationsPerIp());
    this.metrics = new TurnMetrics(registry, quotas::total);
    this.rejectLimiter = new io.p2pquic.rendezvous.SourceRateLimiter(
        this.config.rejectRatePerIp(), this.config.rejectRateTotal());
    List<byte[]> s = new ArrayList<>();
    for (String secret : this.config.authSecrets()) {
      s.add(secret.getBytes(StandardCharsets.UTF_8));
    }
    this.generatedSecret = s.isEmpty();
    if (s.isEmpty()) {
      byte[] generated = new byte[32];
      random.nextBytes(generated);
      s.add(Base64.getEncoder().withoutPadding().encodeToString(generated).getBytes(StandardCharsets.UTF_8));
      LOG.warn("TURN: no turn.authSecret configured; using a random secret generated at start. Credentials "
          + "issued by this node's rendezvous work on this node only: set turn.authSecret on every node of a cluster.");
    }
    this.secrets = List.copyOf(s);
    this.authenticator = new TurnAuthenticator(this.config.realm(), secrets,
        new NonceManager(secrets, this.config.realm(), this.config.nonceLifetimeSeconds() * 1000L));
    String bind = this.config.relayAddress() != null ? this.config.relayAddress()
        : defaultBind != null ? defaultBind : "0.0.0.0";
    this.relayBind = literal(bind, "turn.relayAddress");
    this.advertised = advertisedAddress(this.config.externalAddress(), relayBind);
    List<Cidr> allowed = new ArrayList<>();
    for (String r : this.config.allowedPeerRanges()) {
      allowed.add(Cidr.parse(r));
    }
    this.policy = new PeerAddressPolicy(allowed, ownAddresses(relayBind, advertised));
  }

  /** A sibling for another event loop: its own allocations, everything else shared with {@code first}. */
  private TurnServer(TurnServer first) {
    this.vertx = first.vertx;
    this.config = first.config;
    this.software = first.software;
    this.clock = first.clock;
    this.metrics = first.metrics;
    this.secrets = first.secrets;
    this.generatedSecret = first.generatedSecret;
    this.authenticator = first.authenticator;
    this.relayBind = first.relayBind;
    this.advertised = first.advertised;
    this.policy = first.policy;
    this.random = first.random;
    this.rejectLimiter = first.rejectLimiter;
    this.byRelayPort = first.byRelayPort;
    this.quotas = first.quotas;
    this.reservations = first.reservations;
    this.relaySocketFactory = first.relaySocketFactory;
    this.primary = false;
  }

  /**
   * For tests: relay sockets are made by {@code sockets} (given the relay address to bind, as a literal)
   * instead of the Vert.x transport, e.g. channels of an in-memory network. Set before {@link #start};
   * siblings made afterwards inherit it.
   */
  public TurnServer relaySockets(Function<String, DatagramChannel> sockets) {
    this.relaySocketFactory = sockets;
    return this;
  }

  /**
   * A TURN server for another event loop of the same STUN port (start it with that loop's context): it
   * relays its own clients' allocations on its own loop and shares secrets, quotas, relay ports and
   * reservations with this one. Public methods other than the handlers answer for all of them.
   */
  public TurnServer sibling() {
    return new TurnServer(this);
  }

  // ---- lifecycle and public surface -----------------------------------------------------------------

  /** Starts the expiry sweep on {@code ctx}; all handlers must then be called on that context's thread. */
  public Future<Void> start(ContextInternal ctx) {
    this.context = ctx;
    Function<SocketProtocolFamily, DatagramChannel> relaySockets = DatagramSockets.factory(vertx);
    Function<String, DatagramChannel> injected = relaySocketFactory;
    String relayHost = relayBind.getHostAddress();
    this.relayBootstrap = new Bootstrap()
        .group(ctx.nettyEventLoop())
        // Relay sockets of the kind the event loop runs (epoll on the node's native transport, else NIO).
        .channelFactory(() -> injected != null ? injected.apply(relayHost) : relaySockets.apply(SocketProtocolFamily.INET))
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            // Data relayed to the peer leaves as one sendmmsg per read batch of the client's socket, not
            // one sendto a packet (57 % of the relay's CPU samples in a 1 GB relayed transfer). At most
            // RELAY_FLUSH_AFTER datagrams wait, so full-size ones stay below the channel's 64 KiB high
            // water mark and toPeer's writability check does not drop them.
            ch.pipeline().addLast(new FlushConsolidationHandler(RELAY_FLUSH_AFTER, true));
            ch.pipeline().addLast(new RelaySocketHandler(TurnServer.this));
          }
        });
    Promise<Void> started = ctx.promise();
    ctx.runOnContext(v -> {
      sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, t -> sweep());
      LOG.info("TURN relay: realm {}, relay sockets on {} ports {}-{}, advertised as {}, {} secret(s)",
          config.realm(), relayBind.getHostAddress(), config.minPort(), config.maxPort(),
          advertised.getHostAddress(), secrets.size());
      started.complete();
    });
    return started.future();
  }

  /** Closes every relay socket and forgets all allocations. */
  public Future<Void> stop() {
    if (context == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stopped = context.promise();
    context.runOnContext(v -> {
      if (sweepTimer >= 0) {
        vertx.cancelTimer(sweepTimer);
        sweepTimer = -1;
      }
      for (ServerAllocation a : new ArrayList<>(allocations.values())) {
        release(a, null);
      }
      if (primary) {
        reservations.values().forEach(r -> r.channel.close());
        reservations.clear();
      }
      stopped.complete();
    });
    return stopped.future();
  }

  /** Whether the STUN server should hand a message of this method here. */
  public static boolean handles(StunMethod method) {
    return method.equals(StunMethod.ALLOCATE) || method.equals(StunMethod.REFRESH)
        || method.equals(StunMethod.CREATE_PERMISSION) || method.equals(StunMethod.CHANNEL_BIND)
        || method.equals(StunMethod.SEND) || method.equals(StunMethod.DATA);
  }

  /** Time-limited credentials for {@code userId} under the newest secret ({@code turn.credentialTtlSeconds}). */
  public TurnRestCredentials issueCredentials(String userId) {
    return TurnRestCredentials.issue(secrets.get(0), userId,
        Instant.ofEpochMilli(clock.getAsLong()).plusSeconds(config.credentialTtlSeconds()));
  }

  public TurnServerConfig config() {
    return config;
  }

  /** Public fingerprints ({@code SecretId}) of every secret this relay accepts, the issuing one first. */
  public List<String> secretIds() {
    List<String> ids = new ArrayList<>();
    for (byte[] s : secrets) {
      ids.add(SecretId.of(s));
    }
    return ids;
  }

  /** True when no {@code turn.authSecret} was configured and the secret was generated at start. */
  public boolean generatedSecret() {
    return generatedSecret;
  }

  /** The address in XOR-RELAYED-ADDRESS (and the host of the issued TURN URIs). */
  public InetAddress advertisedAddress() {
    return advertised;
  }

  /** Bytes relayed both ways (to peers and to clients) since this relay started. */
  public long bytesRelayed() {
    return metrics.relayedBytes();
  }

  /** Allocations of this node (all event loops). */
  public int allocationCount() {
    return quotas.total();
  }

  /** True while the client on {@code key} holds an allocation (its connection may stay quiet between refreshes). */
  public boolean hasAllocation(AllocationKey key) {
    return allocations.containsKey(key);
  }

  // ---- client side: requests, indications, ChannelData ------------------------------------------

  /** A STUN request or indication of a TURN method from a client (see {@link #handles}). */
  public void onStun(StunMessage m, ClientTransport from) {
    try {
      if (m.messageClass() == StunClass.INDICATION) {
        // Send indications come to onSendIndication undecoded (the listeners route them there).
        metrics.dropped("unexpected-indication");
        return;
      }
      if (m.messageClass() != StunClass.REQUEST) {
        metrics.dropped("unexpected-response");
        return;
      }
      ServerAllocation existing = allocations.get(from.key());
      if (existing != null) {
        byte[] cached = existing.cachedResponse(m.transactionId());
        if (cached != null) {
          metrics.dropped("retransmission-answered");
          from.send(Buffer.buffer(cached));
          return;
        }
        if (existing.pending() && existing.allocateTransaction.equals(m.transactionId())) {
          metrics.dropped("retransmission-pending");
          return; // the answer follows when the relay socket is bound
        }
      }
      metrics.request(m.method().name());
      long now = clock.getAsLong();
      String clientIp = from.key().client().getAddress().getHostAddress();
      TurnAuthenticator.Result auth = authenticator.authenticate(m, clientIp, now);
      if (auth instanceof TurnAuthenticator.Rejected r) {
        if (!from.key().client().getAddress().isLoopbackAddress()
            && !rejectLimiter.tryAcquire(from.key().client().getAddress())) {
          metrics.dropped("rate-limited"); // an unauthenticated source (perhaps spoofed) gets no more answers
          return;
        }
        if (r.failure() == null) {
          metrics.challenge();
        } else {
          metrics.authFailure(r.failure());
        }
        StunMessage.Builder b = m.responseBuilder(false).add(StunAttributes.errorCode(r.code(), r.reason()));
        if (r.challenge()) {
          b.add(StunAttributes.realm(authenticator.realm())).add(StunAttributes.nonce(authenticator.nonce(clientIp, now)));
        }
        metrics.error(r.code());
        send(from, m, b, null, null);
        return;
      }
      TurnAuthenticator.Authenticated ok = (TurnAuthenticator.Authenticated) auth;
      StunMethod method = m.method();
      if (method.equals(StunMethod.ALLOCATE)) {
        allocate(m, from, ok, existing, now);
        return;
      }
      if (existing == null || existing.pending()) {
        error(from, m, ok.key(), null, ErrorCodeAttribute.ALLOCATION_MISMATCH, "Allocation Mismatch");
        return;
      }
      if (!existing.username.equals(ok.username())) {
        error(from, m, ok.key(), null, ErrorCodeAttribute.WRONG_CREDENTIALS, "Wrong Credentials");
        return;
      }
      List<Integer> unknown = m.unknownComprehensionRequired(REQUEST_UNDERSTOOD);
      if (!unknown.isEmpty()) {
        unknownAttributes(from, m, ok.key(), existing, unknown);
        return;
      }
      if (method.equals(StunMethod.REFRESH)) {
        refresh(m, from, existing, now);
      } else if (method.equals(StunMethod.CREATE_PERMISSION)) {
        createPermission(m, from, existing, now);
      } else if (method.equals(StunMethod.CHANNEL_BIND)) {
        channelBind(m, from, existing, now);
      } else {
        error(from, m, ok.key(), existing, ErrorCodeAttribute.BAD_REQUEST, "Bad Request");
      }
    } catch (RuntimeException e) {
      LOG.warn("TURN {} from {} failed: {}", m.type(), from.key(), e.toString());
      metrics.dropped("internal-error");
    }
  }

  /**
   * One ChannelData message from the client on {@code key} (a whole datagram, or one frame of a TCP
   * stream), read in place: the data goes to the peer as a retained slice of {@code frame}.
   */
  public void onChannelData(ByteBuf frame, AllocationKey key) {
    ServerAllocation a = allocations.get(key);
    if (a == null || a.pending()) {
      metrics.dropped("no-allocation");
      return;
    }
    int length;
    try {
      length = ChannelDataDecoder.payloadLength(frame, config.rfc5766Channels());
    } catch (ChannelDataDecoder.ChannelDataException e) {
      metrics.dropped("malformed-channel-data");
      return;
    }
    long now = clock.getAsLong();
    ChannelBinding c = a.channelsByNumber.get(ChannelDataDecoder.peekChannel(frame));
    if (c == null || !c.activeAt(now)) {
      metrics.dropped("unknown-channel");
      return;
    }
    toPeer(a, c.peer, frame, frame.readerIndex() + ChannelData.HEADER_LENGTH, length, now);
  }

  /**
   * One Send indication from the client on {@code key} (RFC 8656 section 11.4), undecoded: read in place
   * by {@link SendIndicationDecoder}, which applies the STUN decoder's framing rules.
   */
  public void onSendIndication(ByteBuf message, AllocationKey key) {
    ServerAllocation a = allocations.get(key);
    if (a == null || a.pending()) {
      metrics.dropped("no-allocation");
      return;
    }
    InetSocketAddress peer;
    try {
      peer = sendIndications.decode(message) ? sendIndications.peer() : null;
    } catch (StunDecodeException e) {
      peer = null;
    }
    if (peer == null || !(peer.getAddress() instanceof Inet4Address)) {
      metrics.dropped("malformed-send");
      return;
    }
    ByteBuf data = sendIndications.data(message);
    toPeer(a, peer, data, data.readerIndex(), data.readableBytes(), clock.getAsLong());
  }

  /** A client's TCP connection closed: its allocation goes with it (RFC 8656 section 3.1). */
  public void onConnectionClosed(AllocationKey key) {
    ServerAllocation a = allocations.get(key);
    if (a != null) {
      release(a, Boolean.FALSE);
    }
  }

  /** Relays {@code length} bytes of {@code buf} at {@code offset} to {@code peer}, as a retained slice. */
  private void toPeer(ServerAllocation a, InetSocketAddress peer, ByteBuf buf, int offset, int length, long now) {
    if (!a.permitted(peer.getAddress(), now)) {
      metrics.dropped("no-permission");
      return;
    }
    if (a.selfPermitted && !reachableSelf(peer)) {
      metrics.dropped("peer-relay-itself");
      return;
    }
    if (a.bandwidth != null && !a.bandwidth.tryConsume(length)) {
      metrics.dropped("bandwidth");
      return;
    }
    if (!a.relay.isWritable()) {
      metrics.dropped("relay-backpressure");
      return;
    }
    a.relay.writeAndFlush(new DatagramPacket(buf.retainedSlice(offset, length), peer), a.relay.voidPromise());
    metrics.relayedToPeer(length);
  }

  // ---- peer side ------------------------------------------------------------------------------------

  void onPeerDatagram(ServerAllocation a, DatagramPacket packet) {
    if (a == null || a.closed) {
      metrics.dropped("no-allocation");
      return;
    }
    InetSocketAddress sender = packet.sender();
    long now = clock.getAsLong();
    if (!a.permitted(sender.getAddress(), now)) {
      metrics.dropped("no-permission");
      return;
    }
    if (a.selfPermitted && !reachableSelf(sender)) {
      metrics.dropped("peer-relay-itself");
      return;
    }
    ByteBuf content = packet.content();
    int length = content.readableBytes();
    if (length > 0xFFFF - 64) {
      metrics.dropped("too-large");
      return;
    }
    if (a.bandwidth != null && !a.bandwidth.tryConsume(length)) {
      metrics.dropped("bandwidth");
      return;
    }
    // Framed straight into a pooled buffer of the socket's allocator: no copy of the data besides this one.
    ByteBuf frame;
    ChannelBinding c = a.channelsByPeer.get(sender);
    if (c != null && c.activeAt(now)) {
      frame = a.relay.alloc().buffer(ChannelData.HEADER_LENGTH + length + 3);
      ChannelDataEncoder.encode(c.number, content, a.client.stream(), frame);
    } else {
      frame = a.relay.alloc().buffer(DataIndicationEncoder.encodedLength(sender, length));
      DataIndicationEncoder.encode(frame, sender, content, ThreadLocalRandom.current());
    }
    if (!a.client.send(BufferInternal.buffer(frame))) {
      metrics.dropped("client-backpressure");
      return;
    }
    metrics.relayedToClient(length);
  }

  void peerSocketError(Throwable cause) {
    metrics.dropped("relay-socket-error");
    LOG.debug("TURN relay socket error: {}", cause.toString());
  }

  // ---- requests ---------------------------------------------------------------------------------------

  private void allocate(StunMessage m, ClientTransport from, TurnAuthenticator.Authenticated ok,
      ServerAllocation existing, long now) {
    byte[] key = ok.key();
    if (existing != null) {
      error(from, m, key, null, ErrorCodeAttribute.ALLOCATION_MISMATCH, "Allocation Mismatch");
      return;
    }
    Long transport = m.uint32(StunAttributeType.REQUESTED_TRANSPORT).orElse(null);
    if (transport == null) {
      error(from, m, key, null, ErrorCodeAttribute.BAD_REQUEST, "REQUESTED-TRANSPORT missing");
      return;
    }
    if ((transport >>> 24) != UDP_PROTOCOL) {
      error(from, m, key, null, ErrorCodeAttribute.UNSUPPORTED_TRANSPORT_PROTOCOL, "Unsupported Transport Protocol");
      return;
    }
    List<Integer> unknown = new ArrayList<>(m.unknownComprehensionRequired(ALLOCATE_UNDERSTOOD));
    if (unknown.remove((Integer) StunAttributeType.DONT_FRAGMENT) || m.has(StunAttributeType.DONT_FRAGMENT)) {
      // Java cannot promise the DF bit on relayed datagrams, so DONT-FRAGMENT is treated as an unknown
      // comprehension-required attribute, as RFC 8656 section 7.2 says a server without DF support must.
      unknown.add(StunAttributeType.DONT_FRAGMENT);
    }
    if (!unknown.isEmpty()) {
      unknownAttributes(from, m, key, null, unknown);
      return;
    }
    StunAttribute evenPort = m.attribute(StunAttributeType.EVEN_PORT).orElse(null);
    Long token = m.uint64(StunAttributeType.RESERVATION_TOKEN).orElse(null);
    Long family = m.uint32(StunAttributeType.REQUESTED_ADDRESS_FAMILY).orElse(null);
    if (token != null && (evenPort != null || family != null)) {
      error(from, m, key, null, ErrorCodeAttribute.BAD_REQUEST, "RESERVATION-TOKEN with EVEN-PORT or REQUESTED-ADDRESS-FAMILY");
      return;
    }
    if (family != null && (family >>> 24) != FAMILY_IPV4) {
      error(from, m, key, null, ErrorCodeAttribute.ADDRESS_FAMILY_NOT_SUPPORTED, "Address Family not Supported");
      return;
    }
    boolean even = evenPort != null;
    boolean reserveNext = false;
    if (evenPort instanceof RawAttribute raw) {
      byte[] v = raw.value();
      if (v.length != 1) {
        error(from, m, key, null, ErrorCodeAttribute.BAD_REQUEST, "EVEN-PORT must be one byte");
        return;
      }
      reserveNext = (v[0] & 0x80) != 0;
    }
    String refused = quotas.admit(TurnAuthenticator.userOf(ok.username()), from.key().client().getAddress());
    if (refused != null) {
      metrics.quotaRejected(refused);
      error(from, m, key, null, ErrorCodeAttribute.ALLOCATION_QUOTA_REACHED, "Allocation Quota Reached");
      return;
    }
    long lifetime = lifetimeSeconds(m);
    BandwidthLimiter bandwidth = config.bandwidthBytesPerSecond() > 0
        ? new BandwidthLimiter(config.bandwidthBytesPerSecond(), System::nanoTime) : null;
    ServerAllocation a = new ServerAllocation(from.key(), from, ok.username(), key, m.transactionId(), bandwidth,
        now + lifetime * 1000);
    allocations.put(a.key, a);
    if (token != null) {
      Reservation r = reservations.remove(token);
      if (r == null || r.expiresAtMillis <= now) {
        if (r != null) {
          r.channel.close();
        }
        unpend(a);
        error(from, m, key, null, ErrorCodeAttribute.INSUFFICIENT_CAPACITY, "Insufficient Capacity (unknown reservation)");
        return;
      }
      if (r.channel.eventLoop() != context.nettyEventLoop()) {
        adoptReservedPort(a, r.channel, m, lifetime);
        return;
      }
      attach(a, r.channel, m, lifetime, null);
      return;
    }
    boolean reserve = reserveNext;
    bindRelay(even, reserve, (channels, failure) -> {
      if (a.closed || allocations.get(a.key) != a) {
        for (Channel c : channels == null ? new DatagramChannel[0] : channels) {
          c.close(); // deleted while the socket was being bound (its TCP connection closed)
        }
        return;
      }
      if (channels == null) {
        LOG.warn("TURN: no relay port free in {}-{} on {}: {}", config.minPort(), config.maxPort(),
            relayBind.getHostAddress(), failure == null ? "" : failure.toString());
        unpend(a);
        error(from, m, key, null, ErrorCodeAttribute.INSUFFICIENT_CAPACITY, "Insufficient Capacity");
        return;
      }
      Long newToken = null;
      if (channels.length == 2) {
        newToken = random.nextLong();
        reservations.put(newToken, new Reservation(channels[1], clock.getAsLong() + RESERVATION_MILLIS));
      }
      attach(a, channels[0], m, lifetime, newToken);
    });
  }

  private void unpend(ServerAllocation a) {
    a.closed = true;
    allocations.remove(a.key, a);
    if (a.relayedAddress != null) {
      byRelayPort.remove(a.relayedAddress.getPort(), a);
    }
    quotas.release(a.user, a.key.client().getAddress());
  }

  /**
   * A reservation made on another event loop (the client's next 5-tuple landed on this loop's socket):
   * its socket moves to this loop (deregistered there, registered here; the port stays bound throughout,
   * so nothing else can take it in between).
   */
  private void adoptReservedPort(ServerAllocation a, DatagramChannel reserved, StunMessage m, long lifetime) {
    reserved.deregister().addListener(d -> context.nettyEventLoop().register(reserved).addListener(r -> context.runOnContext(v -> {
      if (a.closed || allocations.get(a.key) != a) {
        reserved.close();
        return;
      }
      if (!r.isSuccess()) {
        reserved.close();
        unpend(a);
        error(a.client, m, a.integrityKey, null, ErrorCodeAttribute.INSUFFICIENT_CAPACITY, "Insufficient Capacity");
        return;
      }
      reserved.pipeline().get(RelaySocketHandler.class).server = this;
      attach(a, reserved, m, lifetime, null);
    })));
  }

  private void attach(ServerAllocation a, DatagramChannel channel, StunMessage m, long lifetime, Long token) {
    a.relay = channel;
    channel.pipeline().get(RelaySocketHandler.class).allocation = a;
    int port = ((InetSocketAddress) channel.localAddress()).getPort();
    a.relayedAddress = new InetSocketAddress(advertised, port);
    byRelayPort.put(port, a);
    metrics.allocationCreated();
    StunMessage.Builder b = m.responseBuilder(true)
        .add(new AddressAttribute(StunAttributeType.XOR_RELAYED_ADDRESS, a.relayedAddress))
        .add(StunAttributes.lifetime(lifetime));
    if (token != null) {
      b.add(new UInt64Attribute(StunAttributeType.RESERVATION_TOKEN, token));
    }
    b.add(StunAttributes.xorMappedAddress(a.key.client()));
    LOG.debug("TURN allocation {} for {} relayed at {} for {} s", a.key, a.username, a.relayedAddress, lifetime);
    send(a.client, m, b, a.integrityKey, a);
  }

  private void refresh(StunMessage m, ClientTransport from, ServerAllocation a, long now) {
    Long family = m.uint32(StunAttributeType.REQUESTED_ADDRESS_FAMILY).orElse(null);
    if (family != null && (family >>> 24) != FAMILY_IPV4) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.PEER_ADDRESS_FAMILY_MISMATCH, "Peer Address Family Mismatch");
      return;
    }
    Long requested = m.uint32(StunAttributeType.LIFETIME).orElse(null);
    long lifetime = requested != null && requested == 0 ? 0 : lifetimeSeconds(m);
    StunMessage.Builder b = m.responseBuilder(true).add(StunAttributes.lifetime(lifetime));
    if (lifetime == 0) {
      // Not cached: the allocation is gone, so a retransmission gets 437 (RFC 8656 section 7.3 notes this).
      release(a, Boolean.FALSE);
      send(from, m, b, a.integrityKey, null);
      return;
    }
    a.expiresAtMillis = now + lifetime * 1000;
    send(from, m, b, a.integrityKey, a);
  }

  private void createPermission(StunMessage m, ClientTransport from, ServerAllocation a, long now) {
    List<InetSocketAddress> peers = new ArrayList<>();
    for (StunAttribute attr : m.attributes()) {
      if (attr.type() == StunAttributeType.XOR_PEER_ADDRESS) {
        peers.add(((AddressAttribute) attr).address());
      }
    }
    if (peers.isEmpty()) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.BAD_REQUEST, "XOR-PEER-ADDRESS missing");
      return;
    }
    for (InetSocketAddress p : peers) {
      if (!checkPeer(m, from, a, p)) {
        return; // all or nothing (RFC 8656 section 9.2)
      }
    }
    if (!roomForPermissions(a, peers.stream().map(InetSocketAddress::getAddress).toList(), now)) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.INSUFFICIENT_CAPACITY, "Insufficient Capacity (permissions)");
      return;
    }
    for (InetSocketAddress p : peers) {
      permit(a, p.getAddress(), now);
    }
    send(from, m, m.responseBuilder(true), a.integrityKey, a);
  }

  private void channelBind(StunMessage m, ClientTransport from, ServerAllocation a, long now) {
    Long raw = m.uint32(StunAttributeType.CHANNEL_NUMBER).orElse(null);
    InetSocketAddress peer = m.address(StunAttributeType.XOR_PEER_ADDRESS).orElse(null);
    if (raw == null || peer == null) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.BAD_REQUEST, "CHANNEL-NUMBER and XOR-PEER-ADDRESS required");
      return;
    }
    int number = (int) (raw >>> 16);
    if (!ChannelData.isValidChannel(number, config.rfc5766Channels())) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.BAD_REQUEST, String.format("Channel number 0x%04x outside 0x4000-%s",
          number, config.rfc5766Channels() ? "0x7FFF" : "0x4FFF"));
      return;
    }
    if (!checkPeer(m, from, a, peer)) {
      return;
    }
    a.expireAt(now);
    ChannelBinding byNumber = a.channelsByNumber.get(number);
    ChannelBinding byPeer = a.channelsByPeer.get(peer);
    if (byNumber != null && !byNumber.peer.equals(peer)) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.BAD_REQUEST, "Channel bound to another peer");
      return;
    }
    if (byPeer != null && byPeer.number != number) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.BAD_REQUEST, "Peer bound to another channel");
      return;
    }
    if (!roomForPermissions(a, List.of(peer.getAddress()), now)) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.INSUFFICIENT_CAPACITY, "Insufficient Capacity (permissions)");
      return;
    }
    long until = now + config.channelLifetimeSeconds() * 1000L;
    if (byNumber != null) {
      byNumber.expiresAtMillis = until;
    } else {
      ChannelBinding c = new ChannelBinding(number, peer, until);
      a.bind(c);
      metrics.channelBound();
    }
    permit(a, peer.getAddress(), now);
    send(from, m, m.responseBuilder(true), a.integrityKey, a);
  }

  /** 443 for a non-IPv4 peer (the relay is IPv4), 403 for a peer the policy refuses; true if fine. */
  private boolean checkPeer(StunMessage m, ClientTransport from, ServerAllocation a, InetSocketAddress peer) {
    if (!(peer.getAddress() instanceof Inet4Address)) {
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.PEER_ADDRESS_FAMILY_MISMATCH, "Peer Address Family Mismatch");
      return false;
    }
    PeerAddressPolicy.Verdict v = policy.check(peer.getAddress());
    boolean channelBind = m.method() == StunMethod.CHANNEL_BIND;
    if (v == PeerAddressPolicy.Verdict.RELAY_ITSELF && (!channelBind || byRelayPort.containsKey(peer.getPort()))) {
      // Another allocation of this node (relay to relay). A permission has no port, so its datagrams are
      // checked against byRelayPort; a channel names the port, so it is checked here.
      a.selfPermitted = true;
      return true;
    }
    if (v != PeerAddressPolicy.Verdict.ALLOWED) {
      metrics.dropped("peer-" + v.name().toLowerCase().replace('_', '-'));
      error(from, m, a.integrityKey, a, ErrorCodeAttribute.FORBIDDEN, "Forbidden");
      return false;
    }
    return true;
  }

  private boolean roomForPermissions(ServerAllocation a, List<InetAddress> peers, long now) {
    a.expireAt(now);
    Set<InetAddress> fresh = new HashSet<>(peers);
    fresh.removeAll(a.permissions.keySet());
    return a.permissions.size() + fresh.size() <= MAX_PERMISSIONS;
  }

  private void permit(ServerAllocation a, InetAddress peer, long now) {
    long until = now + config.permissionLifetimeSeconds() * 1000L;
    Permission p = a.permissions.get(peer);
    if (p == null) {
      a.permit(new Permission(peer, until));
      metrics.permissionCreated();
    } else {
      p.expiresAtMillis = until;
    }
  }

  /** RFC 8656 sections 7.2 and 7.3: max(default, min(requested, maximum)); no LIFETIME: the default. */
  private long lifetimeSeconds(StunMessage m) {
    Long requested = m.uint32(StunAttributeType.LIFETIME).orElse(null);
    if (requested == null) {
      return config.defaultLifetimeSeconds();
    }
    return Math.max(config.defaultLifetimeSeconds(), Math.min(requested, config.maxLifetimeSeconds()));
  }

  // ---- expiry -------------------------------------------------------------------------------------------

  /** Not one of our own addresses, or one of them at a live allocation's relay port. */
  private boolean reachableSelf(InetSocketAddress peer) {
    return !policy.isOwn(peer.getAddress()) || byRelayPort.containsKey(peer.getPort());
  }

  /** Removes expired allocations (closing their sockets), permissions, channels and reservations. */
  void sweep() {
    long now = clock.getAsLong();
    for (ServerAllocation a : new ArrayList<>(allocations.values())) {
      if (a.pending()) {
        continue;
      }
      if (a.expiresAtMillis <= now) {
        release(a, Boolean.TRUE);
      } else {
        a.expireAt(now);
      }
    }
    for (Iterator<Reservation> it = reservations.values().iterator(); it.hasNext(); ) {
      Reservation r = it.next();
      if (r.expiresAtMillis <= now) {
        r.channel.close();
        it.remove();
      }
    }
  }

  /** @param expired true: lifetime ran out; false: deleted by the client; null: server stopping */
  private void release(ServerAllocation a, Boolean expired) {
    if (a.closed) {
      return;
    }
    // Counted before the allocation leaves the node's total, so whoever sees the total drop sees why.
    if (Boolean.TRUE.equals(expired)) {
      metrics.allocationExpired();
    } else if (Boolean.FALSE.equals(expired)) {
      metrics.allocationDeleted();
    }
    unpend(a);
    if (a.relay != null) {
      a.relay.close();
    }
    LOG.debug("TURN allocation {} of {} {}", a.key, a.username,
        expired == null ? "closed" : expired ? "expired" : "deleted");
  }

  // ---- relay sockets ----------------------------------------------------------------------------------

  private interface BindResult {
    void done(DatagramChannel[] channels, Throwable failure);
  }

  /**
   * Binds a relay socket on a port of the range (even if asked; plus the next one to reserve): a random
   * start, then the following ports in turn (wrapping), so that a nearly full range still finds its last
   * free ports instead of failing after a few unlucky random picks (the allocation benchmark saw 508s at
   * 15000 of 16384 ports with random picks only). Gives up after every candidate port was tried.
   */
  private void bindRelay(boolean even, boolean reserveNext, BindResult done) {
    int step = even || reserveNext ? 2 : 1;
    int first = config.minPort() + (even || reserveNext ? config.minPort() & 1 : 0); // lowest candidate
    int last = config.maxPort() - (reserveNext ? 1 : 0);
    if (first > last) {
      done.done(null, null);
      return;
    }
    int candidates = (last - first) / step + 1;
    int start = random.nextInt(candidates);
    bindRelay(first, step, candidates, start, 0, reserveNext, done);
  }

  private void bindRelay(int first, int step, int candidates, int start, int tried, boolean reserveNext, BindResult done) {
    if (tried >= candidates) {
      done.done(null, null);
      return;
    }
    int chosen = first + ((start + tried) % candidates) * step;
    relayBootstrap.bind(new InetSocketAddress(relayBind, chosen)).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        if (tried + 1 < candidates) {
          bindRelay(first, step, candidates, start, tried + 1, reserveNext, done);
        } else {
          done.done(null, f.cause());
        }
        return;
      }
      DatagramChannel bound = (DatagramChannel) f.channel();
      if (!reserveNext) {
        done.done(new DatagramChannel[] {bound}, null);
        return;
      }
      relayBootstrap.bind(new InetSocketAddress(relayBind, chosen + 1)).addListener((ChannelFuture g) -> {
        if (g.isSuccess()) {
          done.done(new DatagramChannel[] {bound, (DatagramChannel) g.channel()}, null);
        } else {
          bound.close();
          if (tried + 1 < candidates) {
            bindRelay(first, step, candidates, start, tried + 1, true, done);
          } else {
            done.done(null, g.cause());
          }
        }
      });
    });
  }

  // ---- responses ----------------------------------------------------------------------------------

  private void error(ClientTransport to, StunMessage m, byte[] key, ServerAllocation cacheIn, int code, String reason) {
    metrics.error(code);
    send(to, m, m.responseBuilder(false).add(StunAttributes.errorCode(code, reason)), key, cacheIn);
  }

  private void unknownAttributes(ClientTransport to, StunMessage m, byte[] key, ServerAllocation cacheIn,
      List<Integer> unknown) {
    metrics.error(ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
    send(to, m, m.responseBuilder(false)
        .add(StunAttributes.errorCode(ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, "Unknown Attribute"))
        .add(StunAttributes.unknownAttributes(unknown)), key, cacheIn);
  }

  /** Adds SOFTWARE, integrity (SHA-256 if the request used only that) and FINGERPRINT if the request had one. */
  private void send(ClientTransport to, StunMessage request, StunMessage.Builder b, byte[] key, ServerAllocation cacheIn) {
    b.add(StunAttributes.software(software));
    if (key != null) {
      if (request.hasMessageIntegritySha256() && !request.hasMessageIntegrity()) {
        b.messageIntegritySha256(key);
      } else {
        b.messageIntegrity(key);
      }
    }
    if (request.hasFingerprint()) {
      b.fingerprint();
    }
    byte[] bytes = encoder.encodeToBytes(b.build());
    if (cacheIn != null) {
      cacheIn.cacheResponse(request.transactionId(), bytes);
    }
    to.send(Buffer.buffer(bytes));
  }

  // ---- addresses ------------------------------------------------------------------------------------

  private static InetAddress literal(String address, String key) {
    try {
      InetAddress a = InetAddress.getByName(address);
      if (!(a instanceof Inet4Address)) {
        throw new IllegalArgumentException(key + " must be an IPv4 address (the relay is IPv4 only), is " + address);
      }
      return a;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(key + " is not an address: " + address);
    }
  }

  /** externalAddress, else the relay address, else this host's first non-loopback IPv4 address. */
  private static InetAddress advertisedAddress(String external, InetAddress relayBind) {
    if (external != null) {
      return literal(external, "turn.externalAddress");
    }
    if (!relayBind.isAnyLocalAddress()) {
      return relayBind;
    }
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
            return a;
          }
        }
      }
    } catch (SocketException e) {
      LOG.warn("TURN: cannot list interfaces to pick the advertised address: {}", e.toString());
    }
    return InetAddress.getLoopbackAddress();
  }

  /**
   * The relay's own addresses (reachable only at live relay ports): bind and advertised, and every
   * address of every interface whatever the bind address, so neither a second address of the host nor
   * the RFC 5780 alternate address reaches the host's other listeners through the relay.
   */
  private static Set<InetAddress> ownAddresses(InetAddress relayBind, InetAddress advertised) {
    Set<InetAddress> own = new HashSet<>();
    own.add(advertised);
    own.add(relayBind);
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          // Without the scope: a peer address parsed from the wire carries none.
          own.add(InetAddress.getByAddress(a.getAddress()));
        }
      }
    } catch (SocketException | java.net.UnknownHostException e) {
      LOG.warn("TURN: cannot list interfaces for the peer policy: {}", e.toString());
    }
    return own;
  }
}
