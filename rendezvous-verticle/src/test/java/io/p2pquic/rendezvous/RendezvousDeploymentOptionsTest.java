package io.p2pquic.rendezvous;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rendezvous deployed the way Vert.x users expect: by class name (or no-arg constructor) with its
 * {@code conf/rendezvous.json} content as the {@link DeploymentOptions} config, strict as the file is.
 */
class RendezvousDeploymentOptionsTest {
  @RegisterExtension
  final TestVertx testVertx = TestVertx.perTest();
  private final Vertx vertx = testVertx.vertx();

  private static JsonObject loopbackConfig(int httpPort) {
    return new JsonObject().put("bind", "127.0.0.1").put("http", new JsonObject().put("port", httpPort))
        .put("stun", new JsonObject().put("port", 0)).put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", -1));
  }

  @Test
  void deployedByClassNameItServesTheConfiguredPort() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String id = await(vertx.deployVerticle("io.p2pquic.rendezvous.RendezvousVerticle",
        new DeploymentOptions().setConfig(loopbackConfig(port))));
    assertThat(id).isNotBlank();

    JsonObject health = await(vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/health")
        .compose(req -> req.send()).compose(resp -> resp.body()).map(b -> b.toJsonObject()));
    assertThat(health.getString("status")).isEqualTo("up");
    await(vertx.undeploy(id));
  }

  @Test
  void theNoArgConstructorReadsTheDeploymentConfig() throws Exception {
    RendezvousVerticle rendezvous = new RendezvousVerticle();
    await(vertx.deployVerticle(rendezvous, new DeploymentOptions().setConfig(loopbackConfig(0))));
    assertThat(rendezvous.httpPort()).isPositive();
    assertThat(rendezvous.turn()).as("turn.enabled false in the config").isNull();
  }

  @Test
  void anUnknownKeyFailsTheDeploymentNamingIt() {
    JsonObject config = loopbackConfig(0);
    config.getJsonObject("stun").put("prot", 3478);
    assertThatThrownBy(() -> await(vertx.deployVerticle("io.p2pquic.rendezvous.RendezvousVerticle",
            new DeploymentOptions().setConfig(config))))
        .hasMessageContaining("stun.prot is not a known key");
  }
}
