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
   * Prefix of the per-peer delivery address: the rendezvous node that holds a peer's WebSocket
   * consumes {@code p2p.signal.<peerId>}. Internal to the rendezvous cluster: services use
   * {@link #RENDEZVOUS_RELAY}, which validates and formats the message.
   */
  public static final String SIGNAL_PREFIX = "p2p.signal.";

  /** The delivery address of one peer: {@code p2p.signal.<peerId>}. */
  public static String signal(PeerId peerId) {
    return SIGNAL_PREFIX + peerId.value();
  }
}
