package io.p2pquic.rendezvous.stun;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.quic.DatagramSockets;
import io.p2pquic.rendezvous.turn.AllocationKey;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.p2pquic.stun.turn.SendIndicationDecoder;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunStreamFramer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN server on UDP and TCP (RFC 8489), and an RFC 5780 NAT-behaviour-discovery server when an
 * alternate address is configured: then four UDP sockets (both addresses x both ports) so that a
 * CHANGE-REQUEST can be answered from the other IP and/or port.
 *
 * <p>Malformed datagrams are dropped silently as RFC 8489 says, and counted by reason in
 * {@code p2p.stun.dropped}; a malformed message on TCP closes that connection (the stream cannot be
 * resynchronised). Nothing a client sends can stop the server.
 *
 * <p>With a {@link TurnServer} attached, the same sockets carry TURN (RFC 8656): requests and indications
 * of the TURN methods and ChannelData (first byte 0x40-0x4F, RFC 7983) go to the relay, Binding stays
 * here. Every socket is bound from one context, so STUN, TURN and the relay sockets share its event loop.
 */
public final class StunServer {
  private static final Logger LOG = LoggerFactory.getLogger(StunServer.class);
  private static final int MAX_TCP_FRAME = StunStreamFramer.MAX_STUN_FRAME;
  /** Datagrams queued on a socket before a flush goes out even while a read batch is still running. */
  private static final int RECEIVE_BATCH_FLUSHES = 64;

  private final Vertx vertx;
  private final StunServerConfig config;
  private final MeterRegistry metrics;
  private final BindingRequestHandler binding;
  private final io.p2pquic.rendezvous.SourceRateLimiter bindingLimiter;
  private final TurnServer turn;
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  /**
   * The first event loop's sockets by the address they are bound to; one for a plain server, four for RFC
   * 5780 (answers from another origin leave through these).
   */
  private final Map<InetSocketAddress, DatagramChannel> sockets = new LinkedHashMap<>();
  /** Every UDP socket of every event loop. */
  private final List<DatagramChannel> allSockets = new ArrayList<>();
  /** The TURN relays of the event loops after the first (siblings of {@link #turn}). */
  private final List<TurnServer> siblings = new ArrayList<>();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Counter udpRequests;
  private final Counter tcpRequests;
  private final Counter successResponses;
  private final Counter errorResponses;
  private final Counter indications;
  private final Counter tcpPaused;
  private final io.p2pquic.rendezvous.ConnectionLimiter tcpConnections;
  private NetServer tcpServer;
  private InetSocketAddress udpAddress;
  private InetSocketAddress tcpAddress;
  private ContextInternal context;
  /** Makes the UDP sockets for a bind host when set ({@link #udpSockets}); else the Vert.x transport's. */
  private Function<String, DatagramChannel> udpSocketFactory;

  public StunServer(Vertx vertx, StunServerConfig config, MeterRegistry metrics) {
    this(vertx, config, metrics, null);
  }

  /** @param turn the TURN relay served on the same sockets, or null for STUN only */
  public StunServer(Vertx vertx, StunServerConfig config, MeterRegistry metrics, TurnServer turn) {
    this.vertx = vertx;
    this.turn = turn;
    this.config = config.validate();
    this.metrics = metrics;
    this.binding = new BindingRequestHandler(config);
    this.bindingLimiter = new io.p2pquic.rendezvous.SourceRateLimiter(config.bindingRatePerIp(), config.bindingRateTotal());
    this.udpRequests = metrics.counter("p2p.stun.requests", "transport", "udp");
    this.tcpRequests = metrics.counter("p2p.stun.requests", "transport", "tcp");
    this.successResponses = metrics.counter("p2p.stun.responses", "class", "success");
    this.errorResponses = metrics.counter("p2p.stun.responses", "class", "error");
    this.indications = metrics.counter("p2p.stun.indications");
    this.tcpPaused = metrics.counter("p2p.stun.tcp.paused");
    this.tcpConnections = new io.p2pquic.rendezvous.ConnectionLimiter(
        config.tcpMaxConnections(), config.tcpMaxConnectionsPerIp());
    metrics.gauge("p2p.stun.tcp.connections", tcpConnections, io.p2pquic.rendezvous.ConnectionLimiter::open);
  }

  /**
   * For tests: the UDP sockets (and the TURN relay's relay sockets) are made by {@code sockets}, given the
   * host to bind, instead of the Vert.x transport, e.g. channels of an in-memory network. Set before
   * {@link #start}.
   */
  public StunServer udpSockets(Function<String, DatagramChannel> sockets) {
    this.udpSocketFactory = sockets;
    if (turn != null) {
      turn.relaySockets(sockets);
    }
    return this;
  }

  public Future<Void> start() {
    context = ((VertxInternal) vertx).getOrCreateContext();
    Promise<Void> started = context.promise();
    context.runOnContext(v -> bindAll().onComplete(started));
    return started.future();
  }

  private Future<Void> bindAll() {
    List<InetSocketAddress> endpoints = new ArrayList<>();
    endpoints.add(new InetSocketAddress(config.bind(), config.port()));
    if (config.rfc5780()) {
      endpoints.add(new InetSocketAddress(config.bind(), config.alternatePort()));
      endpoints.add(new InetSocketAddress(config.alternateAddress(), config.port()));
      endpoints.add(new InetSocketAddress(config.alternateAddress(), config.alternatePort()));
    }
    List<ContextInternal> loops = udpLoopContexts();
    boolean shared = loops.size() > 1;
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < loops.size(); i++) {
      ContextInternal loop = loops.get(i);
      TurnServer relay = turn == null ? null : i == 0 ? turn : turn.sibling();
      if (relay != null && i > 0) {
        siblings.add(relay);
      }
      for (InetSocketAddress endpoint : endpoints) {
        // After the first loop, port 0 means the port the first loop was given.
        chain = chain.compose(v -> bindUdp(endpoint.getPort() == 0 && udpAddress != null
            ? new InetSocketAddress(endpoint.getAddress(), udpAddress.getPort()) : endpoint, loop, relay, shared));
      }
      if (relay != null) {
        chain = chain.compose(v -> relay.start(loop));
      }
    }
    if (config.tcp()) {
      chain = chain.compose(v -> bindTcp());
    }
    return chain
        .onSuccess(
            v -> LOG.info(
                "STUN server listening on udp {}{}{}{}",
                udpAddress,
                tcpAddress != null ? " and tcp " + tcpAddress : "",
                config.rfc5780() ? " (RFC 5780, sockets " + sockets.keySet() + ")" : "",
                shared ? ", UDP read by " + loops.size() + " event loops" : ""))
        .recover(err -> stop().transform(x -> Future.failedFuture(bindError(err))));
  }

  private Throwable bindError(Throwable err) {
    return new IllegalStateException(
        "STUN server cannot listen on " + config.bind() + ":" + config.port()
            + " (" + err.getMessage() + ")", err);
  }

  /**
   * A Netty channel on the context's event loop rather than a Vert.x DatagramSocket: the latter copies
   * every datagram into a new buffer, turns the sender into a string and back, and resolves the
   * destination string of every answer; the answer path is the server's whole cost per request.
   */
  /**
   * The contexts whose event loops read the UDP port: this server's, then others of the Vert.x event-loop
   * pool, {@code stun.udpEventLoops} in all (0: one per core, as far as the pool reaches).
   */
  private List<ContextInternal> udpLoopContexts() {
    return io.p2pquic.rendezvous.EventLoopContexts.spread(vertx, context, config.udpEventLoops());
  }

  private Future<Void> bindUdp(InetSocketAddress endpoint, ContextInternal loop, TurnServer relay, boolean sharedPort) {
    // An IPv6 bind address (:: included) needs an IPv6 socket; bound to :: it is dual-stack on Linux and
    // answers IPv4 clients too.
    SocketProtocolFamily family = endpoint.getAddress() instanceof java.net.Inet6Address
        ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
    Function<SocketProtocolFamily, DatagramChannel> open = udpSocketFactory != null
        ? f -> udpSocketFactory.apply(endpoint.getAddress().getHostAddress()) : DatagramSockets.factory(vertx);
    InetSocketAddress[] local = new InetSocketAddress[1];
    Bootstrap b = new Bootstrap()
        .group(loop.nettyEventLoop())
        .channelFactory(() -> {
          DatagramChannel ch = DatagramSockets.batchReceives(open.apply(family));
          return sharedPort ? DatagramSockets.sharePort(ch) : ch;
        })
        .option(ChannelOption.SO_RCVBUF, 1 << 20)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            // Answers and relayed data leave as one sendmmsg per read batch (or per event-loop turn when
            // a relay socket's read made them), not one sendto each.
            ch.pipeline().addLast(new FlushConsolidationHandler(RECEIVE_BATCH_FLUSHES, true));
            ch.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                // Emitted on the loop's context (same thread): TURN handlers may set timers.
                loop.emit(packet, p -> onDatagram((DatagramChannel) ctx.channel(), local[0], p.sender(), p.content(), relay));
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                drop("send-failed"); // writes use the void promise: a failed send lands here
              }
            });
          }
        });
    Promise<Void> bound = context.promise();
    b.bind(endpoint).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        bound.fail(f.cause());
        return;
      }
      DatagramChannel ch = (DatagramChannel) f.channel();
      local[0] = ch.localAddress();
      if (udpAddress == null) {
        udpAddress = local[0];
      }
      allSockets.add(ch);
      if (loop == context) {
        sockets.put(config.rfc5780() ? endpoint : local[0], ch);
      }
      bound.complete();
    });
    return bound.future();
  }

  private Future<Void> bindTcp() {
    NetServerOptions options = new NetServerOptions()
        .setHost(config.bind())
        .setPort(udpAddress.getPort())
        // A TURN client's connection carries its allocation: it may stay quiet between refreshes.
        .setIdleTimeout(turn != null ? turn.config().maxLifetimeSeconds() + 60 : 30)
        .setReuseAddress(true);
    tcpServer = vertx.createNetServer(options).connectHandler(this::onTcpConnection);
    return tcpServer.listen().map(s -> {
      tcpAddress = new InetSocketAddress(udpAddress.getAddress(), s.actualPort());
      return null;
    });
  }

  public Future<Void> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    if (turn != null) {
      closing.add(turn.stop());
    }
    siblings.forEach(t -> closing.add(t.stop()));
    siblings.clear();
    allSockets.forEach(s -> {
      Promise<Void> closed = Promise.promise();
      s.close().addListener(f -> closed.complete());
      closing.add(closed.future());
    });
    allSockets.clear();
    sockets.clear();
    if (tcpServer != null) {
      closing.add(tcpServer.close());
      tcpServer = null;
    }
    return Future.join(closing).mapEmpty();
  }

  /** The primary UDP address actually bound (useful with port 0). */
  public InetSocketAddress udpAddress() {
    return udpAddress;
  }

  /** The TCP address actually bound, or null when TCP is off. */
  public InetSocketAddress tcpAddress() {
    return tcpAddress;
  }

  private void onDatagram(DatagramChannel socket, InetSocketAddress local, InetSocketAddress source, ByteBuf data,
      TurnServer turn) {
    try {
      // ChannelData: first two bits 01 (0x40-0x7F covers RFC 5766's channel range; STUN starts 0x00-0x3F).
      if (turn != null && data.isReadable() && (data.getUnsignedByte(data.readerIndex()) & 0xC0) == 0x40) {
        turn.onChannelData(data, udpKey(source, local));
        return;
      }
      if (turn != null && SendIndicationDecoder.isSendIndication(data)) {
        turn.onSendIndication(data, udpKey(source, local)); // the relay's hot path: read in place, not decoded
        return;
      }
      StunMessage m = decode(ByteBufUtil.getBytes(data));
      if (m == null) {
        return;
      }
      if (turn != null && TurnServer.handles(m.method())) {
        turn.onStun(m, udpClient(socket, local, source)); // counted as p2p.turn.*, not as STUN requests
        return;
      }
      StunMessage request = requestOnly(m);
      if (request == null) {
        return;
      }
      udpRequests.increment();
      // Unauthenticated and answered to whatever source the packet claims: a reflector unless rationed.
      // Loopback cannot be spoofed from the network (and load tests run there).
      if (!source.getAddress().isLoopbackAddress() && !bindingLimiter.tryAcquire(source.getAddress())) {
        drop("rate-limited");
        return;
      }
      InetSocketAddress receivedOn = config.rfc5780() ? keyOf(local) : local;
      StunReply reply = binding.handle(request, source, receivedOn, otherAddress(receivedOn), true);
      DatagramChannel out = socket;
      if (reply.origin() != ResponseOrigin.SAME) {
        out = sockets.get(BindingRequestHandler.originAddress(receivedOn, otherAddress(receivedOn), reply.origin()));
      }
      count(reply);
      InetSocketAddress to = reply.destination();
      // A failed send reaches the socket's exceptionCaught (counted as send-failed).
      out.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(encoder.encodeToBytes(reply.message())), to),
          out.voidPromise());
    } catch (RuntimeException e) {
      LOG.warn("STUN datagram from {} failed: {}", source, e.toString());
      drop("internal-error");
    }
  }

  private UdpClientTransport udpClient(DatagramChannel socket, InetSocketAddress local, InetSocketAddress source) {
    return new UdpClientTransport(socket, udpKey(source, local));
  }

  private static AllocationKey udpKey(InetSocketAddress source, InetSocketAddress local) {
    return new AllocationKey(AllocationKey.Protocol.UDP, source, local);
  }

  private void onTcpConnection(NetSocket socket) {
    InetSocketAddress source = SocketAddresses.toInet(socket.remoteAddress());
    InetSocketAddress local = SocketAddresses.toInet(socket.localAddress());
    java.net.InetAddress ip = source.getAddress();
    if (!tcpConnections.tryAcquire(ip)) {
      drop("tcp-connection-limit");
      socket.close();
      return;
    }
    TcpClientTransport client = turn == null ? null
        : new TcpClientTransport(socket, new AllocationKey(AllocationKey.Protocol.TCP, source, local));
    StunStreamFramer framer = new StunStreamFramer(client != null, MAX_TCP_FRAME);
    long[] lastFrameNanos = {System.nanoTime()};
    long idleNanos = config.tcpIdleTimeoutSeconds() * 1_000_000_000L;
    long idleCheck = vertx.setPeriodic(Math.min(5_000, config.tcpIdleTimeoutSeconds() * 1000L / 2 + 1), t -> {
      // A connection without an allocation has nothing to keep it open; one with an allocation lives
      // as long as the allocation (the server-wide idle timeout covers that case).
      if (System.nanoTime() - lastFrameNanos[0] > idleNanos && (client == null || !turn.hasAllocation(client.key()))) {
        drop("tcp-idle");
        socket.close();
      }
    });
    socket.closeHandler(v -> {
      vertx.cancelTimer(idleCheck);
      framer.release();
      tcpConnections.release(ip);
      if (client != null) {
        turn.onConnectionClosed(client.key());
      }
    });
    boolean[] closed = {false};
    StunStreamFramer.Frames frames = new StunStreamFramer.Frames() {
      @Override
      public void stun(byte[] bytes) {
        if (closed[0]) {
          return;
        }
        lastFrameNanos[0] = System.nanoTime();
        ByteBuf frame = Unpooled.wrappedBuffer(bytes);
        if (client != null && SendIndicationDecoder.isSendIndication(frame)) {
          turn.onSendIndication(frame, client.key());
          return;
        }
        StunMessage m = decode(bytes);
        if (m == null) {
          closed[0] = true;
          socket.close(); // a bad frame on a stream leaves no way to find the next one
          return;
        }
        if (client != null && TurnServer.handles(m.method())) {
          turn.onStun(m, client);
          return;
        }
        StunMessage request = requestOnly(m);
        if (request == null) {
          return;
        }
        tcpRequests.increment();
        StunReply reply = binding.handle(request, source, local, null, false);
        count(reply);
        socket.write(Buffer.buffer(encoder.encodeToBytes(reply.message())));
      }

      @Override
      public void channelData(byte[] frame) {
        if (!closed[0]) {
          lastFrameNanos[0] = System.nanoTime();
          turn.onChannelData(Unpooled.wrappedBuffer(frame), client.key());
        }
      }
    };
    socket.handler(data -> {
      if (closed[0]) {
        return;
      }
      try {
        String notStun = framer.feed(((io.vertx.core.internal.buffer.BufferInternal) data).getByteBuf(), frames);
        if (notStun != null) {
          drop("tcp-" + notStun);
          closed[0] = true;
          socket.close();
          return;
        }
        // A client that sends faster than it reads its answers is paused until it reads: the replies
        // would otherwise queue without bound.
        if (!closed[0] && socket.writeQueueFull()) {
          tcpPaused.increment();
          socket.pause();
          socket.drainHandler(v -> socket.resume());
        }
      } catch (RuntimeException e) {
        LOG.warn("STUN over TCP from {} failed: {}", source, e.toString());
        drop("internal-error");
        closed[0] = true;
        socket.close();
      }
    });
  }

  /** A decoded message, or null after counting why the bytes were dropped. */
  private StunMessage decode(byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (StunDecodeException e) {
      drop(e.reason().name().toLowerCase().replace('_', '-'));
      return null;
    }
  }

  /** The message if it is a request; indications (keepalives) are counted, responses dropped. */
  private StunMessage requestOnly(StunMessage m) {
    if (m.messageClass() == StunClass.INDICATION) {
      indications.increment(); // keepalives (RFC 8489 section 6.3.2): no answer
      return null;
    }
    if (m.messageClass() != StunClass.REQUEST) {
      drop("unexpected-response");
      return null;
    }
    return m;
  }

  private void count(StunReply reply) {
    (reply.message().messageClass() == StunClass.SUCCESS_RESPONSE ? successResponses : errorResponses).increment();
  }

  private void drop(String reason) {
    dropped.computeIfAbsent(reason, r -> metrics.counter("p2p.stun.dropped", "reason", r)).increment();
  }

  /** The configured endpoint a bound socket stands for (bind() may name a host, bound shows an IP). */
  private InetSocketAddress keyOf(InetSocketAddress bound) {
    for (InetSocketAddress k : sockets.keySet()) {
      if (k.getPort() == bound.getPort() && k.getAddress().equals(bound.getAddress())) {
        return k;
      }
    }
    return bound;
  }

  private InetSocketAddress otherAddress(InetSocketAddress local) {
    if (!config.rfc5780()) {
      return null;
    }
    InetSocketAddress primary = new InetSocketAddress(config.bind(), config.port());
    InetSocketAddress alternate = new InetSocketAddress(config.alternateAddress(), config.alternatePort());
    return new InetSocketAddress(
        local.getAddress().equals(primary.getAddress()) ? alternate.getAddress() : primary.getAddress(),
        local.getPort() == primary.getPort() ? alternate.getPort() : primary.getPort());
  }

}
