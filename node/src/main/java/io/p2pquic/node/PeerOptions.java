package io.p2pquic.node;

import io.p2pquic.puncher.PeerConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every peer-side command shares (picocli mixin), resolved into a {@link PeerConfig}. */
final class PeerOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration (default: conf/peer.json).")
  Path config;

  @Option(names = "--rendezvous", paramLabel = "ws://HOST:PORT/signal", defaultValue = "${env:P2P_RENDEZVOUS}",
      description = "Signalling endpoint of a rendezvous node (env P2P_RENDEZVOUS).")
  String rendezvous;

  @Option(names = "--stun", paramLabel = "HOST:PORT", split = ",", defaultValue = "${env:P2P_STUN}",
      description = "STUN server(s) for server-reflexive candidates (repeatable or comma-separated; env P2P_STUN).")
  List<String> stun;

  @Option(names = "--port", paramLabel = "N", description = "Local UDP port of each session's socket (default: any).")
  Integer port;

  @Option(names = "--relay-token", paramLabel = "TOKEN", defaultValue = "${env:P2P_RELAY_TOKEN}",
      description = "Relay grant token from the rendezvous operator (p2p-node relay-token; signalling.grantToken; "
          + "env P2P_RELAY_TOKEN): a closed relay serves this peer.")
  String relayToken;

  @Option(names = "--include-loopback", description = "Offer loopback addresses as host candidates (same-machine tests).")
  boolean includeLoopback;

  PeerConfig resolve(String identity) {
    return resolve(identity, null);
  }

  /** @param cluster {@code --cluster} (or P2P_CLUSTER) when the command has it; null keeps the file's value */
  PeerConfig resolve(String identity, Boolean cluster) {
    return resolve(identity, cluster, j -> j);
  }

  /** As {@link #resolve(String, Boolean)} with a command's own flags applied to the JSON last. */
  PeerConfig resolve(String identity, Boolean cluster, java.util.function.UnaryOperator<JsonObject> commandFlags) {
    JsonObject json = ConfigFiles.load("peer", config);
    if (cluster != null) json = ConfigFiles.with(json, "cluster", cluster);
    if (rendezvous != null) json = ConfigFiles.with(json, "rendezvous", rendezvous);
    if (identity != null) json = ConfigFiles.with(json, "identity", identity);
    if (stun != null && !stun.isEmpty()) json = ConfigFiles.with(json, "gathering.stunServers", new JsonArray(stun));
    if (port != null) json = ConfigFiles.with(json, "gathering.port", port);
    if (includeLoopback) json = ConfigFiles.with(json, "gathering.includeLoopback", true);
    if (relayToken != null) json = ConfigFiles.with(json, "signalling.grantToken", relayToken);
    json = commandFlags.apply(json);
    try {
      return PeerConfig.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
