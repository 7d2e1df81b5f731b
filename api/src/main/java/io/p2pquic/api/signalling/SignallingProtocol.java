package io.p2pquic.api.signalling;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;

/**
 * Constants of the signalling protocol (WebSocket JSON text frames; docs/signalling.md).
 */
public final class SignallingProtocol {

  private SignallingProtocol() {
  }

  /** HTTP path of the WebSocket endpoint. */
  public static final String PATH = "/signal";

  /** Protocol version announced in the challenge. */
  public static final int VERSION = 1;

  /** Length of the server's registration nonce in bytes. */
  public static final int NONCE_LENGTH = 32;

  /**
   * Domain-separation prefix of the registration signature: the client signs
   * {@code REGISTER_DOMAIN || nonce}, where the prefix is the ASCII bytes of
   * {@code "p2p-quic/signalling/register/v1"} followed by one zero byte. The prefix keeps a
   * registration signature from being valid for any other use of the key (and vice versa).
   */
  public static final String REGISTER_DOMAIN_TEXT = "p2p-quic/signalling/register/v1";

  // ---- message types -------------------------------------------------------------------------
  public static final String CHALLENGE = "challenge";
  public static final String REGISTER = "register";
  public static final String REGISTERED = "registered";
  public static final String REPLACED = "replaced";
  public static final String LOOKUP = "lookup";
  public static final String PEER = "peer";
  public static final String ACK = "ack";
  public static final String ERROR = "error";
  public static final String PING = "ping";
  public static final String PONG = "pong";
  /**
   * Client request for fresh relay credentials (the {@code turn} object of {@code registered}, with a new
   * expiry); the reply has the same type, the request's {@code id} and {@code turn}. Long-running peers
   * renew before their credentials expire.
   */
  public static final String TURN_CREDENTIALS = "turn-credentials";
  /**
   * Optional, client to server only: how a session the rendezvous relayed signalling for is doing
   * ({@code sessionId}, {@code state}, {@code path}, {@code rttMs}), for the operator API. The
   * rendezvous never forwards it; it answers {@code ack}, or an error when it relayed no such session
   * for this peer (a peer reports only its own sessions).
   */
  public static final String SESSION_REPORT = "session-report";

  public static final String OFFER = "offer";
  public static final String ANSWER = "answer";
  public static final String CANDIDATE = "candidate";
  public static final String END_OF_CANDIDATES = "end-of-candidates";
  public static final String CONNECT = "connect";
  public static final String SYNC = "sync";
  public static final String BYE = "bye";
  /** ICE restart of a running session (RFC 8445 section 9): the offerer's new credentials and candidates. */
  public static final String RESTART = "restart";
  /** The answerer's new credentials and candidates for a {@link #RESTART}. */
  public static final String RESTART_ANSWER = "restart-answer";

  /**
   * The dialer's QUIC heard nothing back through these relays before ICE selected: the peer replaces its
   * allocations there ({@code {"sessionId", "deadRelays": [ip...]}}).
   */
  public static final String RELAYS_SILENT = "relays-silent";

  /**
   * How the sender's NAT maps this session's socket, measured against the STUN server's two addresses
   * ({@code {"sessionId", "mapping": "endpoint-independent"|"endpoint-dependent", "mapped": "IP:port"}}): one
   * side mapping per destination and the other not is where hard-NAT punching (many sockets against one
   * mapping) can still find a direct path.
   */
  public static final String NAT_MAPPING = "nat-mapping";

  public static final String TCP_OFFER = "tcp-offer";
  public static final String TCP_ANSWER = "tcp-answer";
  public static final String TCP_PING = "tcp-ping";
  public static final String TCP_PONG = "tcp-pong";
  public static final String TCP_GO = "tcp-go";

  /**
   * TCP simultaneous open (method tcp): offer and answer carry {@code candidates} ("IP:port", server
   * reflexive first); ping/pong measure the round trip through the rendezvous; go starts attempt n.
   */
  public static final Set<String> TCP_TYPES = Set.of(TCP_OFFER, TCP_ANSWER, TCP_PING, TCP_PONG, TCP_GO);

  /** Types the server relays from one peer to another. */
  public static final Set<String> RELAY_TYPES = union(
      Set.of(OFFER, ANSWER, CANDIDATE, END_OF_CANDIDATES, CONNECT, SYNC, BYE, RESTART, RESTART_ANSWER, RELAYS_SILENT,
          NAT_MAPPING),
      TCP_TYPES);

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  // ---- fields --------------------------------------------------------------------------------
  public static final String F_TYPE = "type";
  public static final String F_ID = "id";
  public static final String F_TO = "to";
  public static final String F_FROM = "from";
  public static final String F_ORIGIN = "origin";
  public static final String F_BODY = "body";
  public static final String F_PEER_ID = "peerId";
  /**
   * In {@code register}: true asks for a per-session attachment (method quic-native) that proves the
   * key without taking over the peer's registration; echoed in the {@code registered} reply.
   */
  public static final String F_ATTACH = "attach";
  /**
   * In a full {@code registered} reply: where the QUIC signalling transport listens, {@code {"port": N,
   * "peerId": "pq1..."}} (the rendezvous's certificate identity), absent when it is off.
   */
  public static final String F_QUIC_SIGNALLING = "quicSignalling";
  public static final String F_PUBLIC_KEY = "publicKey";
  public static final String F_SIGNATURE = "signature";
  public static final String F_NONCE = "nonce";
  public static final String F_CODE = "code";
  public static final String F_MESSAGE = "message";

  /** Value of {@code origin} on messages a cluster service sent through the event bus. */
  public static final String ORIGIN_SERVICE = "service";
  /** Prefix of {@code from} on messages a cluster service sent. */
  public static final String SERVICE_FROM_PREFIX = "service:";

  /** Longest accepted request id. */
  public static final int MAX_REQUEST_ID_LENGTH = 64;

  // ---- WebSocket close codes (4000-4999: application) ----------------------------------------
  /** The same peer id registered on a newer connection. */
  public static final short CLOSE_REPLACED = 4001;
  /** No valid registration within the registration timeout. */
  public static final short CLOSE_REGISTRATION_TIMEOUT = 4002;
  /** The server is shutting down. */
  public static final short CLOSE_GOING_AWAY = 1001;

  /** The bytes a client signs to register: {@code REGISTER_DOMAIN_TEXT || 0x00 || nonce}. */
  public static byte[] registrationPayload(byte[] nonce) {
    Objects.requireNonNull(nonce, "nonce");
    byte[] prefix = REGISTER_DOMAIN_TEXT.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[prefix.length + 1 + nonce.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    out[prefix.length] = 0;
    System.arraycopy(nonce, 0, out, prefix.length + 1, nonce.length);
    return out;
  }
}
