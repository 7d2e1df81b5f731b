package io.p2pquic.api.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimelineTest {
  @Test
  void eventsCarryMillisecondsSinceStartAndReachListenersAsRecorded() {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    Timeline t = new Timeline(now::get);
    List<String> seen = new ArrayList<>();
    t.listener(e -> seen.add(e.format()));
    now.addAndGet(12_345_678);
    t.mark("alice", "registered", "pq1abc");
    now.addAndGet(1_000_000);
    t.mark("bob", "offer received");

    assertThat(t.at("registered")).isEqualTo(12.345678);
    assertThat(t.at("missing")).isEqualTo(-1);
    assertThat(seen).containsExactly(
        "t+    12.3 ms  alice       registered             pq1abc",
        "t+    13.3 ms  bob         offer received");
    assertThat(t.toJson().getJsonObject(0).encode())
        .isEqualTo("{\"atMs\":12.3,\"actor\":\"alice\",\"event\":\"registered\",\"detail\":\"pq1abc\"}");
  }
}
