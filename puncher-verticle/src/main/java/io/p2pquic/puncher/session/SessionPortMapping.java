package io.p2pquic.puncher.session;

import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.portmap.PortMapper;
import io.p2pquic.puncher.portmap.PortMapping;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.function.BooleanSupplier;

/**
 * One session's port mapping (docs/ice.md, "Port mapping"): the gateway forwards a public port to the
 * session socket, and the mapped address is offered as a server-reflexive candidate. Unlike a STUN-learnt
 * one it accepts checks from anyone, so it works even when this side's NAT maps per destination, and a
 * peer behind any NAT reaches it. The mapping lives as long as the session and is deleted when it closes.
 */
final class SessionPortMapping {
  /** Above every STUN-learnt candidate: only this one is reachable unsolicited. */
  private static final int LOCAL_PREFERENCE = 65535;

  private final SessionContext ctx;
  private PortMapping mapping;
  private boolean closed;

  SessionPortMapping(SessionContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Maps {@code port}; the candidate goes to {@code onCandidate}. The future tells gathering how long to
   * wait: until the gateway answered when it is known to map (it answers within a LAN round trip), not at
   * all when it is not known yet (the first sessions while the peer's probe runs: a mapping that comes
   * before {@code gatheringOver} is still offered) or known not to.
   */
  Future<Void> start(int port, int component, Handler<Candidate> onCandidate, BooleanSupplier gatheringOver) {
    PortMapper mapper = ctx.portMapper();
    if (mapper == null || mapper.known() && mapper.protocol() == null) {
      return Future.succeededFuture();
    }
    boolean wait = mapper.known();
    Future<Void> done = mapper.map(port).transform(ar -> {
      if (ar.failed()) {
        ctx.mark("port mapping failed", ar.cause().getMessage());
        return Future.succeededFuture();
      }
      PortMapping m = ar.result();
      if (closed || gatheringOver.getAsBoolean()) {
        m.close();
        ctx.mark("port mapping dropped", m.describe() + ": it came after gathering ended");
        return Future.succeededFuture();
      }
      mapping = m;
      ctx.mark("port mapped", m.describe());
      onCandidate.handle(Candidate.serverReflexive(m.external(), m.base(), mapper.gateway().getAddress(),
          LOCAL_PREFERENCE, component));
      return Future.succeededFuture();
    });
    return wait ? done : Future.succeededFuture();
  }

  /** Deletes the mapping on the gateway. */
  Future<Void> close() {
    closed = true;
    return mapping == null ? Future.succeededFuture() : mapping.close();
  }
}
