package io.p2pquic.puncher.session;

import io.vertx.core.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Make-before-break for a session that fell back from a direct path to the relay (dialer side): the relay
 * carries the session at once, and a direct path is tried for again {@link SessionOptions#repunchMillis()}
 * later, then at doubling gaps up to {@link SessionOptions#repunchMaxMillis()}, until the session is direct
 * again. Behind a CGNAT that churns its mappings a direct path may die every minute or so (iroh's users
 * see 50-75 s); without this the session would stay relayed for good after the first death. A session
 * that never was direct (two symmetric NATs) is left on the relay: trying again would only cost packets.
 */
final class Repunch {
  private final SessionContext ctx;
  private final Supplier<Future<?>> attempt;
  private final BooleanSupplier directNow;
  private final BooleanSupplier over;
  private long delay;
  private long timer = -1;
  private boolean wasDirect;
  private boolean trying;
  private int attempts;

  /**
   * @param attempt one try for a direct path (an ICE restart, or hard-NAT punching again); completes when it ended
   * @param directNow whether QUIC runs on a direct path now
   * @param over whether the session ended
   */
  Repunch(SessionContext ctx, Supplier<Future<?>> attempt, BooleanSupplier directNow, BooleanSupplier over) {
    this.ctx = ctx;
    this.attempt = attempt;
    this.directNow = directNow;
    this.over = over;
    this.delay = ctx.options().repunchMillis();
  }

  /** The path carrying QUIC changed; {@code direct} is where it went. */
  void onPath(boolean direct) {
    if (direct) {
      wasDirect = true;
      cancel();
      delay = ctx.options().repunchMillis();
      return;
    }
    if (wasDirect && timer < 0 && !trying) {
      schedule();
    }
  }

  private void schedule() {
    if (over.getAsBoolean()) {
      return;
    }
    long wait = delay;
    timer = ctx.vertx().setTimer(wait, t -> {
      timer = -1;
      if (over.getAsBoolean() || directNow.getAsBoolean()) {
        return;
      }
      attempts++;
      trying = true;
      ctx.metrics().counter("p2p.session.repunches").increment();
      ctx.mark("re-punch", "on the relay since a direct path died; try " + attempts + " for a direct path again");
      attempt.get().onComplete(ar -> {
        trying = false;
        if (!directNow.getAsBoolean() && !over.getAsBoolean()) {
          delay = Math.min(delay * 2, ctx.options().repunchMaxMillis());
          ctx.mark("re-punch failed", (ar.failed() ? ar.cause().getMessage() + "; " : "") + "next try in " + delay / 1000 + " s");
          schedule();
        }
      });
    });
  }

  void cancel() {
    if (timer >= 0) {
      ctx.vertx().cancelTimer(timer);
      timer = -1;
    }
  }
}
