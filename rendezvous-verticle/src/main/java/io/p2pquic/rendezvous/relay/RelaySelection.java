package io.p2pquic.rendezvous.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Which relays a grant lists (pure, no I/O): live entries (announced within {@code maxAgeMillis}) that
 * accept the issuing secret, least loaded first, this node's relay first on equal load, then by node id;
 * at most {@code max}.
 */
public final class RelaySelection {
  private RelaySelection() {}

  public static List<RelayEntry> select(Collection<RelayEntry> entries, String localNodeId, String secretId,
      long nowMillis, long maxAgeMillis, int max) {
    return select(entries.stream().filter(e -> isLive(e, nowMillis, maxAgeMillis)).toList(), localNodeId, secretId, max);
  }

  /** The same for entries already known to be live. {@code secretId} null: any secret. */
  public static List<RelayEntry> select(Collection<RelayEntry> liveEntries, String localNodeId, String secretId,
      int max) {
    List<RelayEntry> out = new ArrayList<>();
    for (RelayEntry e : liveEntries) {
      if (secretId == null || e.accepts(secretId)) {
        out.add(e);
      }
    }
    out.sort(Comparator.comparingDouble(RelayEntry::load)
        .thenComparing(e -> !e.nodeId().equals(localNodeId))
        .thenComparing(RelayEntry::nodeId));
    return out.size() > max ? List.copyOf(out.subList(0, max)) : List.copyOf(out);
  }

  /**
   * Announced no longer than {@code maxAgeMillis} ago. The age is taken on this node's clock against the
   * announcing node's, so relay nodes need synchronised clocks (NTP); a few seconds of skew only shift
   * when a dead relay stops being listed.
   */
  public static boolean isLive(RelayEntry e, long nowMillis, long maxAgeMillis) {
    return nowMillis - e.updatedAt() <= maxAgeMillis;
  }
}
