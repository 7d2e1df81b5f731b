package io.p2pquic.examples;

import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.PuncherVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A peer in your own Vert.x: a PuncherVerticle (identity, registration, hole punching) and a QuicVerticle
 * (QUIC on the punched socket, the session addresses) on one key file, both deployed with a JSON config,
 * the way docs/api.md ("Deploying the verticles yourself") describes.
 */
public final class ExamplePeer {
  private ExamplePeer() {}

  /**
   * A {@code conf/peer.json}-shaped config from the usual command-line choices. The keys are checked strictly
   * at deployment: a misspelt one fails it with its name.
   *
   * @param base a peer.json's content to start from (e.g. {@code --config FILE}), or null
   * @param stun {@code HOST:PORT} of the rendezvous's STUN server, or null for the rendezvous host on 3478
   * @param includeLoopback offer 127.0.0.1 candidates too, IPv4 only (both peers on one machine, tests: fewer
   *     pairs to check)
   */
  public static JsonObject config(JsonObject base, String rendezvous, String identityFile, String stun,
      boolean includeLoopback) {
    JsonObject peer = base == null ? new JsonObject() : base.copy();
    peer.put("rendezvous", rendezvous).put("identity", identityFile);
    JsonObject gathering = peer.getJsonObject("gathering", new JsonObject());
    if (stun != null) {
      gathering.put("stunServers", new JsonArray().add(stun));
    }
    if (includeLoopback) {
      gathering.put("includeLoopback", true).put("ipv6", false);
    }
    return peer.put("gathering", gathering);
  }

  /** Reads a peer.json file (blocking: call it before Vert.x runs, or from a worker). */
  public static JsonObject readConfig(Path file) throws java.io.IOException {
    return new JsonObject(Files.readString(file));
  }

  /**
   * Deploys the two verticles of one peer and completes with its peer id once it is registered at the
   * rendezvous and serves its event-bus addresses.
   *
   * @param echo the quic-verticle sends back every byte it receives (as {@code p2p-node peer --echo})
   */
  public static Future<PeerId> deploy(Vertx vertx, JsonObject peerConfig, boolean echo) {
    // An instance rather than the class name only because we want peerId() afterwards; by name works the same:
    // vertx.deployVerticle("io.p2pquic.puncher.PuncherVerticle", new DeploymentOptions().setConfig(peerConfig))
    PuncherVerticle puncher = new PuncherVerticle();
    JsonObject quic = new JsonObject()
        .put("identity", peerConfig.getString("identity"))   // same key file: the puncher created it if new
        .put("echo", echo);
    if (peerConfig.containsKey("quic")) {
      quic.put("quic", peerConfig.getJsonObject("quic"));
    }
    return vertx.deployVerticle(puncher, new DeploymentOptions().setConfig(peerConfig))
        .compose(id -> vertx.deployVerticle("io.p2pquic.quic.session.QuicVerticle",
            new DeploymentOptions().setConfig(quic)))
        .map(id -> puncher.peerId());
  }
}
