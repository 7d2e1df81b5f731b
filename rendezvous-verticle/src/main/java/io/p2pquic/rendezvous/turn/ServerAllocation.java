package io.p2pquic.rendezvous.turn;

import io.netty.channel.socket.DatagramChannel;
import io.p2pquic.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One allocation (RFC 8656 section 2.2): the client's 5-tuple, the credentials it was created with, its
 * own UDP relay socket, and its permissions and channel bindings. Touched only on the relay's event loop.
 * (The server's record; a peer's side of an allocation is {@code io.p2pquic.puncher.turn.RelayAllocation}.)
 */
final class ServerAllocation {
  /** Responses kept per allocation for retransmitted requests (RFC 8656 section 7.2, RFC 8489 6.3.4). */
  private static final int CACHED_RESPONSES = 8;

  final AllocationKey key;
  final ClientTransport client;
  final String username;
  final String user;
  final byte[] integrityKey;
  final TransactionId allocateTransaction;
  final BandwidthLimiter bandwidth;
  /** Null until the relay socket is bound. */
  DatagramChannel relay;
  InetSocketAddress relayedAddress;
  long expiresAtMillis;
  boolean closed;

  /*
   * Permissions, channel bindings and cached responses are created on first use: a relay holds thousands
   * of allocations, most never bind a channel, and the three maps plus a LinkedHashMap per allocation were
   * about 400 bytes of heap each before anything was in them (docs/turn.md, "Memory per allocation").
   * Reads see an immutable empty map until the first write; writes go through permit() and bind().
   */
  Map<InetAddress, Permission> permissions = Map.of();
  Map<Integer, ChannelBinding> channelsByNumber = Map.of();
  Map<InetSocketAddress, ChannelBinding> channelsByPeer = Map.of();
  /** Ring of the last CACHED_RESPONSES responses, by transaction; null until the first. */
  private TransactionId[] responseIds;
  private byte[][] responses;
  private int nextResponse;

  ServerAllocation(AllocationKey key, ClientTransport client, String username, byte[] integrityKey,
      TransactionId allocateTransaction, BandwidthLimiter bandwidth, long expiresAtMillis) {
    this.key = key;
    this.client = client;
    this.username = username;
    this.user = TurnAuthenticator.userOf(username);
    this.integrityKey = integrityKey;
    this.allocateTransaction = allocateTransaction;
    this.bandwidth = bandwidth;
    this.expiresAtMillis = expiresAtMillis;
  }

  boolean pending() {
    return relay == null;
  }

  /** A permission for one of the relay's own addresses exists: datagrams to/from it are port-checked. */
  boolean selfPermitted;

  boolean permitted(InetAddress peer, long nowMillis) {
    Permission p = permissions.get(peer);
    return p != null && p.activeAt(nowMillis);
  }

  /** Adds a permission (the caller checked there is none for its address). */
  void permit(Permission p) {
    if (permissions.isEmpty()) {
      permissions = new HashMap<>(4);
    }
    permissions.put(p.peer, p);
  }

  /** Adds a channel binding (the caller checked neither its number nor its peer is bound). */
  void bind(ChannelBinding c) {
    if (channelsByNumber.isEmpty()) {
      channelsByNumber = new HashMap<>(4);
      channelsByPeer = new HashMap<>(4);
    }
    channelsByNumber.put(c.number, c);
    channelsByPeer.put(c.peer, c);
  }

  /** Keeps {@code encoded} as the answer to a retransmission of {@code tid}, evicting the oldest of 8. */
  void cacheResponse(TransactionId tid, byte[] encoded) {
    if (responses == null) {
      responseIds = new TransactionId[CACHED_RESPONSES];
      responses = new byte[CACHED_RESPONSES][];
    }
    for (int i = 0; i < CACHED_RESPONSES; i++) {
      if (tid.equals(responseIds[i])) {
        responses[i] = encoded;
        return;
      }
    }
    responseIds[nextResponse] = tid;
    responses[nextResponse] = encoded;
    nextResponse = (nextResponse + 1) % CACHED_RESPONSES;
  }

  byte[] cachedResponse(TransactionId tid) {
    if (responseIds != null) {
      for (int i = 0; i < CACHED_RESPONSES; i++) {
        if (tid.equals(responseIds[i])) {
          return responses[i];
        }
      }
    }
    return null;
  }

  /** Removes expired permissions and channel bindings. */
  void expireAt(long nowMillis) {
    if (!permissions.isEmpty()) {
      permissions.values().removeIf(p -> !p.activeAt(nowMillis));
    }
    if (channelsByNumber.isEmpty()) {
      return;
    }
    channelsByNumber.values().removeIf(c -> {
      if (!c.activeAt(nowMillis)) {
        channelsByPeer.remove(c.peer);
        return true;
      }
      return false;
    });
  }
}
