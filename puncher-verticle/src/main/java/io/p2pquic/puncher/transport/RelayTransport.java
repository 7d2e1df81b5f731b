package io.p2pquic.puncher.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/**
 * A relay on a shared UDP socket (a TURN allocation, {@code io.p2pquic.puncher.turn.RelayAllocation}):
 * the seam between the socket's demultiplexer and whatever wraps and unwraps relayed traffic.
 *
 * <p><b>Inbound</b> (docs/ARCHITECTURE.md, "One socket, many protocols": rule 1): a socket with a relay registered
 * ({@link UdpEndpoint#addRelay}) offers every datagram whose source is {@link #server()} to {@link
 * #unwrap} <em>before</em> the STUN/QUIC classification, because ChannelData (first byte 0x40-0x4F) and
 * QUIC short headers share a range and only the source address tells them apart. The unwrapped payload
 * is then classified itself: STUN (ICE checks from the peer) reaches the socket's STUN handler as a
 * {@link Datagram} from the peer with {@link Datagram#relayedAddress()} set; QUIC continues down the
 * Netty pipeline as a {@link RelayedDatagramPacket} whose sender is the peer.
 *
 * <p><b>Outbound</b>: {@link #send} (Vert.x buffers, through the socket) and {@link #wrap} (Netty: a
 * payload for a peer becomes a packet addressed to the relay server, to write on the channel), so ICE
 * checks and QUIC packets can leave "from the relayed candidate".
 */
public interface RelayTransport {
  /** The relay server: where wrapped packets go and whose datagrams are unwrapped. */
  InetSocketAddress server();

  /** The relayed transport address peers see as ours (the relayed candidate's address). */
  InetSocketAddress relayedAddress();

  /**
   * Inbound: one datagram from {@link #server()}. Called on the socket's event loop; must neither
   * release {@code datagram} nor move its reader index. A {@link RelayInbound.Data} payload is owned
   * by the caller.
   */
  RelayInbound unwrap(ByteBuf datagram);

  /**
   * Outbound, Netty level: wraps {@code payload} for {@code peer} (ChannelData when a channel is bound
   * to the peer, else a Send indication) into a packet addressed to {@link #server()}. Takes ownership
   * of {@code payload}. Never blocks: if the peer has no permission yet, one is requested and this
   * packet may be dropped by the server (UDP semantics).
   */
  DatagramPacket wrap(ByteBuf payload, InetSocketAddress peer);

  /** Outbound through the socket the relay runs on; completes when written (after the peer's permission). */
  Future<Void> send(Buffer data, InetSocketAddress peer);
}
