package io.p2pquic.puncher.turn;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunResponse;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.UInt32Attribute;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TURN client (RFC 8656) on a UDP socket that others share: the session socket that ICE and QUIC use,
 * so that the allocation it makes is a relayed candidate <em>of that socket</em>. Requests are {@link
 * StunClient} transactions (retransmitted per {@link TurnClientOptions#retransmit()}); the client never
 * reads the socket itself: TURN responses reach the {@link StunClient} through the socket's STUN handler,
 * and relayed data reaches the {@link RelayAllocation} through the socket's relay hook ({@link
 * UdpEndpoint#addRelay}, demultiplexing rule 1).
 *
 * <p><b>Authentication</b> (RFC 8489 9.2, long-term credentials): the first Allocate goes without
 * credentials; the 401 answer brings REALM and NONCE; the request is repeated with USERNAME, REALM,
 * NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password), and so is every later request. A
 * 438 (Stale Nonce) is retried with the new nonce (up to 3 times in a row). A 401 <em>after</em>
 * authenticating means wrong credentials. Success responses that carry MESSAGE-INTEGRITY must verify.
 * The realm and nonce last learnt from a server for a user are kept for the Vert.x instance
 * ({@link #LEARNT_CREDENTIALS}): the next client of the same server and user sends its first Allocate with
 * credentials at once, one round trip less (RFC 8489 9.2.3 lets a client reuse a nonce); a server that does
 * not take it (a nonce bound to another 5-tuple, as coturn's is, or expired) answers 401 or 438, and the
 * client goes on as above. Counted in {@code p2p.turn.client.nonce.reuses{outcome}}.
 *
 * <p>One allocation at a time per client (RFC 8656 ties an allocation to the 5-tuple: this socket and this
 * server). Everything runs on the Vert.x context current at construction; futures complete on it.
 */
public final class TurnClient {
  private static final Logger LOG = LoggerFactory.getLogger(TurnClient.class);
  private static final int MAX_STALE_NONCE_RETRIES = 3;
  /** Local map of the Vert.x instance: server (host:port) -> "username\nrealm\nnonce", one entry a server. */
  static final String LEARNT_CREDENTIALS = "p2p.turn.client.learnt-credentials";
  static final int UDP = 17;

  private final VertxInternal vertx;
  private final ContextInternal context;
  private final StunClient stun;
  private final TurnClientOptions options;
  private final TurnClientMetrics metrics;
  private volatile InetSocketAddress server;
  // Long-term credential state, learnt from the first 401 and updated by 438s.
  private volatile String realm;
  private volatile String nonce;
  private volatile byte[] key;
  private RelayAllocation allocation;
  private boolean allocating;
  /** Challenges (401) and stale nonces (438) answered so far: tells whether reused credentials were taken. */
  private int challenges;

  /**
   * @param stun the socket's STUN client, installed as (or fed by) the socket's STUN handler so that it
   *     sees the TURN server's responses
   */
  public TurnClient(Vertx vertx, StunClient stun, TurnClientOptions options, MeterRegistry registry) {
    this(vertx, stun, options, new TurnClientMetrics(registry));
  }

  TurnClient(Vertx vertx, StunClient stun, TurnClientOptions options, TurnClientMetrics metrics) {
    this.vertx = (VertxInternal) vertx;
    this.context = this.vertx.getOrCreateContext();
    this.stun = stun;
    this.options = new TurnClientOptions(options.validate());
    this.metrics = metrics;
  }

  public TurnClientOptions options() {
    return new TurnClientOptions(options);
  }

  /** The socket the allocation lives on. */
  public UdpEndpoint endpoint() {
    return stun.endpoint();
  }

  /** The server's resolved address; null before {@link #allocate} resolved it. */
  public InetSocketAddress server() {
    return server;
  }

  /** The realm the server named in its 401 challenge; null before. */
  public String realm() {
    return realm;
  }

  /** The current allocation, or null. */
  public RelayAllocation allocation() {
    return allocation;
  }

  /**
   * Allocates a UDP relay on the server (RFC 8656 section 7): resolves the server (off the event loop),
   * authenticates, registers the allocation with the socket so that relayed data is unwrapped, and
   * starts the refresh timers. Fails with a {@link TurnException} whose message says what to do next.
   */
  public Future<RelayAllocation> allocate() {
    return context.succeededFuture().compose(v -> {
      if (allocating || (allocation != null && !allocation.isClosed())) {
        return Future.failedFuture(new IllegalStateException("this client already holds or is making an allocation"
            + (allocation != null ? " (" + SocketAddresses.format(allocation.relayedAddress()) + ")" : "")
            + ": one per socket and server (RFC 8656 5-tuple); close it first"));
      }
      allocating = true;
      return resolve().compose(this::allocateOn).onComplete(ar -> {
        allocating = false;
        metrics.allocation(ar.succeeded());
      });
    });
  }

  private Future<InetSocketAddress> resolve() {
    if (server != null) {
      return Future.succeededFuture(server);
    }
    if (SocketAddresses.isIpLiteral(options.host())) {
      server = new InetSocketAddress(SocketAddresses.parseIp(options.host()), options.port());
      return Future.succeededFuture(server);
    }
    boolean v6 = stun.localAddress().getAddress() instanceof Inet6Address;
    boolean dualStack = v6 && stun.localAddress().getAddress().isAnyLocalAddress();
    return vertx.executeBlocking(() -> {
      InetAddress[] all = InetAddress.getAllByName(options.host());
      for (InetAddress a : all) {
        if ((a instanceof Inet6Address) == v6 && !dualStack) {
          return new InetSocketAddress(a, options.port());
        }
      }
      if (dualStack) {
        // IPv4 first: the relayed candidate most peers can use; else whatever the name has.
        for (InetAddress a : all) {
          if (!(a instanceof Inet6Address)) {
            return new InetSocketAddress(a, options.port());
          }
        }
        if (all.length > 0) {
          return new InetSocketAddress(all[0], options.port());
        }
      }
      throw new java.net.UnknownHostException("no " + (v6 ? "IPv6" : "IPv4") + " address");
    }, false).recover(err -> {
      TurnException e = new TurnException(null, TurnException.Reason.UNRESOLVED, 0, "TURN server name "
          + options.host() + " does not resolve to an " + (v6 ? "IPv6" : "IPv4") + " address for this socket ("
          + err.getMessage() + "); check the host in the turnServers configuration", err);
      metrics.failure(e.reason());
      return Future.failedFuture(e);
    }).onSuccess(a -> server = a);
  }

  /**
   * Whether a socket bound to {@code local} can send to {@code server}: same family, or a wildcard IPv6
   * socket, which on Linux is dual-stack and reaches IPv4 servers through IPv4-mapped addresses (a
   * session socket bound to {@code ::} carries candidates of both families).
   */
  static boolean reaches(InetSocketAddress local, InetSocketAddress server) {
    boolean localV6 = local.getAddress() instanceof Inet6Address;
    boolean serverV6 = server.getAddress() instanceof Inet6Address;
    return localV6 == serverV6 || (localV6 && local.getAddress().isAnyLocalAddress());
  }

  private Future<RelayAllocation> allocateOn(InetSocketAddress server) {
    boolean v6 = server.getAddress() instanceof Inet6Address;
    if (!reaches(stun.localAddress(), server)) {
      return Future.failedFuture(new IllegalArgumentException("TURN server " + SocketAddresses.format(server)
          + " is not of the socket's address family (" + SocketAddresses.format(stun.localAddress()) + ")"));
    }
    boolean reused = reuseLearntCredentials();
    int challengesBefore = challenges;
    return transact("Allocate", () -> {
      StunMessage.Builder b = StunMessage.builder(StunMessageType.of(StunMethod.ALLOCATE, StunClass.REQUEST))
          .add(StunAttributes.requestedTransport(UDP))
          .add(StunAttributes.lifetime(options.lifetimeSeconds()));
      if (v6) {
        b.add(new UInt32Attribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY, 0x02L << 24));
      }
      return b;
    }).compose(r -> {
      InetSocketAddress relayed = r.message().address(StunAttributeType.XOR_RELAYED_ADDRESS).orElse(null);
      if (relayed == null) {
        return fail("Allocate", TurnException.Reason.BAD_RESPONSE, 0,
            "the Allocate success response has no XOR-RELAYED-ADDRESS; the server is not a TURN server");
      }
      InetSocketAddress mapped = r.mappedAddress().orElse(null);
      long lifetime = r.message().uint32(StunAttributeType.LIFETIME).orElse(options.lifetimeSeconds());
      RelayAllocation a = new RelayAllocation(this, server, relayed, mapped, Duration.ofSeconds(lifetime));
      allocation = a;
      a.start();
      LOG.debug("allocated {} on {} (mapped {}, lifetime {} s)", SocketAddresses.format(relayed),
          SocketAddresses.format(server), mapped == null ? "?" : SocketAddresses.format(mapped), lifetime);
      return Future.succeededFuture(a);
    }).onComplete(ar -> {
      if (reused) {
        metrics.nonceReuse(challenges == challengesBefore);
      }
    });
  }

  /** Takes the realm and nonce an earlier client learnt from this server for this user, if any. */
  private boolean reuseLearntCredentials() {
    if (key != null) {
      return false;
    }
    String learnt = vertx.sharedData().<String, String>getLocalMap(LEARNT_CREDENTIALS).get(SocketAddresses.format(server));
    String[] parts = learnt == null ? null : learnt.split("\n", 3);
    if (parts == null || parts.length != 3 || !parts[0].equals(options.username())) {
      return false;
    }
    realm = parts[1];
    nonce = parts[2];
    key = StunCredentials.longTermKey(options.username(), realm, options.password());
    return true;
  }

  /** A 401 or 438 taught this client a realm and nonce: counted, and kept for the next client of the server. */
  private void rememberCredentials() {
    challenges++;
    vertx.sharedData().<String, String>getLocalMap(LEARNT_CREDENTIALS)
        .put(SocketAddresses.format(server), options.username() + "\n" + realm + "\n" + nonce);
  }

  ContextInternal context() {
    return context;
  }

  VertxInternal vertx() {
    return vertx;
  }

  TurnClientMetrics metrics() {
    return metrics;
  }

  TurnClientOptions rawOptions() {
    return options;
  }

  void ended(RelayAllocation a) {
    if (allocation == a) {
      allocation = null;
    }
  }

  /**
   * One authenticated TURN request: {@code request} builds it afresh (new transaction id) for every
   * attempt; credentials, MESSAGE-INTEGRITY and FINGERPRINT are added here. Completes with the success
   * response; fails with a {@link TurnException}.
   */
  Future<StunResponse> transact(String what, Supplier<StunMessage.Builder> request) {
    return attempt(what, request, 0, false);
  }

  private Future<StunResponse> attempt(String what, Supplier<StunMessage.Builder> request, int staleRetries,
      boolean challenged) {
    InetSocketAddress to = server;
    byte[] k = key;
    StunMessage.Builder b = request.get();
    if (k != null) {
      b.add(StunAttributes.username(options.username()))
          .add(StunAttributes.realm(realm))
          .add(StunAttributes.nonce(nonce))
          .messageIntegrity(k);
    }
    StunMessage m = b.fingerprint().build();
    return stun.request(to, m, options.retransmit()).recover(err -> {
      if (err instanceof StunTimeoutException t) {
        return fail(what, TurnException.Reason.TIMEOUT, 0, "no response from TURN server " + SocketAddresses.format(to)
            + " to " + what + " after " + t.attempts() + " requests in " + t.elapsedMillis() + " ms: check that the "
            + "server runs and that UDP to port " + to.getPort() + " is not blocked, and the host and port configured");
      }
      return fail(what, TurnException.Reason.SEND_FAILED, 0, what + " to TURN server " + SocketAddresses.format(to)
          + " could not be sent: " + err.getMessage(), err);
    }).compose(r -> {
      if (r.isSuccess()) {
        // RFC 8489 9.2.5: a response to an authenticated request must carry MESSAGE-INTEGRITY that
        // verifies with our key; without one it could come from anybody who saw the transaction id.
        if (k != null && !r.message().hasMessageIntegrity()) {
          metrics.unauthenticatedResponse();
          return fail(what, TurnException.Reason.BAD_RESPONSE, 0, "the " + what + " success response from "
              + SocketAddresses.format(to) + " has no MESSAGE-INTEGRITY although the request was authenticated; "
              + "ignored (forged, or not a TURN server with long-term credentials)");
        }
        if (k != null && !r.message().verifyMessageIntegrity(k)) {
          metrics.unauthenticatedResponse();
          return fail(what, TurnException.Reason.BAD_RESPONSE, 0, "the " + what + " success response from "
              + SocketAddresses.format(to) + " has a MESSAGE-INTEGRITY that does not verify with our key; "
              + "ignored (forged, or the server uses another password for this user)");
        }
        return Future.succeededFuture(r);
      }
      int code = r.errorCode().map(ErrorCodeAttribute::code).orElse(0);
      String phrase = r.errorCode().map(e -> code + (e.reason().isEmpty() ? "" : " " + e.reason())).orElse("no ERROR-CODE");
      // 401 to a request without credentials is the challenge; to one with credentials from an earlier
      // challenge, the server may have forgotten our nonce or changed realm: one fresh round either way.
      // A 401 to the answer of a challenge in this very transaction means wrong credentials.
      if (code == ErrorCodeAttribute.UNAUTHENTICATED && !challenged) {
        String rlm = r.message().string(StunAttributeType.REALM).orElse(null);
        String nnc = r.message().string(StunAttributeType.NONCE).orElse(null);
        if (rlm == null || nnc == null) {
          return fail(what, TurnException.Reason.BAD_RESPONSE, code, "TURN server " + SocketAddresses.format(to)
              + " answered " + phrase + " without REALM and NONCE: it does not offer long-term credentials "
              + "(RFC 8489 9.2), which this client needs");
        }
        realm = rlm;
        nonce = nnc;
        key = StunCredentials.longTermKey(options.username(), rlm, options.password());
        rememberCredentials();
        return attempt(what, request, staleRetries, true);
      }
      if (code == ErrorCodeAttribute.STALE_NONCE) {
        String nnc = r.message().string(StunAttributeType.NONCE).orElse(null);
        if (staleRetries < MAX_STALE_NONCE_RETRIES && nnc != null) {
          metrics.staleNonce();
          nonce = nnc;
          r.message().string(StunAttributeType.REALM).ifPresent(rlm -> {
            if (!rlm.equals(realm)) {
              realm = rlm;
              key = StunCredentials.longTermKey(options.username(), rlm, options.password());
            }
          });
          rememberCredentials();
          LOG.debug("{}: stale nonce, retrying with the new one", what);
          return attempt(what, request, staleRetries + 1, challenged);
        }
        return fail(what, TurnException.Reason.STALE_NONCE, code, "TURN server " + SocketAddresses.format(to)
            + " rejected " + (MAX_STALE_NONCE_RETRIES + 1) + " fresh nonces in a row for " + what
            + " (438 Stale Nonce); its nonce lifetime is shorter than a round trip, or its clock jumps");
      }
      return fail(what, reasonOf(code), code, explain(what, to, code, phrase, r));
    });
  }

  private String explain(String what, InetSocketAddress to, int code, String phrase, StunResponse r) {
    String s = "TURN server " + SocketAddresses.format(to) + " refused " + what + " (" + phrase + "): ";
    return s + switch (code) {
      case ErrorCodeAttribute.UNAUTHENTICATED -> "wrong credentials for user '" + options.username() + "' in realm '"
          + realm + "'. Check the username and password; for credentials from a shared secret (our rendezvous "
          + "hands them out: turn.authSecret; coturn: use-auth-secret), check that the secret is the server's and that "
          + "the expiry in the username is still in the future";
      case ErrorCodeAttribute.ALLOCATION_QUOTA_REACHED -> "user '" + options.username() + "' holds as many "
          + "allocations as the server allows; close allocations no longer used (each lasts its lifetime unless "
          + "closed) or raise the quota (our rendezvous: turn.maxAllocationsPerUser; coturn: --user-quota)";
      case ErrorCodeAttribute.FORBIDDEN -> "the server's policy forbids it; for a peer address, the server does "
          + "not relay to that address (our rendezvous refuses loopback, private and its own addresses "
          + "unless turn.allowedPeerRanges lists them; coturn: --allow-loopback-peers / --allowed-peer-ip)";
      case ErrorCodeAttribute.UNSUPPORTED_TRANSPORT_PROTOCOL -> "the server does not relay UDP; use a server "
          + "that does (our rendezvous does with turn.enabled; coturn without --no-udp-relay)";
      case ErrorCodeAttribute.ALLOCATION_MISMATCH -> what.startsWith("Allocate")
          ? "an allocation already exists for this socket (5-tuple); it ends when its lifetime runs out, or "
              + "allocate from another local port"
          : "the allocation no longer exists on the server (expired or deleted); allocate again";
      case ErrorCodeAttribute.ADDRESS_FAMILY_NOT_SUPPORTED, ErrorCodeAttribute.PEER_ADDRESS_FAMILY_MISMATCH ->
          "address family not supported or mismatched; use peers of the relayed address's family";
      case ErrorCodeAttribute.INSUFFICIENT_CAPACITY -> "the server has no relay capacity left; try another server";
      case ErrorCodeAttribute.TRY_ALTERNATE -> "it redirects to "
          + r.message().address(StunAttributeType.ALTERNATE_SERVER).map(SocketAddresses::format).orElse("(no ALTERNATE-SERVER)")
          + "; configure that server instead (redirects are not followed)";
      case ErrorCodeAttribute.WRONG_CREDENTIALS -> "the credentials differ from those that created the allocation";
      default -> "see RFC 8656 for this code";
    };
  }

  static TurnException.Reason reasonOf(int code) {
    return switch (code) {
      case ErrorCodeAttribute.UNAUTHENTICATED, ErrorCodeAttribute.WRONG_CREDENTIALS -> TurnException.Reason.WRONG_CREDENTIALS;
      case ErrorCodeAttribute.ALLOCATION_QUOTA_REACHED -> TurnException.Reason.QUOTA_REACHED;
      case ErrorCodeAttribute.FORBIDDEN -> TurnException.Reason.FORBIDDEN;
      case ErrorCodeAttribute.UNSUPPORTED_TRANSPORT_PROTOCOL -> TurnException.Reason.UNSUPPORTED_TRANSPORT;
      case ErrorCodeAttribute.ALLOCATION_MISMATCH -> TurnException.Reason.ALLOCATION_MISMATCH;
      case ErrorCodeAttribute.ADDRESS_FAMILY_NOT_SUPPORTED, ErrorCodeAttribute.PEER_ADDRESS_FAMILY_MISMATCH ->
          TurnException.Reason.ADDRESS_FAMILY;
      case ErrorCodeAttribute.INSUFFICIENT_CAPACITY -> TurnException.Reason.INSUFFICIENT_CAPACITY;
      case ErrorCodeAttribute.TRY_ALTERNATE -> TurnException.Reason.TRY_ALTERNATE;
      default -> TurnException.Reason.ERROR_RESPONSE;
    };
  }

  private <T> Future<T> fail(String what, TurnException.Reason reason, int code, String message) {
    return fail(what, reason, code, message, null);
  }

  private <T> Future<T> fail(String what, TurnException.Reason reason, int code, String message, Throwable cause) {
    metrics.failure(reason);
    LOG.debug("{} failed: {}", what, message);
    return Future.failedFuture(new TurnException(server, reason, code, message, cause));
  }

}
