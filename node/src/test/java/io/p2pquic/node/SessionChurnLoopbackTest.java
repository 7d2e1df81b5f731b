package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.Meter;
import io.p2pquic.api.Addresses;
import io.p2pquic.quic.session.LiveSession;
import io.p2pquic.testsupport.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A peer that stays up through many sessions keeps nothing of the ones that ended. Two long-lived peers
 * on loopback open, use (an echo checked byte for byte) and close session after session with each method;
 * after a warm-up (pools filled, code paths loaded, every meter created once) the process must come back
 * to where it was: no session left in the puncher ({@code p2p.session.open}) or the QUIC verticle, every
 * ended session's QUIC state garbage (weak references cleared), no event-bus handler of a closed session,
 * no TURN allocation, and open file descriptors, threads and meters flat. Heap growth per session is printed
 * and bounded loosely. {@code -Dchurn.cycles=N} runs N sessions a method (default 25); a soak:
 * {@code -Dchurn.cycles=2000}.
 */
class SessionChurnLoopbackTest {
  private static final int CYCLES = Integer.getInteger("churn.cycles", 25);
  private static final int WARM_UP = 6;
  /** Sockets a pool may be refreshing at the moment of a snapshot, and the JVM's own (jar files, GC logs). */
  private static final int FD_SLACK = 8;
  private static final int THREAD_SLACK = 4;
  /** A session that kept its QUIC connection, sockets or stream buffers would cost megabytes, not this. */
  private static final long HEAP_BYTES_PER_SESSION_LIMIT = 64 * 1024;

  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject()
      .put("signalling", new JsonObject().put("quicPort", 0))
      .put("turn", new JsonObject().put("grant", "all-registered")
          .put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8")))));
  private static PeerNode dialer;
  private static PeerNode listener;

  @BeforeAll
  static void up() throws Exception {
    dialer = cast.peer("dialer", false);
    listener = cast.peer("listener", true);
  }

  /** Peers sharing a registry (the demo, embedded use) each have their own gauge; a stopped peer's goes. */
  @Test
  void eachPeerHasItsOwnOpenSessionGaugeAndAStoppedPeerDropsIt() throws Exception {
    PeerNode third = cast.peer("third", false);
    String thirdId = third.puncher.peerId().value();
    for (PeerNode peer : List.of(dialer, listener, third)) {
      io.micrometer.core.instrument.Gauge g = cast.metrics.find("p2p.session.open")
          .tag("peer", peer.puncher.peerId().value()).gauge();
      assertThat(g).as("gauge of %s", peer.puncher.peerId().shortId()).isNotNull();
      assertThat(g.value()).isEqualTo(peer.puncher.sessions().openSessions());
    }
    await(cast.vertx.undeploy(third.quic.deploymentID()));
    await(cast.vertx.undeploy(third.puncher.deploymentID()));
    assertThat(cast.metrics.find("p2p.session.open").tag("peer", thirdId).gauge()).as("the stopped peer's gauge").isNull();
    assertThat(cast.metrics.find("p2p.session.open").tag("peer", dialer.puncher.peerId().value()).gauge()).isNotNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ice", "tcp", "quic-native", "relay"})
  void sessionsThatEndedLeaveNothingBehind(String method) throws Exception {
    for (int i = 0; i < WARM_UP; i++) {
      cycle(method, i, new ArrayList<>());
    }
    Snapshot before = Snapshot.take();
    List<String> closed = new ArrayList<>();
    List<WeakReference<LiveSession>> ended = new ArrayList<>();
    Set<String> metersHalfway = null;
    for (int i = 0; i < CYCLES; i++) {
      closed.add(cycle(method, WARM_UP + i, ended));
      if (i == CYCLES / 2) {
        metersHalfway = Snapshot.meterIds();
      }
    }
    // Each ended session's QUIC state (connection, channels, socket, TLS context) must become garbage. It did
    // not: a trust-manager listener held the connection, and the native TLS context holds its callbacks as
    // JNI global references, so every session stayed reachable, with its native memory.
    Await.until(() -> {
      System.gc();
      return ended.stream().allMatch(r -> r.get() == null);
    }, Duration.ofSeconds(20), "every ended " + method + " session collected (still reachable: "
        + ended.stream().filter(r -> r.get() != null).count() + " of " + ended.size() + ")");
    Snapshot after = Snapshot.take();
    double heapPerSession = (after.heapBytes - before.heapBytes) / (double) CYCLES;
    System.out.printf("churn %s: %d sessions; fds %d -> %d, threads %d -> %d, meters %d -> %d, heap %+.1f KiB and "
            + "resident memory %+.1f KiB a session%n", method, CYCLES, before.fds, after.fds, before.threads, after.threads,
        before.meters.size(), after.meters.size(), heapPerSession / 1024, (after.rssKib - before.rssKib) / (double) CYCLES);

    assertThat(after.fds).as("open file descriptors after %d %s sessions", CYCLES, method)
        .isLessThanOrEqualTo(before.fds + FD_SLACK);
    assertThat(after.threads).as("threads after %d %s sessions", CYCLES, method)
        .isLessThanOrEqualTo(before.threads + THREAD_SLACK);
    Set<String> newMeters = new TreeSet<>(after.meters);
    newMeters.removeAll(metersHalfway);
    // A meter made the first time something happens (a first resend, a first port-mapping timeout) may show up
    // late; a meter made per session would add one for each of the second half's sessions.
    assertThat(newMeters).as("meters made in the second half of the sessions (a meter a session would grow without end)")
        .hasSizeLessThan(Math.max(3, CYCLES / 4));
    assertThat(heapPerSession).as("heap bytes kept a session").isLessThan(HEAP_BYTES_PER_SESSION_LIMIT);
    for (String id : closed.subList(closed.size() - 3, closed.size())) {
      for (PeerNode peer : List.of(dialer, listener)) {
        assertNoHandler(Addresses.sessionSend(peer.puncher.peerId(), id));
        assertNoHandler(Addresses.sessionClose(peer.puncher.peerId(), id));
      }
    }
  }

  /** One session: connect, echo, close from the dialer, wait until both peers (and the relay) forgot it. */
  private static String cycle(String method, int n, List<WeakReference<LiveSession>> sessions) throws Exception {
    JsonObject s = cast.connect(dialer, listener, method, 15_000);
    assertThat(s.getString("method")).isEqualTo(method);
    Buffer payload = Buffer.buffer(("churn " + method + " " + n + " ").repeat(40));
    assertThat(await(PeerNode.echo(cast.vertx, s, payload))).isEqualTo(payload);
    String id = s.getString("sessionId");
    for (PeerNode peer : List.of(dialer, listener)) {
      LiveSession open = peer.quic.session(id);
      assertThat(open).as("%s's session %s after the echo", peer.puncher.peerId().shortId(), id).isNotNull();
      assertThat(open.method()).as("method of %s's session %s", peer.puncher.peerId().shortId(), id).isEqualTo(method);
      sessions.add(new WeakReference<>(open));
    }
    await(cast.vertx.eventBus().request(Addresses.sessionClose(dialer.puncher.peerId(), id),
        new JsonObject().put("reason", "churn test")));
    Await.until(() -> dialer.puncher.sessions().openSessions() == 0 && listener.puncher.sessions().openSessions() == 0
            && dialer.quic.sessions().isEmpty() && listener.quic.sessions().isEmpty()
            && cast.rendezvous.turn().allocationCount() == 0,
        Duration.ofSeconds(15), method + " session " + n + " forgotten by both peers and the relay (open: dialer "
            + dialer.puncher.sessions().openSessions() + ", listener " + listener.puncher.sessions().openSessions()
            + ", allocations " + cast.rendezvous.turn().allocationCount() + ")");
    return id;
  }

  private static void assertNoHandler(String address) {
    try {
      await(cast.vertx.eventBus().request(address, new JsonObject()));
      throw new AssertionError("a closed session still answers on " + address);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).as(address).isInstanceOfSatisfying(ReplyException.class,
          r -> assertThat(r.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS));
    } catch (Exception e) {
      throw new AssertionError(address, e);
    }
  }

  /** What a leak would make grow: descriptors, threads, meters (by name and tags), heap after a full GC. */
  private record Snapshot(long fds, int threads, Set<String> meters, long heapBytes, long rssKib) {
    static Snapshot take() throws InterruptedException {
      long heap = Long.MAX_VALUE;
      // The smallest of a few collections: what is still referenced, not garbage a concurrent phase left.
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
        heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      }
      long fds = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
          ? unix.getOpenFileDescriptorCount() : -1;
      return new Snapshot(fds, ManagementFactory.getThreadMXBean().getThreadCount(), meterIds(), heap, residentKib());
    }

    /** Every meter of the shared registry, by name and tags. */
    static Set<String> meterIds() {
      Set<String> meters = new TreeSet<>();
      for (Meter m : cast.metrics.getMeters()) {
        meters.add(m.getId().getName() + m.getId().getTags());
      }
      return meters;
    }

    /** VmRSS of this process (Linux), heap and native memory together: printed, not asserted (noisy). */
    static long residentKib() {
      try {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        return -1;
      }
      return -1;
    }
  }
}
