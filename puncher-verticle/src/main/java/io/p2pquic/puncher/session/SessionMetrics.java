package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.p2pquic.api.session.ConnectFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connect-time histograms, one place for every method: how long sessions took to come up (by method, side,
 * path), how long each phase took (the description's {@code timings}), and how long failed attempts ran
 * (by reason). Histograms rather than averages: an operator's question is "what is p95 for ice behind
 * this NAT", and a slow tail hides in a mean.
 */
final class SessionMetrics {
  /** The description's timing keys, in the order they happen, and the phase name each one gives. */
  private static final List<String[]> PHASES = List.of(
      new String[] {"gatheredMs", "gathered"},
      new String[] {"signalledMs", "signalled"},
      new String[] {"checksDoneMs", "checks-done"},
      new String[] {"handshakeDoneMs", "handshake-done"});

  private final MeterRegistry metrics;

  SessionMetrics(MeterRegistry metrics) {
    this.metrics = metrics;
  }

  /** Records {@code session}'s outcome when its result completes; {@code startNanos} is when it was asked for. */
  void track(PunchSession session, long startNanos) {
    String method = session.method().label();
    String side = session.dialer() ? "dialer" : "listener";
    session.result().onComplete(ar -> {
      if (ar.succeeded()) {
        connected(method, side, ar.result());
      } else {
        timer("p2p.session.connect", "Time from a session's start to its outcome, by method, side and outcome",
            "method", method, "side", side, "outcome", ConnectFailure.of(ar.cause()).label())
            .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      }
    });
  }

  private void connected(String method, String side, JsonObject description) {
    JsonObject timings = description.getJsonObject("timings", new JsonObject());
    Number up = timings.getNumber("handshakeDoneMs");
    if (up != null) {
      timer("p2p.session.connect", "Time from a session's start to its outcome, by method, side and outcome",
          "method", method, "side", side, "outcome", "connected-" + description.getString("path", "direct"))
          .record(millis(up));
    }
    for (String[] phase : PHASES) {
      Number at = timings.getNumber(phase[0]);
      if (at != null) {
        timer("p2p.session.phase", "Milliseconds from a session's start to each phase of a successful connect",
            "method", method, "side", side, "phase", phase[1]).record(millis(at));
      }
    }
  }

  private Timer timer(String name, String help, String... tags) {
    return Timer.builder(name).description(help).tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(metrics);
  }

  private static Duration millis(Number ms) {
    return Duration.ofNanos(Math.round(ms.doubleValue() * 1_000_000));
  }
}
