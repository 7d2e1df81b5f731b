package io.p2pquic.rendezvous.relay;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The directory on a local (non-clustered) Vert.x, with a fake clock for ages. */
class RelayDirectoryTest {
  static final String SECRET = SecretId.of("s");
  final AtomicLong clock = new AtomicLong(1_000_000);
  final AtomicInteger load = new AtomicInteger();
  @RegisterExtension
  final TestVertx testVertx = TestVertx.perTest();
  final Vertx vertx = testVertx.vertx();

  RelayEntry local(String node) {
    return new RelayEntry(node, "127.0.0.1", 3478, List.of("udp"), load.get(), 10, 0, List.of(SECRET));
  }

  RelayDirectory directory(String node, boolean relay) {
    return new RelayDirectory(vertx, new RelayDirectoryConfig().setAnnounceIntervalMs(100000).setMaxPerGrant(2),
        node, relay ? () -> local(node) : null, clock::get);
  }

  @Test
  void announcesWithTtlReadsOthersTakesItsOwnFreshAndRemovesItselfOnStop() throws Exception {
    AsyncMap<String, JsonObject> map = await(vertx.sharedData().getAsyncMap("p2p.relays"));
    RelayEntry remote = new RelayEntry("remote", "127.0.0.2", 3478, List.of("udp", "tcp"), 5, 10, clock.get(),
        List.of(SECRET));
    await(map.put("remote", remote.toJson()));
    await(map.put("garbage", new JsonObject().put("x", 1)));

    RelayDirectory dir = directory("me", true);
    await(dir.start());
    assertThat(await(map.get("me"))).isEqualTo(local("me").withUpdatedAt(clock.get()).toJson());
    assertThat(dir.size()).isEqualTo(2);
    assertThat(dir.select(SECRET)).extracting(RelayEntry::nodeId).containsExactly("me", "remote");

    load.set(8); // the own entry is read live, not from the last announce
    assertThat(dir.select(SECRET)).extracting(RelayEntry::nodeId).containsExactly("remote", "me");
    assertThat(dir.select(SECRET).get(1).allocations()).isEqualTo(8);

    clock.addAndGet(dir.config().entryTtlMs() + 1);
    // Until the next read, the snapshot stands as read (a stalled map must not empty the grants)...
    assertThat(dir.select(SECRET)).extracting(RelayEntry::nodeId).containsExactly("remote", "me");
    // ...and a read that finds the remote entry older than the TTL (not re-announced) leaves it out.
    await(dir.refresh());
    assertThat(await(map.get("remote"))).isNotNull(); // put without TTL here: only the age check drops it
    assertThat(dir.select(SECRET)).extracting(RelayEntry::nodeId).containsExactly("me");
    assertThat(dir.size()).isEqualTo(1);

    await(dir.stop());
    assertThat(await(map.get("me"))).isNull();
    assertThat(dir.size()).isZero();
  }

  @Test
  void aNodeWithoutRelayOnlyReads() throws Exception {
    RelayDirectory relayNode = directory("relay", true);
    await(relayNode.start());
    RelayDirectory reader = directory("reader", false);
    await(reader.start());
    assertThat(reader.select(SECRET)).extracting(RelayEntry::nodeId).containsExactly("relay");
    AsyncMap<String, JsonObject> map = await(vertx.sharedData().getAsyncMap("p2p.relays"));
    assertThat(await(map.keys())).containsExactly("relay");
    await(reader.stop());
    assertThat(await(map.keys())).containsExactly("relay");
  }
}
