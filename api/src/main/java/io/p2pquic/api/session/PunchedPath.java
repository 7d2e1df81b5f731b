package io.p2pquic.api.session;

import io.netty.channel.socket.DatagramChannel;
import io.p2pquic.identity.PeerId;
import io.vertx.core.shareddata.Shareable;
import java.net.InetSocketAddress;

/**
 * What the puncher hands the quic-verticle once a path is validated: the very UDP channel whose NAT
 * mapping the checks created, where the peer answered, and who dials. A Netty channel cannot cross a
 * (clustered) event bus, so this travels through the node-local {@link PunchedPaths} map, keyed by
 * session id; the event-bus message carries only the id (docs/ARCHITECTURE.md, "A session, method 1").
 *
 * @param remote where the peer answered; null on the accepting side, which adopts the channel as soon
 *     as the session socket exists so the dialer's first Initial never meets a channel without a codec
 * @param quicClient true on the ICE controlling side, which dials; the other side accepts
 */
public record PunchedPath(
    String sessionId, DatagramChannel channel, InetSocketAddress remote, PeerId remotePeer, boolean quicClient)
    implements Shareable {}
