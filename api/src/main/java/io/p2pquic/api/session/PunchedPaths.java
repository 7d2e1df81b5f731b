package io.p2pquic.api.session;

import io.p2pquic.identity.PeerId;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/** The node-local registry of {@link PunchedPath}s and {@link PunchedStream}s between puncher and quic-verticle. */
public final class PunchedPaths {
  private static final String MAP = "p2p.punched-paths";

  private PunchedPaths() {}

  /** Both ends of a session share its id, and one JVM may hold both: the key names the local peer too. */
  public static void put(Vertx vertx, PeerId local, PunchedPath path) {
    map(vertx).put(key(local, path.sessionId()), path);
  }

  /** Removes and returns the path of a session, or null (each path is adopted once). */
  public static PunchedPath take(Vertx vertx, PeerId local, String sessionId) {
    return map(vertx).remove(key(local, sessionId));
  }

  public static void putStream(Vertx vertx, PeerId local, PunchedStream stream) {
    vertx.sharedData().<String, PunchedStream>getLocalMap(MAP + ".tcp").put(key(local, stream.sessionId()), stream);
  }

  /** Removes and returns the TCP connection of a session, or null. */
  public static PunchedStream takeStream(Vertx vertx, PeerId local, String sessionId) {
    return vertx.sharedData().<String, PunchedStream>getLocalMap(MAP + ".tcp").remove(key(local, sessionId));
  }

  private static String key(PeerId local, String sessionId) {
    return local.value() + "/" + sessionId;
  }

  private static LocalMap<String, PunchedPath> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
