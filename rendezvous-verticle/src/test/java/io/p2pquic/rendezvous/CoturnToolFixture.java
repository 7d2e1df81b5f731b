package io.p2pquic.rendezvous;

import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.testsupport.Await;
import io.p2pquic.testsupport.RealPeers;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/**
 * The fixture of the interop tests that run one of coturn's command-line tools (a client nobody here
 * wrote) against our server: the tool must be installed, each test gets its own Vert.x and server, and
 * both are stopped after it.
 */
public abstract class CoturnToolFixture {
  protected Vertx vertx;
  protected StunServer server;

  /** Skips the test (fails it under CI) when {@code tool} is not installed, then makes {@link #vertx}. */
  protected void requireToolAndStartVertx(Path tool) {
    RealPeers.require(Files.isExecutable(tool), tool + " not installed (apt-get install coturn; .ci/run installs it)");
    vertx = Vertx.vertx();
  }

  /** Stops the server the test started, if any, then Vert.x. */
  @AfterEach
  protected void stopServerAndVertx() throws Exception {
    if (server != null) {
      Await.await(server.stop());
    }
    if (vertx != null) {
      Await.await(vertx.close());
    }
  }
}
