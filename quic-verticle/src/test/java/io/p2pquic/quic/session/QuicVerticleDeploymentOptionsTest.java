package io.p2pquic.quic.session;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quic-verticle deployed by class name with a {@link QuicVerticleConfig} as the {@link DeploymentOptions}
 * config: it makes (or loads) the key file it is given and serves that peer's adopt address.
 */
class QuicVerticleDeploymentOptionsTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final TestVertx testVertx = TestVertx.perTest();
  private final Vertx vertx = testVertx.vertx();

  @Test
  void deployedByClassNameItCreatesTheIdentityAndServesItsPeer() throws Exception {
    Path key = dir.resolve("peer-identity.json");
    JsonObject config = new JsonObject().put("identity", key.toString()).put("echo", true)
        .put("quic", new JsonObject().put("idleTimeoutMs", 20_000));
    await(vertx.deployVerticle("io.p2pquic.quic.session.QuicVerticle", new DeploymentOptions().setConfig(config)));

    assertThat(key).exists();
    PeerIdentity identity = PeerIdentity.load(key);
    // The adopt address of that peer id is served: it answers (no punched path for an unknown session).
    assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.quicAdopt(identity.peerId()),
            new JsonObject().put("sessionId", "no-such-session"))))
        .rootCause().isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(404))
        .hasMessageContaining("no punched path");
  }

  @Test
  void theNoArgConstructorLoadsAnExistingKeyFile() throws Exception {
    Path key = dir.resolve("existing.json");
    PeerIdentity existing = PeerIdentity.generate();
    existing.save(key);
    QuicVerticle quic = new QuicVerticle();
    await(vertx.deployVerticle(quic, new DeploymentOptions().setConfig(new JsonObject().put("identity", key.toString()))));
    assertThat(quic.peerId()).isEqualTo(existing.peerId());
  }

  @Test
  void anUnknownKeyFailsTheDeploymentNamingIt() {
    JsonObject config = new JsonObject().put("identity", dir.resolve("x.json").toString())
        .put("quic", new JsonObject().put("idleTimeout", 5_000));
    assertThatThrownBy(() -> await(vertx.deployVerticle("io.p2pquic.quic.session.QuicVerticle",
            new DeploymentOptions().setConfig(config))))
        .hasMessageContaining("quic.idleTimeout is not a known key");
    assertThat(dir.resolve("x.json")).as("nothing made before the config was read").doesNotExist();
  }
}
