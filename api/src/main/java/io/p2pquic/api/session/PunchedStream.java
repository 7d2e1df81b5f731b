package io.p2pquic.api.session;

import io.netty.channel.socket.SocketChannel;
import io.p2pquic.identity.PeerId;
import io.vertx.core.shareddata.Shareable;

/**
 * What the puncher hands the quic-verticle after a TCP simultaneous open: the connected channel (no
 * handlers yet), the peer it reaches, and which side runs the TLS client. Travels through
 * {@link PunchedPaths} like a {@link PunchedPath}, keyed by session id.
 *
 * @param tlsClient true on the offerer (the side that called connect)
 */
public record PunchedStream(String sessionId, SocketChannel channel, PeerId remotePeer, boolean tlsClient)
    implements Shareable {}
