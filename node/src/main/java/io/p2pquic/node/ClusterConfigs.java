package io.p2pquic.node;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hazelcast configuration a node joins the cluster with: the operator's XML (conf/cluster.xml),
 * the structures Vert.x needs, and three rules that the XML cannot loosen:
 * <ul>
 *   <li>members listen only on the configured interfaces ({@code hazelcast.socket.bind.any=false});
 *       Hazelcast's default binds every address of the host;
 *   <li>only members are served: the member endpoint alone (advanced network), so the Hazelcast client
 *       protocol, which read and wrote the registry and relay maps with nothing but the cluster name,
 *       is not offered at all;
 *   <li>with a cluster secret ({@code P2P_CLUSTER_SECRET_FILE}) the cluster name is derived from it, so
 *       a member that does not know the secret cannot join. Hazelcast's open-source edition has no
 *       member authentication or TLS: the name travels in the clear, so the cluster network itself
 *       must be private (docs/security.md).
 * </ul>
 */
final class ClusterConfigs {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterConfigs.class);
  static final String SECRET_FILE_ENV = "P2P_CLUSTER_SECRET_FILE";

  private ClusterConfigs() {}

  /** @param secret the cluster secret (trimmed file content), or null */
  static Config build(String xml, String secret) {
    Config hz = ConfigUtil.loadConfig(); // defaults Vert.x needs (maps, locks) ...
    Config config = new com.hazelcast.config.XmlConfigBuilder(
        new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).build(); // ... ours wins for the rest
    config.getMapConfigs().putAll(hz.getMapConfigs());
    config.getMultiMapConfigs().putAll(hz.getMultiMapConfigs());
    config.setProperty("hazelcast.socket.bind.any", "false");
    membersOnly(config);
    if (secret != null) {
      config.setClusterName(config.getClusterName() + "-" + derive(secret));
    } else {
      LOG.warn("cluster: no {} set: any host that reaches the cluster port and knows the cluster name can join"
          + " as a member; give every node the same secret file", SECRET_FILE_ENV);
    }
    return config;
  }

  /** The secret from {@code P2P_CLUSTER_SECRET_FILE}, or null when unset. */
  static String secretFromEnvironment() {
    String file = System.getenv(SECRET_FILE_ENV);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      String s = Files.readString(Path.of(file)).trim();
      String exposed = io.p2pquic.api.config.SecretFiles.exposure(Path.of(file));
      if (exposed != null) {
        LOG.warn("cluster secret: {}", exposed);
      }
      if (s.length() < 16) {
        throw new ConfigException(SECRET_FILE_ENV + " " + file + ": the secret must be at least 16 characters");
      }
      return s;
    } catch (IOException e) {
      throw new ConfigException(SECRET_FILE_ENV + " " + file + ": " + e.getMessage(), e);
    }
  }

  /** The member endpoint of the advanced network, built from the plain network section. */
  private static void membersOnly(Config config) {
    AdvancedNetworkConfig advanced = config.getAdvancedNetworkConfig();
    if (advanced.isEnabled()) {
      advanced.getEndpointConfigs().keySet().removeIf(q -> q.getType() != com.hazelcast.instance.ProtocolType.MEMBER);
      return;
    }
    NetworkConfig network = config.getNetworkConfig();
    ServerSocketEndpointConfig member = new ServerSocketEndpointConfig()
        .setPort(network.getPort())
        .setPortAutoIncrement(network.isPortAutoIncrement())
        .setPortCount(network.getPortCount())
        .setInterfaces(network.getInterfaces())
        .setReuseAddress(network.isReuseAddress());
    if (network.getPublicAddress() != null) {
      member.setPublicAddress(network.getPublicAddress());
    }
    advanced.setEnabled(true).setJoin(network.getJoin()).setMemberEndpointConfig(member);
  }

  private static String derive(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] d = mac.doFinal("p2p-quic hazelcast cluster name".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
