package io.p2pquic.api;

import io.p2pquic.identity.PeerId;

/**
 * Event-bus addresses of the p2p-quic services. Bodies are {@link io.vertx.core.json.JsonObject}s
 * (they cross the clustered event bus); docs/signalling.md shows each with an example.
 */
public final class Addresses {

  private Addresses() {
  }

  /**
   * Request/reply: is a peer registered with the rendezvous cluster? Request
   * {@code {"peerId":"pq1..."}}; reply {@code {"peerId":..,"online":true|false,"publicKey":..,
   * "observedAddress":"ip:port","registeredAt":<epoch ms>,"node":..}} (the last four only when
   * online). Served by every rendezvous node. Fails (ReplyException, failure code 400, message
   * {@code "malformed"}) on a bad request.
   */
  public static final String RENDEZVOUS_LOOKUP = "p2p.rendezvous.lookup";

  /**
   * Request/reply: deliver a signalling message to a registered peer on behalf of a service inside
   * the cluster. Request {@code {"to":"pq1...","type":"offer","body":{...},"from":"<service
   * name>"}}; the peer receives {@code {"type":"offer","from":"service:<service
   * name>","origin":"service","body":{...}}}. Reply {@code {"type":"ack"}}, or a ReplyException
   * whose message is the error code (e.g. {@code "unknown-target"}) and whose failure code is
   * {@link io.p2pquic.api.signalling.ErrorCode#status()}.
   */
  public static final String RENDEZVOUS_RELAY = "p2p.rendezvous.relay";

  /**
   * Prefix of the rendezvous cluster's internal delivery addresses ({@link #signalNode}, {@link #SIGNAL_REPLACE},
   * {@link #signal}). Internal to the cluster: services use {@link #RENDEZVOUS_RELAY}, which validates and
   * formats the message; the event-bus bridge refuses the whole prefix.
   */
  public static final String SIGNAL_PREFIX = "p2p.signal.";

  /** Where every rendezvous node learns that a peer registered (so that an older connection elsewhere goes). */
  public static final String SIGNAL_REPLACE = SIGNAL_PREFIX + "replace";

  /** The delivery address of one rendezvous node: {@code p2p.signal.node.<nodeId>}, the peer in a header. */
  public static String signalNode(String nodeId) {
    return SIGNAL_PREFIX + "node." + nodeId;
  }

  /** {@code p2p.signal.<peerId>}: a per-peer address under the internal prefix (nothing consumes it now). */
  public static String signal(PeerId peerId) {
    return SIGNAL_PREFIX + peerId.value();
  }

  // ---- peer sessions (docs/api.md) ---------------------------------------------------------------
  // Session addresses carry the local peer id: both ends of a session share its id, and one JVM (or
  // one cluster) may hold both ends. The scoped addresses below reach across a cluster (docs/api.md).

  /**
   * Request/reply, served by the puncher of this node (node-local also when clustered: use
   * {@link #peerConnect} from other nodes): connect to a peer. Request
   * {@code {"peer":"pq1...","method":"ice","timeoutMs":15000}}; reply: the session description
   * {@code {"sessionId","peer","method","path":"direct","selectedPair":{...},"rttMs",
   * "timings":{"gatheredMs","signalledMs","checksDoneMs","handshakeDoneMs"}}}. Fails with a
   * ReplyException whose message says what failed and what to try.
   */
  public static final String PEER_CONNECT = "p2p.peer.connect";

  /**
   * Request/reply, asked by the puncher before it answers an offer: {@code {"sessionId","peer"}};
   * reply {@code {"accept":true|false,"reason":...}}. Without a consumer the peer's configured policy
   * decides. Always node-local (sent with {@code setLocalOnly(true)}): the accept decision belongs to
   * the peer's own JVM, never to a consumer somewhere in the cluster.
   */
  public static final String PEER_INCOMING = "p2p.peer.incoming";

  /**
   * Request/reply to the peer that dialed a session: {@code {"sessionId","reason"?}} restarts ICE on it
   * (RFC 8445 section 9, e.g. after a network change); the reply is the new selected pair
   * {@code {"local","localType","remote","remoteType","rttMs"}}. The QUIC connection moves to it.
   */
  public static final String PEER_RESTART = "p2p.peer.restart";

  /**
   * {@link #PEER_CONNECT} of one local peer. Use it when several peers share a JVM or cluster (the demo,
   * tests): the plain address is served by every peer of the JVM and Vert.x round-robins requests.
   * Cluster-wide when the peer's Vert.x is clustered (the plain address stays node-local), so a
   * service on another node uses this one.
   */
  public static String peerConnect(PeerId local) {
    return PEER_CONNECT + "." + local.value();
  }

  /** {@link #PEER_RESTART} of one local peer (see {@link #peerConnect}); cluster-wide like it. */
  public static String peerRestart(PeerId local) {
    return PEER_RESTART + "." + local.value();
  }

  /**
   * Node-local, puncher to the quic-verticle of the same peer: {@code {"sessionId"}} of a
   * {@link io.p2pquic.api.session.PunchedPath}. Per peer id, because one JVM may run several peers
   * (the demo does) and a channel must be adopted by the identity that punched it.
   */
  public static String quicAdopt(PeerId local) {
    return "p2p.quic.adopt." + local.value();
  }

  /**
   * Node-local, internal: the puncher hands a TCP connection it opened simultaneously with the peer
   * ({@code PunchedStreams}, by session id) to the quic-verticle, which runs TLS 1.3 on it with the
   * peer id pinned and serves the session's addresses. Body {@code {"sessionId", "timeoutMs"}}.
   */
  public static String tlsAdopt(PeerId local) {
    return "p2p.tls.adopt." + local.value();
  }

  /**
   * Publish: {@code {"type":"connected"|"closed"|"path-changed","sessionId","localPeer","peer","reason"?}}.
   * Reaches consumers on every cluster node; filter on {@code localPeer}.
   */
  public static final String SESSION_EVENTS = "p2p.session.events";

  /** Request/reply: Buffer body written to the session's default stream (header {@code stream} for another). */
  public static String sessionSend(PeerId local, String sessionId) {
    return "p2p.session." + local.value() + "." + sessionId + ".send";
  }

  /** Publish: Buffer bodies received on the session's streams (header {@code stream}). */
  public static String sessionData(PeerId local, String sessionId) {
    return "p2p.session." + local.value() + "." + sessionId + ".data";
  }

  /**
   * Node-local request/reply, puncher to the quic-verticle of the same peer: the Buffer body leaves as
   * one QUIC DATAGRAM (RFC 9221) on the session's connection (the reply says quiche took it, not that it
   * arrived). Control traffic of the session's method (DCUtR, docs/dcutr.md) rides here, off the
   * streams, so user data never sees it.
   */
  public static String sessionControl(PeerId local, String sessionId) {
    return "p2p.session." + local.value() + "." + sessionId + ".control";
  }

  /** Node-local publish: Buffer bodies of the QUIC DATAGRAMs received on the session's connection. */
  public static String sessionControlIn(PeerId local, String sessionId) {
    return "p2p.session." + local.value() + "." + sessionId + ".control.in";
  }

  /** Request/reply: {@code {"reason"}} closes the session. */
  public static String sessionClose(PeerId local, String sessionId) {
    return "p2p.session." + local.value() + "." + sessionId + ".close";
  }

  // ---- the TCP event-bus bridge's JSON facade (docs/bridge.md) -----------------------------------
  // The bridge's frames are JSON, which cannot carry the Buffer bodies of .send/.data: a peer running
  // the bridge serves these JSON twins of them, node-local, for bridge clients only.

  /**
   * Node-local request/reply, served when the peer runs the bridge: {@code {"data":"<base64>"}} is decoded
   * and written to the session's default stream like {@link #sessionSend}; reply {@code {"bytes":n}} once
   * written. Failure 400 (not base64, no data) or 413 (more than the facade's limit per request).
   */
  public static String bridgeSessionSend(PeerId local, String sessionId) {
    return "p2p.bridge.session." + local.value() + "." + sessionId + ".send";
  }

  /**
   * Node-local publish, when the peer runs the bridge: each {@link #sessionData} Buffer as
   * {@code {"data":"<base64>","stream":n}} (large Buffers in several pieces, in order).
   */
  public static String bridgeSessionData(PeerId local, String sessionId) {
    return "p2p.bridge.session." + local.value() + "." + sessionId + ".data";
  }
}
