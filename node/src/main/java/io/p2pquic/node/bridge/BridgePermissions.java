package io.p2pquic.node.bridge;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import java.util.regex.Pattern;

/**
 * What a client of the TCP event-bus bridge may reach: the p2p API of this one peer and nothing else
 * (docs/bridge.md). Everything not listed is refused by the bridge with an {@code access_denied} error
 * frame: the internal addresses ({@code p2p.quic.adopt.*}, {@code .control}), other peers' sessions,
 * the rendezvous, and whatever else runs on this event bus.
 */
public final class BridgePermissions {
  /** A session id: a UUID today; no dots, so a pattern cannot reach a deeper address such as {@code .control}. */
  static final String SESSION_ID = "[A-Za-z0-9-]{1,64}";

  private BridgePermissions() {}

  /**
   * Inbound (client to event bus): connect (plain and this peer's scoped form), the JSON send of this
   * peer's sessions, their close. Outbound (event bus to client): the JSON data of this peer's sessions
   * and the session events. The raw Buffer {@code .send}/{@code .data} addresses are left out on purpose:
   * a JSON frame cannot become a Buffer, so the facade ({@link BridgeDataFacade}) stands in for them.
   */
  public static BridgeOptions forPeer(PeerId local) {
    String me = Pattern.quote(local.value());
    return new BridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.PEER_CONNECT))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.peerConnect(local)))
        .addInboundPermitted(new PermittedOptions()
            .setAddressRegex("p2p\\.bridge\\.session\\." + me + "\\." + SESSION_ID + "\\.send"))
        .addInboundPermitted(new PermittedOptions()
            .setAddressRegex("p2p\\.session\\." + me + "\\." + SESSION_ID + "\\.close"))
        .addOutboundPermitted(new PermittedOptions()
            .setAddressRegex("p2p\\.bridge\\.session\\." + me + "\\." + SESSION_ID + "\\.data"))
        .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.SESSION_EVENTS));
  }
}
