package io.p2pquic.puncher.stun;

import static io.p2pquic.puncher.stun.TestSupport.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.vertx.core.Vertx;

/** Starts the project's real STUN server (rendezvous-verticle) on loopback for client tests. */
public final class RealStunServer {
  private RealStunServer() {}

  /** UDP and TCP on 127.0.0.1, ephemeral port, no alternate address. */
  public static StunServer plain(Vertx vertx) throws Exception {
    StunServer s = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0), new SimpleMeterRegistry());
    await(s.start());
    return s;
  }

  /** RFC 5780: 127.0.0.1 and 127.0.0.2, ports P and P+1 (UDP only). */
  public static StunServer rfc5780(Vertx vertx) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = TestSupport.freeUdpPortPair("127.0.0.1", "127.0.0.2");
      StunServer s = new StunServer(
          vertx,
          new StunServerConfig().setBind("127.0.0.1").setPort(port).setAlternateAddress("127.0.0.2").setTcp(false),
          new SimpleMeterRegistry());
      try {
        await(s.start());
        return s;
      } catch (Exception e) {
        last = e; // port taken between the probe and the bind: try another
      }
    }
    throw last;
  }
}
