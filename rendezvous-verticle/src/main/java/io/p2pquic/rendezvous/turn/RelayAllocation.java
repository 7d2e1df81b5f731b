package io.p2pquic.rendezvous.turn;

import io.netty.channel.socket.DatagramChannel;
import io.p2pquic.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One allocation (RFC 8656 section 2.2): the client's 5-tuple, the credentials it was created with, its
 * own UDP relay socket, and its permissions and channel bindings. Touched only on the relay's event loop.
 */
final class RelayAllocation {
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

  final Map<InetAddress, Permission> permissions = new HashMap<>();
  final Map<Integer, ChannelBinding> channelsByNumber = new HashMap<>();
  final Map<InetSocketAddress, ChannelBinding> channelsByPeer = new HashMap<>();
  private final LinkedHashMap<TransactionId, byte[]> responses = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TransactionId, byte[]> eldest) {
      return size() > CACHED_RESPONSES;
    }
  };

  RelayAllocation(AllocationKey key, ClientTransport client, String username, byte[] integrityKey,
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

  boolean permitted(InetAddress peer, long nowMillis) {
    Permission p = permissions.get(peer);
    return p != null && p.activeAt(nowMillis);
  }

  void cacheResponse(TransactionId tid, byte[] encoded) {
    responses.put(tid, encoded);
  }

  byte[] cachedResponse(TransactionId tid) {
    return responses.get(tid);
  }

  /** Removes expired permissions and channel bindings. */
  void expireAt(long nowMillis) {
    permissions.values().removeIf(p -> !p.activeAt(nowMillis));
    channelsByNumber.values().removeIf(c -> {
      if (!c.activeAt(nowMillis)) {
        channelsByPeer.remove(c.peer);
        return true;
      }
      return false;
    });
  }
}
