package io.p2pquic.node;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "p2p-node",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Direct, encrypted QUIC connections between programs behind NATs, with a relay when no direct path exists.",
      "",
      "A public rendezvous node answers STUN, relays signalling and relays traffic (TURN) when no direct path "
          + "exists; peers register with it, find each other, gather candidates and punch through their NATs.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node demo                                    everything in one process on loopback",
      "  p2p-node rendezvous --stun-port 3478 --http-port 8088",
      "  p2p-node peer --rendezvous ws://rendezvous.example:8088/signal",
      "  p2p-node nat-check --stun stun.example:3478 --json",
      "  p2p-node lab up --peers a=port-restricted,b=symmetric   (root: NAT lab in network namespaces)",
      "",
      "Configuration: conf/<command>.json in the working directory (or the copy inside the jar), overridden by "
          + "P2P_* environment variables, overridden by flags. Exit codes: 0 ok, 1 failure, 2 bad usage or "
          + "configuration.",
    })
final class NodeCommand implements Runnable {
  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Log line format; json writes one JSON object per line (env P2P_LOG_FORMAT). Default: text.")
  String logFormat;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "error, warn, info, debug or trace (env P2P_LOG_LEVEL). Default: info.")
  String logLevel;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
