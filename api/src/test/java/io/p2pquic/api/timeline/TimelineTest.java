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

  /** A peer that stays up marks events for every session; it keeps the newest only, listeners still see all. */
  @Test
  void keepsTheNewestEventsOnlyWhileListenersSeeEveryOne() {
    Timeline t = new Timeline(System::nanoTime, 3);
    List<String> seen = new ArrayList<>();
    t.listener(e -> seen.add(e.event()));
    for (int i = 1; i <= 5; i++) {
      t.mark("peer", "session " + i);
    }

    assertThat(t.events()).extracting(TimelineEvent::event).containsExactly("session 3", "session 4", "session 5");
    assertThat(t.forgotten()).isEqualTo(2);
    assertThat(t.at("session 1")).isEqualTo(-1);
    assertThat(t.toJson()).hasSize(3);
    assertThat(seen).hasSize(5);
  }
}
