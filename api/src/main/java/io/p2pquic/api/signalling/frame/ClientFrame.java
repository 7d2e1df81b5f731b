package io.p2pquic.api.signalling.frame;

import io.vertx.core.json.JsonObject;

/**
 * A message a client sends the rendezvous (docs/signalling.md), as {@link ClientFrameDecoder} accepted it:
 * every field it carries has been checked, so whoever handles it needs no further parsing.
 */
public sealed interface ClientFrame
    permits RegisterRequest, LookupRequest, PingRequest, TurnCredentialsRequest, RelayRequest, SessionReport {

  /** The wire {@code type}. */
  String type();

  /** The request id the client chose (a String of at most 64 characters, an Integer or a Long), or null. */
  Object id();

  /** The frame's JSON form, which decodes to an equal frame. */
  JsonObject toJson();
}
