package io.p2pquic.api.signalling.frame;

import io.vertx.core.json.JsonObject;

/**
 * A message the rendezvous sends a client (docs/signalling.md), as {@link ServerFrameDecoder} accepted it.
 * Not sealed: the relayed message a peer receives is the older
 * {@link io.p2pquic.api.signalling.SignallingMessage}, outside this package.
 */
public interface ServerFrame {

  /** The wire {@code type}. */
  String type();

  /** The frame's JSON form, which decodes to an equal frame. */
  JsonObject toJson();
}
