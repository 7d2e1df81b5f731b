package io.p2pquic.puncher.path;

import io.p2pquic.api.net.SocketAddresses;
import io.netty.channel.Channel;
import io.p2pquic.puncher.transport.RelayTransport;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How packets for the peer leave a session socket: straight to an address, or wrapped through one of
 * our TURN allocations. The peer's address may itself be a relayed candidate (its own allocation); from
 * our socket that is still {@link Direct}.
 */
public sealed interface PeerPath {
  /** Where the peer is reached: its address as our socket (or our relay) sends to it. */
  InetSocketAddress peer();

  /** "direct 203.0.113.9:4000" or "relay 198.51.100.2:50000 via 203.0.113.10:3478". */
  String describe();

  /** Straight from the socket to {@code peer}. */
  record Direct(InetSocketAddress peer) implements PeerPath {
    public Direct {
      Objects.requireNonNull(peer, "peer");
    }

    @Override
    public String describe() {
      return "direct " + SocketAddresses.format(peer);
    }
  }

  /** Through our allocation on {@code relay}: ChannelData or Send indications to the TURN server. */
  record ViaRelay(InetSocketAddress peer, RelayTransport relay) implements PeerPath {
    public ViaRelay {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(relay, "relay");
    }

    @Override
    public String describe() {
      return "relay " + SocketAddresses.format(peer) + " via " + SocketAddresses.format(relay.server());
    }
  }

  /**
   * Straight to {@code peer}, but from another socket of ours than the session's: the one of hard-NAT
   * punching's many sockets whose mapping the peer reached. QUIC's packets leave through {@code channel}
   * and that socket's inbound QUIC is handed to the session's pipeline.
   */
  record ViaSocket(InetSocketAddress peer, Channel channel) implements PeerPath {
    public ViaSocket {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(channel, "channel");
    }

    @Override
    public String describe() {
      InetSocketAddress local = (InetSocketAddress) channel.localAddress();
      return "direct " + SocketAddresses.format(peer) + " from our port " + (local == null ? "?" : local.getPort());
    }
  }
}
