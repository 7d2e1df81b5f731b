package io.p2pquic.node;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

/** The options of the commands whose peer stays up ({@code peer}, {@code expose}, {@code forward}). */
final class LongRunningPeerOptions {
  @Option(names = "--identity", paramLabel = "FILE", defaultValue = "${env:P2P_IDENTITY}",
      description = "Identity file (Ed25519 key pair, created with mode 0600 if missing; default p2p-identity.json).")
  String identity;

  @Option(names = "--control-port", paramLabel = "N", defaultValue = "${env:P2P_CONTROL_PORT}",
      description = "Local control endpoint port on 127.0.0.1 for status/ping/metrics (control.port, default 8790; 0 = off).")
  Integer controlPort;

  /** {@code json} with {@code --control-port} applied when given. */
  JsonObject apply(JsonObject json) {
    return controlPort == null ? json : ConfigFiles.with(json, "control.port", controlPort);
  }
}
