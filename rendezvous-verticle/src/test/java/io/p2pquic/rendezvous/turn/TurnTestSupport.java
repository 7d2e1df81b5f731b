package io.p2pquic.rendezvous.turn;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

final class TurnTestSupport {
  private TurnTestSupport() {}

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
