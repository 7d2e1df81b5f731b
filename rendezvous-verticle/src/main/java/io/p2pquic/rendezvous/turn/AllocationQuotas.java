package io.p2pquic.rendezvous.turn;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The node's allocation quotas (turn.maxAllocations, maxAllocationsPerUser, maxAllocationsPerIp; 0 is
 * unlimited), counted across every event loop that relays: a check and its count are one step under one
 * lock, so two loops cannot both take the last place. Called only when allocations come and go.
 */
final class AllocationQuotas {
  private final int maxTotal;
  private final int maxPerUser;
  private final int maxPerIp;
  private final Map<String, Integer> perUser = new HashMap<>();
  private final Map<InetAddress, Integer> perIp = new HashMap<>();
  private volatile int total;

  AllocationQuotas(int maxTotal, int maxPerUser, int maxPerIp) {
    this.maxTotal = maxTotal;
    this.maxPerUser = maxPerUser;
    this.maxPerIp = maxPerIp;
  }

  /** Counts one more allocation for {@code user} from {@code ip}, or names the quota that refuses it. */
  synchronized String admit(String user, InetAddress ip) {
    if (maxTotal > 0 && total >= maxTotal) {
      return "total";
    }
    if (maxPerUser > 0 && perUser.getOrDefault(user, 0) >= maxPerUser) {
      return "user";
    }
    if (maxPerIp > 0 && perIp.getOrDefault(ip, 0) >= maxPerIp) {
      return "ip";
    }
    perUser.merge(user, 1, Integer::sum);
    perIp.merge(ip, 1, Integer::sum);
    total++;
    return null;
  }

  /** An admitted allocation ended. */
  synchronized void release(String user, InetAddress ip) {
    perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    perIp.computeIfPresent(ip, (a, n) -> n <= 1 ? null : n - 1);
    total--;
  }

  /** Allocations of the node now. */
  int total() {
    return total;
  }
}
