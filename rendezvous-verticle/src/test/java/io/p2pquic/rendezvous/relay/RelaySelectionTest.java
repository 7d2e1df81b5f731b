package io.p2pquic.rendezvous.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelaySelectionTest {
  static final long NOW = 1_795_328_122_684L;
  static final long TTL = 15_000;
  static final String SECRET = SecretId.of("s3cret");

  static RelayEntry relay(String node, int allocations, int max, long ageMs) {
    return new RelayEntry(node, "203.0.113." + node.hashCode() % 100, 3478, List.of("udp", "tcp"), allocations, max,
        NOW - ageMs, List.of(SECRET));
  }

  static List<String> select(List<RelayEntry> entries, String local, int max) {
    return RelaySelection.select(entries, local, SECRET, NOW, TTL, max).stream().map(RelayEntry::nodeId).toList();
  }

  @Test
  void leastLoadedFirstByShareOfCapacityNotCount() {
    List<RelayEntry> e = List.of(relay("a", 50, 100, 0), relay("b", 100, 1000, 0), relay("c", 0, 10, 0),
        relay("d", 9, 10, 0));
    assertThat(select(e, "x", 10)).containsExactly("c", "b", "a", "d");
  }

  @Test
  void localRelayFirstOnTiesThenNodeId() {
    List<RelayEntry> e = List.of(relay("a", 1, 10, 0), relay("c", 1, 10, 0), relay("b", 1, 10, 0),
        relay("z", 0, 10, 0));
    assertThat(select(e, "c", 10)).containsExactly("z", "c", "a", "b");
  }

  @Test
  void atMostMax() {
    List<RelayEntry> e = List.of(relay("a", 3, 10, 0), relay("b", 2, 10, 0), relay("c", 1, 10, 0),
        relay("d", 0, 10, 0));
    assertThat(select(e, "a", 3)).containsExactly("d", "c", "b");
    assertThat(select(e, "a", 1)).containsExactly("d");
  }

  @Test
  void staleEntriesAreIgnored() {
    List<RelayEntry> e = List.of(relay("old", 0, 10, TTL + 1), relay("edge", 5, 10, TTL), relay("new", 9, 10, 0));
    assertThat(select(e, "x", 10)).containsExactly("edge", "new");
  }

  @Test
  void relaysWithAnotherSecretAreIgnored() {
    RelayEntry other = new RelayEntry("other", "203.0.113.9", 3478, List.of("udp"), 0, 10, NOW,
        List.of(SecretId.of("random")));
    RelayEntry rotated = new RelayEntry("rotated", "203.0.113.8", 3478, List.of("udp"), 5, 10, NOW,
        List.of(SecretId.of("new"), SECRET));
    assertThat(select(List.of(other, rotated), "x", 10)).containsExactly("rotated");
  }

  @Test
  void unlimitedRelaysSortByCountBelowAnyLimitedShare() {
    assertThat(relay("u", 0, 0, 0).load()).isZero();
    assertThat(select(List.of(relay("u1", 500, 0, 0), relay("u2", 10, 0, 0), relay("l", 1, 10, 0)), "x", 10))
        .containsExactly("u2", "u1", "l");
  }

  @Test
  void entryJsonRoundTripsAndRejectsGarbage() {
    RelayEntry e = relay("a", 3, 10, 0);
    JsonObject json = e.toJson();
    assertThat(json.fieldNames()).containsExactly("nodeId", "host", "port", "transports", "allocations",
        "maxAllocations", "updatedAt", "secretIds", "bytesRelayed");
    assertThat(RelayEntry.fromJson(json)).isEqualTo(e);
    // An entry of a node that predates bytesRelayed still reads, as 0 bytes.
    json.remove("bytesRelayed");
    assertThat(RelayEntry.fromJson(json)).isEqualTo(e);
    RelayEntry busy = new RelayEntry("b", "192.0.2.1", 3478, java.util.List.of("udp"), 1, 10, 5, java.util.List.of(), 4096);
    assertThat(RelayEntry.fromJson(busy.toJson()).bytesRelayed()).isEqualTo(4096);
    assertThat(busy.withUpdatedAt(9).bytesRelayed()).isEqualTo(4096);
    assertThatThrownBy(() -> RelayEntry.fromJson(new JsonObject().put("nodeId", "a")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void secretIdIsStableShortAndDistinct() {
    assertThat(SecretId.of("s3cret")).isEqualTo(SECRET).hasSize(12);
    assertThat(SecretId.of("s3cret2")).isNotEqualTo(SECRET);
  }

  @Test
  void configRejectsBadValuesNamingTheKey() {
    assertThat(RelayDirectoryConfig.fromJson(null).toJson()).isEqualTo(new JsonObject()
        .put("announceIntervalMs", 5000L).put("maxPerGrant", 3).put("mapName", "p2p.relays"));
    assertThat(RelayDirectoryConfig.fromJson(new JsonObject().put("announceIntervalMs", 1000)).entryTtlMs())
        .isEqualTo(3000);
    assertThatThrownBy(() -> RelayDirectoryConfig.fromJson(new JsonObject().put("maxPerGrant", 0)))
        .hasMessageContaining("relays.maxPerGrant");
    assertThatThrownBy(() -> RelayDirectoryConfig.fromJson(new JsonObject().put("ttl", 1)))
        .hasMessageContaining("relays.ttl is not a known key");
  }
}
