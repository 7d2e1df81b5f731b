package io.p2pquic.rendezvous.relay;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One relay as announced in the cluster-wide directory: the node holding it, the advertised address
 * its clients use (TURN on {@code port} over each of {@code transports}), its load, when it was last
 * announced (epoch milliseconds on the announcing node's clock), and the {@link SecretId}s of the
 * secrets it accepts; {@code bytesRelayed} counts the bytes it relayed since it started (operator API;
 * 0 in entries of nodes that predate it).
 *
 * <pre>{@code {"nodeId":"rv-2","host":"203.0.113.11","port":3478,"transports":["udp","tcp"],
 *  "allocations":12,"maxAllocations":1000,"updatedAt":1795328122684,"secretIds":["Xc3v..."],
 *  "bytesRelayed":123456}}</pre>
 */
public record RelayEntry(String nodeId, String host, int port, List<String> transports, int allocations,
    int maxAllocations, long updatedAt, List<String> secretIds, long bytesRelayed) {

  public RelayEntry(String nodeId, String host, int port, List<String> transports, int allocations,
      int maxAllocations, long updatedAt, List<String> secretIds) {
    this(nodeId, host, port, transports, allocations, maxAllocations, updatedAt, secretIds, 0);
  }

  public RelayEntry {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(host, "host");
    transports = List.copyOf(transports);
    secretIds = List.copyOf(secretIds);
  }

  /**
   * Share of capacity in use: allocations / maxAllocations; 0 for an unlimited relay
   * ({@code maxAllocations} 0) with no allocation, else allocations / 1,000,000 (so among unlimited
   * relays the emptier still comes first). A full relay has load >= 1.
   */
  public double load() {
    if (maxAllocations > 0) {
      return (double) allocations / maxAllocations;
    }
    return allocations / 1_000_000.0;
  }

  /** Whether this relay accepts credentials signed with the secret of that id. */
  public boolean accepts(String secretId) {
    return secretIds.contains(secretId);
  }

  public RelayEntry withUpdatedAt(long millis) {
    return new RelayEntry(nodeId, host, port, transports, allocations, maxAllocations, millis, secretIds, bytesRelayed);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("host", host)
        .put("port", port)
        .put("transports", new JsonArray(new ArrayList<>(transports)))
        .put("allocations", allocations)
        .put("maxAllocations", maxAllocations)
        .put("updatedAt", updatedAt)
        .put("secretIds", new JsonArray(new ArrayList<>(secretIds)))
        .put("bytesRelayed", bytesRelayed);
  }

  /** @throws IllegalArgumentException when a field is missing or mistyped */
  public static RelayEntry fromJson(JsonObject json) {
    try {
      return new RelayEntry(json.getString("nodeId"), json.getString("host"), json.getInteger("port"),
          strings(json.getJsonArray("transports")), json.getInteger("allocations"),
          json.getInteger("maxAllocations"), json.getLong("updatedAt"), strings(json.getJsonArray("secretIds")),
          json.getLong("bytesRelayed", 0L));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a relay directory entry: " + json, e);
    }
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      out.add((String) Objects.requireNonNull(o));
    }
    return out;
  }
}
