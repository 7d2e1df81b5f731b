package io.p2pquic.node;

import io.p2pquic.puncher.PeerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of the commands that talk to the running local peer's control endpoint ({@code status},
 * {@code ping}): where to find it, by flag or from the peer's configuration.
 */
final class LocalPeerControlOptions {
  @Option(names = "--control-port", paramLabel = "N", defaultValue = "${env:P2P_CONTROL_PORT}",
      description = "The local peer's control port (default: control.port of conf/peer.json, 8790).")
  Integer controlPort;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration (default: conf/peer.json).")
  Path config;

  /** The control port: {@code --control-port} when given, else control.port of the peer's configuration. */
  int port() {
    if (controlPort != null) {
      return controlPort;
    }
    try {
      return PeerConfig.fromJson(ConfigFiles.load("peer", config)).controlPort();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
