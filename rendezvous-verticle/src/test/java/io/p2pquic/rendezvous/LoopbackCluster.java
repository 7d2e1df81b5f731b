package io.p2pquic.rendezvous;

import static io.p2pquic.testsupport.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clustered Vert.x instances on loopback for the cluster tests, built from the repository's
 * conf/cluster.xml (so the shipped file is what is tested) with a cluster name and member list of the
 * test's own. Closing it closes every instance it made.
 */
public final class LoopbackCluster implements AutoCloseable {
  /** The cluster managers, in join order (tests terminate one to simulate a crashed node). */
  public final List<HazelcastClusterManager> managers = new ArrayList<>();
  /** The Vert.x instances, in join order. */
  public final List<Vertx> vertxes = new ArrayList<>();

  /** A clustered Vert.x whose Hazelcast listens on {@code port} and joins {@code members} (loopback ports). */
  public Vertx join(String clusterName, int port, int... members) {
    Path xml = Path.of("..", "conf", "cluster.xml");
    assertThat(Files.exists(xml)).as("repository conf/cluster.xml").isTrue();
    Config hz;
    try {
      hz = new XmlConfigBuilder(xml.toString()).build();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    hz.setClusterName(clusterName);
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getTcpIpConfig().getMembers().clear();
    for (int m : members) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + m);
    }
    HazelcastClusterManager mgr = new HazelcastClusterManager(hz);
    managers.add(mgr);
    Vertx vertx = result(Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(mgr)
        .buildClustered(), Duration.ofSeconds(60));
    vertxes.add(vertx);
    return vertx;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (Vertx v : vertxes) {
      try {
        result(v.close(), Duration.ofSeconds(30));
      } catch (AssertionError e) {
        System.err.println("close failed: " + e);
      }
    }
  }
}
