package io.p2pquic.puncher.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SendPacerTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final List<String> written = new CopyOnWriteArrayList<>();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger paced = new AtomicInteger();

  @AfterEach
  void close() throws Exception {
    Await.await(vertx.close());
  }

  private void submit(SendPacer pacer, String name, boolean deferrable) {
    pacer.submit(() -> written.add(name), refused::incrementAndGet, deferrable);
  }

  /** Server limits 10 a second, burst 5: the client keeps 9 a second and a burst of 1. */
  private SendPacer pacer() {
    SendPacer pacer = new SendPacer(context, 8, paced::incrementAndGet);
    pacer.limits(10, 5);
    return pacer;
  }

  @Test
  void framesOverTheRateWaitAndLeaveInOrder() throws Exception {
    SendPacer pacer = pacer();
    long start = System.nanoTime();
    for (int i = 1; i <= 4; i++) {
      submit(pacer, "f" + i, false);
    }
    Await.until(() -> written.size() == 4, Duration.ofSeconds(5), "four frames written");

    assertThat(written).containsExactly("f1", "f2", "f3", "f4");
    assertThat(paced).hasValue(3);
    assertThat((System.nanoTime() - start) / 1e6).as("3 frames at 9 a second").isGreaterThan(300);
  }

  /** A session's frames do not wait behind telemetry: session-reports leave when nothing else waits. */
  @Test
  void telemetryYieldsToFramesASessionWaitsOn() throws Exception {
    SendPacer pacer = pacer();
    for (int i = 1; i <= 3; i++) {
      submit(pacer, "report" + i, true);
    }
    submit(pacer, "offer", false);
    submit(pacer, "candidate", false);
    Await.until(() -> written.size() == 5, Duration.ofSeconds(5), "five frames written");

    assertThat(written).containsExactly("report1", "offer", "candidate", "report2", "report3");
  }

  @Test
  void atMostSoManyFramesWaitTheRestAreRefused() throws Exception {
    SendPacer pacer = pacer();
    for (int i = 0; i < 1 + 8 + 2; i++) { // one leaves at once, eight may wait
      submit(pacer, "f" + i, false);
    }
    for (int i = 0; i < SendPacer.MAX_DEFERRED + 3; i++) {
      submit(pacer, "r" + i, true);
    }
    Await.until(() -> refused.get() == 2 + 3, Duration.ofSeconds(5), "frames over the bounds refused");
    pacer.clear();
    Thread.sleep(300); // a cleared pacer writes nothing more
    int after = written.size();
    Thread.sleep(300);
    assertThat(written).hasSize(after);
  }
}
