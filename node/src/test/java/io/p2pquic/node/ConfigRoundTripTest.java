package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/*.json are valid, and the config objects round-trip through JSON. */
class ConfigRoundTripTest {
  private static final Path CONF = Path.of("..", "conf");

  @Test
  void shippedRendezvousConfigParsesAndRoundTrips() throws Exception {
    RendezvousConfig c = RendezvousConfig.fromJson(new JsonObject(Files.readString(CONF.resolve("rendezvous.json"))));
    assertThat(c.stun().port()).isEqualTo(3478);
    assertThat(c.httpPort()).isEqualTo(8088);
    assertThat(c.cluster()).isFalse();
    assertThat(RendezvousConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }

  @Test
  void shippedPeerConfigParsesAndRoundTrips() throws Exception {
    PeerConfig c = PeerConfig.fromJson(new JsonObject(Files.readString(CONF.resolve("peer.json"))));
    assertThat(c.rendezvous().toString()).isEqualTo("ws://127.0.0.1:8088/signal");
    assertThat(c.gathering().stunServers()).containsExactly("127.0.0.1:3478");
    assertThat(PeerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
  }

  @Test
  void flagsOverrideTheFileAndEnvironmentStyleDefaults() {
    RendezvousCommand cmd = new RendezvousCommand();
    cmd.stunPort = 4000;
    cmd.httpPort = 0;
    cmd.bind = "127.0.0.1";
    cmd.altAddress = "127.0.0.2";
    RendezvousConfig c = cmd.resolve();
    assertThat(c.stun().port()).isEqualTo(4000);
    assertThat(c.stun().bind()).isEqualTo("127.0.0.1");
    assertThat(c.stun().alternateAddress()).isEqualTo("127.0.0.2");
    assertThat(c.stun().alternatePort()).isEqualTo(4001);
    assertThat(c.httpPort()).isZero();
  }

  @Test
  void turnSecretFileSetsTheSharedSecretsNewestFirst(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("turn-secret.txt");
    Files.writeString(f, "  new-secret  \n\nold-secret\n");
    RendezvousCommand cmd = new RendezvousCommand();
    cmd.turnSecretFile = f;
    assertThat(cmd.resolve().turn().authSecrets()).containsExactly("new-secret", "old-secret");
    Files.writeString(f, "\n  \n");
    assertThatThrownBy(cmd::resolve).isInstanceOf(ConfigException.class)
        .hasMessageContaining("is empty: put the TURN shared secret on its first line");
    cmd.turnSecretFile = f.resolveSibling("no-such-secret-file");
    assertThatThrownBy(cmd::resolve).isInstanceOf(ConfigException.class).hasMessageContaining("cannot be read");
  }

  @Test
  void adminTokenFileSetsTheOperatorToken(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("admin-token.txt");
    Files.writeString(f, "  3f9c1e0b7a5d2c48e6f1a9b0  \n");
    RendezvousCommand cmd = new RendezvousCommand();
    cmd.adminTokenFile = f;
    assertThat(cmd.resolve().admin().token()).isEqualTo("3f9c1e0b7a5d2c48e6f1a9b0");
    Files.writeString(f, "short\n");
    assertThatThrownBy(cmd::resolve).isInstanceOf(ConfigException.class).hasMessageContaining("admin.token");
    Files.writeString(f, "\n");
    assertThatThrownBy(cmd::resolve).isInstanceOf(ConfigException.class).hasMessageContaining("is empty");
  }
}
