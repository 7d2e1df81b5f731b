package io.p2pquic.api.session;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/** The node-local registry of {@link PunchedPath}s between puncher and quic-verticle. */
public final class PunchedPaths {
  private static final String MAP = "p2p.punched-paths";

  private PunchedPaths() {}

  public static void put(Vertx vertx, PunchedPath path) {
    map(vertx).put(path.sessionId(), path);
  }

  /** Removes and returns the path of a session, or null (each path is adopted once). */
  public static PunchedPath take(Vertx vertx, String sessionId) {
    return map(vertx).remove(sessionId);
  }

  private static LocalMap<String, PunchedPath> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
