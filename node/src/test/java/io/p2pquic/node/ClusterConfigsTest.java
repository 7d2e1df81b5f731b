package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: with the shipped cluster.xml a member listened on every interface, and a Hazelcast client
 * that knew only the default cluster name read the registry and injected a fake relay.
 */
class ClusterConfigsTest {
  private final List<HazelcastInstance> members = new java.util.ArrayList<>();

  @AfterEach
  void down() {
    members.forEach(HazelcastInstance::shutdown);
  }

  private static String xml(int port) throws Exception {
    String shipped = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("../conf/cluster.xml")));
    return shipped.replace("<port auto-increment=\"true\" port-count=\"10\">5701</port>",
            "<port auto-increment=\"false\">" + port + "</port>")
        .replace("<member>127.0.0.1</member>", "<member>127.0.0.1:" + port + "</member>");
  }

  private HazelcastInstance member(Config c) {
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(c);
    members.add(hz);
    return hz;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aMemberListensOnlyOnTheConfiguredInterface() throws Exception {
    int port = freePort();
    member(ClusterConfigs.build(xml(port), null));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
    }
    List<InetAddress> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .toList();
    assertThat(others).as("this test needs a non-loopback address on the host").isNotEmpty();
    for (InetAddress a : others) {
      try (Socket s = new Socket()) {
        assertThatThrownBy(() -> s.connect(new InetSocketAddress(a, port), 2_000))
            .as("cluster port reachable on %s", a).isInstanceOf(java.io.IOException.class);
      }
    }
  }

  @Test
  void aHazelcastClientThatKnowsTheClusterNameIsNotServed() throws Exception {
    int port = freePort();
    Config config = ClusterConfigs.build(xml(port), null);
    member(config);
    ClientConfig client = new ClientConfig().setClusterName(config.getClusterName());
    client.getNetworkConfig().addAddress("127.0.0.1:" + port).setConnectionTimeout(2_000);
    client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(4_000);
    assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(client).shutdown())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aMemberWithoutTheClusterSecretDoesNotJoin() throws Exception {
    int port = freePort();
    int otherPort = freePort();
    String secret = "correct horse battery staple";
    HazelcastInstance a = member(ClusterConfigs.build(xml(port), secret));
    HazelcastInstance withSecret = member(ClusterConfigs.build(xml(otherPort)
        .replace("<member>127.0.0.1:" + otherPort + "</member>", "<member>127.0.0.1:" + port + "</member>"), secret));
    assertThat(a.getCluster().getMembers()).hasSize(2);
    int thirdPort = freePort();
    HazelcastInstance without = member(ClusterConfigs.build(xml(thirdPort)
        .replace("<member>127.0.0.1:" + thirdPort + "</member>", "<member>127.0.0.1:" + port + "</member>"), null));
    assertThat(without.getCluster().getMembers()).hasSize(1);
    assertThat(a.getCluster().getMembers()).hasSize(2);
    assertThat(withSecret.getConfig().getClusterName()).isEqualTo(a.getConfig().getClusterName())
        .startsWith("p2p-quic-").isNotEqualTo("p2p-quic");
  }
}
