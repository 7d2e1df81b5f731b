package io.p2pquic.puncher.stun;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.p2pquic.puncher.transport.VertxUdpEndpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.TransactionId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN client transactions over a UDP socket that someone else owns (RFC 8489 section 6.2.1).
 *
 * <p>The client only sends on the socket. Inbound datagrams reach it through {@link
 * #handleInbound}: the socket's owner calls it (so that one socket can later carry STUN, ICE checks
 * and QUIC), or {@link #installAsHandler} makes the client the socket's handler. A response
 * completes the outstanding transaction with the same transaction id and method <em>whatever its
 * source address</em>: answers to CHANGE-REQUEST come from the server's other address. Whoever needs
 * source/destination symmetry (ICE) checks {@link StunResponse#source()} itself.
 *
 * <p>Outcomes of {@link #request}: a success <em>or error</em> response completes the future (the
 * caller decides what an error means; {@link #binding} turns one into a {@link
 * StunErrorResponseException}); no response after the policy's last wait fails it with a {@link
 * StunTimeoutException}; a failed send fails it with a {@link StunException}. Malformed datagrams and
 * responses that match no outstanding transaction are dropped and counted in {@code
 * p2p.stun.client.dropped} by reason; they never disturb an outstanding transaction.
 *
 * <p>Threading: all sends and timers run on the Vert.x context current when the client was created
 * (or a new event-loop context); {@link #handleInbound} may be called from any thread, and futures
 * complete on that context. Nothing blocks.
 *
 * <p>Metrics: {@code p2p.stun.client.transactions}, {@code p2p.stun.client.retransmissions}, {@code
 * p2p.stun.client.responses{class=success|error}}, {@code p2p.stun.client.timeouts}, {@code
 * p2p.stun.client.dropped{reason}}.
 */
public final class StunClient {
  private static final Logger LOG = LoggerFactory.getLogger(StunClient.class);
  private static final int RECENT = 256;

  private final VertxInternal vertx;
  private final ContextInternal context;
  private final UdpEndpoint socket;
  private final MeterRegistry registry;
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final Map<TransactionId, Transaction> pending = new ConcurrentHashMap<>();
  /** Recently completed transaction ids, to tell duplicate responses from strangers. */
  private final Set<TransactionId> recent =
      Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TransactionId, Boolean> eldest) {
          return size() > RECENT;
        }
      }));
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Counter transactions;
  private final Counter retransmissions;
  private final Counter successes;
  private final Counter errors;
  private final Counter timeouts;
  private volatile RetransmitPolicy defaultPolicy = RetransmitPolicy.RFC_8489;
  private volatile boolean closed;

  public StunClient(Vertx vertx, UdpEndpoint socket, MeterRegistry registry) {
    this.vertx = (VertxInternal) vertx;
    this.context = this.vertx.getOrCreateContext();
    this.socket = socket;
    this.registry = registry;
    this.transactions = registry.counter("p2p.stun.client.transactions");
    this.retransmissions = registry.counter("p2p.stun.client.retransmissions");
    this.successes = registry.counter("p2p.stun.client.responses", "class", "success");
    this.errors = registry.counter("p2p.stun.client.responses", "class", "error");
    this.timeouts = registry.counter("p2p.stun.client.timeouts");
  }

  /**
   * Opens a UDP socket bound to {@code host:port} (an IP literal; port 0 for any), makes a client for
   * it and installs the client as the socket's handler. Closing the socket is the caller's job.
   */
  public static Future<StunClient> bind(Vertx vertx, String host, int port, MeterRegistry registry) {
    return VertxUdpEndpoint.bind(vertx, host, port, registry)
        .map(s -> new StunClient(vertx, s, registry).installAsHandler());
  }

  /** Makes this client the endpoint's STUN handler; STUN it does not consume is dropped (and counted). */
  public StunClient installAsHandler() {
    socket.stunHandler(d -> handleInbound(d.data().getBytes(), d.sender()));
    return this;
  }

  /** Makes this client the endpoint's STUN handler; STUN it does not consume (requests: ICE checks) goes to {@code unconsumed}. */
  public StunClient installAsHandler(Handler<Datagram> unconsumed) {
    socket.stunHandler(d -> {
      if (!handleInbound(d.data().getBytes(), d.sender())) {
        unconsumed.handle(d);
      }
    });
    return this;
  }

  public UdpEndpoint endpoint() {
    return socket;
  }

  /** The socket's bound address. */
  public InetSocketAddress localAddress() {
    return socket.localAddress();
  }

  /** Policy used by {@link #request(InetSocketAddress, StunMessage)}; RFC 8489 defaults unless set. */
  public StunClient defaultPolicy(RetransmitPolicy policy) {
    this.defaultPolicy = policy;
    return this;
  }

  /** Number of transactions waiting for a response. */
  public int outstanding() {
    return pending.size();
  }

  public Future<StunResponse> request(InetSocketAddress server, StunMessage request) {
    return request(server, request, defaultPolicy);
  }

  /**
   * Starts a client transaction: sends {@code request} to {@code server} and retransmits per {@code
   * policy} until a response with its transaction id arrives (from any address). Completes with
   * success and error responses alike.
   */
  public Future<StunResponse> request(InetSocketAddress server, StunMessage request, RetransmitPolicy policy) {
    if (closed) {
      return Future.failedFuture(new StunException(server, "STUN client is closed", null));
    }
    if (server == null || server.isUnresolved()) {
      return Future.failedFuture(new IllegalArgumentException("server must be a resolved address: " + server));
    }
    if (request.messageClass() != StunClass.REQUEST) {
      return Future.failedFuture(new IllegalArgumentException("not a request: " + request.type()));
    }
    Transaction tx = new Transaction(server, request, encoder.encodeToBytes(request), policy, context.promise());
    if (pending.putIfAbsent(request.transactionId(), tx) != null) {
      return Future.failedFuture(
          new IllegalStateException("transaction " + request.transactionId() + " is already outstanding"));
    }
    transactions.increment();
    context.runOnContext(v -> send(tx));
    return tx.promise.future();
  }

  /** Binding request with the given policy; the mapped address, or a failure (error responses included). */
  public Future<InetSocketAddress> binding(InetSocketAddress server, RetransmitPolicy policy) {
    return bindingResponse(server, policy).map(r -> r.mappedAddress().orElseThrow());
  }

  /**
   * Binding request; completes with the response only when it is a success carrying a mapped address,
   * otherwise fails with {@link StunErrorResponseException} (or a timeout).
   */
  public Future<StunResponse> bindingResponse(InetSocketAddress server, RetransmitPolicy policy) {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build();
    return request(server, req, policy).compose(r -> r.isSuccess() && r.mappedAddress().isPresent()
        ? Future.succeededFuture(r)
        : Future.failedFuture(new StunErrorResponseException(server, r)));
  }

  /** As {@link #handleInbound(byte[], InetSocketAddress)}. */
  public boolean handleInbound(Buffer data, SocketAddress from) {
    return handleInbound(data.getBytes(), SocketAddresses.toInet(from));
  }

  /**
   * Offers one inbound datagram. Returns true when it was a response that completed an outstanding
   * transaction. Requests and indications return false uncounted (they are someone else's, e.g. ICE);
   * undecodable bytes, unknown transaction ids, duplicates and method mismatches return false and
   * are counted in {@code p2p.stun.client.dropped}. Socket owners that share the socket should pass
   * only datagrams that look like STUN ({@link StunMessageDecoder#looksLikeStun}).
   *
   * @param data the datagram; kept by the decoded message, so do not reuse the array
   */
  public boolean handleInbound(byte[] data, InetSocketAddress from) {
    StunMessage m;
    try {
      m = decoder.decode(data);
    } catch (StunDecodeException e) {
      drop(e.reason().name().toLowerCase().replace('_', '-'), from, e.getMessage());
      return false;
    }
    if (!m.messageClass().isResponse()) {
      return false;
    }
    TransactionId tid = m.transactionId();
    Transaction tx = pending.get(tid);
    if (tx == null) {
      drop(recent.contains(tid) ? "duplicate" : "unknown-transaction", from, m.type() + " tid=" + tid);
      return false;
    }
    if (!m.method().equals(tx.method)) {
      drop("method-mismatch", from, m.type() + " for a " + tx.method + " transaction");
      return false;
    }
    if (!pending.remove(tid, tx)) {
      drop("duplicate", from, m.type() + " tid=" + tid);
      return false;
    }
    recent.add(tid);
    vertx.cancelTimer(tx.timerId);
    long now = System.nanoTime();
    StunResponse response = new StunResponse(
        m, from, Duration.ofNanos(now - tx.lastSentNanos), Duration.ofNanos(now - tx.firstSentNanos), tx.sent);
    (response.isSuccess() ? successes : errors).increment();
    LOG.debug("{} from {} after {} request(s), rtt {} ms", m.type(), from, tx.sent, response.rtt().toMillis());
    tx.promise.tryComplete(response);
    return true;
  }

  /** Fails every outstanding transaction; the socket stays open (it is not the client's). */
  public void close() {
    closed = true;
    List<Transaction> all = new ArrayList<>(pending.values());
    for (Transaction tx : all) {
      if (pending.remove(tx.request.transactionId(), tx)) {
        vertx.cancelTimer(tx.timerId);
        tx.promise.tryFail(new StunException(tx.server, "STUN client closed", null));
      }
    }
  }

  private void send(Transaction tx) {
    if (pending.get(tx.request.transactionId()) != tx) {
      return; // answered, timed out or closed meanwhile
    }
    long now = System.nanoTime();
    if (tx.sent == 0) {
      tx.firstSentNanos = now;
    } else {
      retransmissions.increment();
    }
    tx.lastSentNanos = now;
    tx.sent++;
    int attempt = tx.sent;
    socket.send(Buffer.buffer(tx.bytes), tx.server)
        .onFailure(err -> {
          if (pending.remove(tx.request.transactionId(), tx)) {
            vertx.cancelTimer(tx.timerId);
            tx.promise.tryFail(new StunException(
                tx.server,
                "sending a STUN request to " + SocketAddresses.format(tx.server) + " failed (attempt "
                    + attempt + "): " + err.getMessage(),
                err));
          }
        });
    tx.timerId = context.setTimer(tx.policy.waitAfterSendMillis(tx.sent), id -> onTimer(tx));
  }

  private void onTimer(Transaction tx) {
    if (pending.get(tx.request.transactionId()) != tx) {
      return;
    }
    if (tx.sent < tx.policy.maxRequests()) {
      send(tx);
      return;
    }
    if (pending.remove(tx.request.transactionId(), tx)) {
      timeouts.increment();
      long elapsed = (System.nanoTime() - tx.firstSentNanos) / 1_000_000;
      StunTimeoutException e = new StunTimeoutException(tx.server, "UDP", tx.sent, elapsed);
      LOG.debug("{}", e.getMessage());
      tx.promise.tryFail(e);
    }
  }

  private void drop(String reason, InetSocketAddress from, String detail) {
    dropped.computeIfAbsent(reason, r -> registry.counter("p2p.stun.client.dropped", "reason", r)).increment();
    LOG.debug("dropped inbound datagram from {}: {} ({})", from, reason, detail);
  }

  private static final class Transaction {
    final InetSocketAddress server;
    final StunMessage request;
    final StunMethod method;
    final byte[] bytes;
    final RetransmitPolicy policy;
    final Promise<StunResponse> promise;
    volatile int sent;
    volatile long firstSentNanos;
    volatile long lastSentNanos;
    volatile long timerId = -1;

    Transaction(InetSocketAddress server, StunMessage request, byte[] bytes, RetransmitPolicy policy,
        Promise<StunResponse> promise) {
      this.server = server;
      this.request = request;
      this.method = request.method();
      this.bytes = bytes;
      this.policy = policy;
      this.promise = promise;
    }
  }
}
