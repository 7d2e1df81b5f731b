package io.p2pquic.examples;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * A rendezvous on loopback in its own Vert.x, deployed by class name with the JSON of conf/rendezvous.json
 * (as {@code p2p-node rendezvous --bind 127.0.0.1} would run it): what the examples' tests connect to.
 */
final class LoopbackRendezvous implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  final int httpPort;
  final int stunPort;

  LoopbackRendezvous() throws IOException {
    int[] ports = freePorts(2);
    httpPort = ports[0];
    stunPort = ports[1];
    JsonObject config = new JsonObject().put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", httpPort))
        .put("stun", new JsonObject().put("port", stunPort))
        .put("turn", new JsonObject().put("enabled", false))        // both peers are on loopback: no relay needed
        .put("signalling", new JsonObject().put("quicPort", -1));
    vertx.deployVerticle("io.p2pquic.rendezvous.RendezvousVerticle", new DeploymentOptions().setConfig(config)).await();
  }

  String signalling() {
    return "ws://127.0.0.1:" + httpPort + "/signal";
  }

  String stun() {
    return "127.0.0.1:" + stunPort;
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** Distinct free TCP ports on 127.0.0.1 (the STUN port is UDP and TCP; a free TCP port is free enough here). */
  static int[] freePorts(int n) throws IOException {
    Set<Integer> ports = new HashSet<>();
    while (ports.size() < n) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        ports.add(s.getLocalPort());
      }
    }
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }
}
