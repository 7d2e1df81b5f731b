package io.p2pquic.rendezvous;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Contexts on distinct event loops of the Vert.x pool, for a listener that should be served by more than one
 * loop (the STUN/TURN UDP sockets, the HTTP/WebSocket servers): Vert.x gives one listener's connections or
 * datagrams to the one loop that created it.
 */
public final class EventLoopContexts {

  private EventLoopContexts() {
  }

  /**
   * {@code first}, then contexts on the pool's other event loops, {@code wanted} in all (0: one per core), as
   * far as the pool reaches.
   */
  public static List<ContextInternal> spread(Vertx vertx, ContextInternal first, int wanted) {
    VertxInternal vx = (VertxInternal) vertx;
    List<ContextInternal> out = new ArrayList<>(List.of(first));
    int n = wanted > 0 ? wanted : Runtime.getRuntime().availableProcessors();
    for (io.netty.util.concurrent.EventExecutor e : vx.nettyEventLoopGroup()) {
      if (out.size() >= n) {
        break;
      }
      if (e != first.nettyEventLoop()) {
        out.add(vx.contextBuilder().withEventLoop((io.netty.channel.EventLoop) e).build());
      }
    }
    return out;
  }
}
