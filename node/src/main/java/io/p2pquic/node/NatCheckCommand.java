package io.p2pquic.node;

import io.p2pquic.puncher.nat.NatBehavior;
import io.p2pquic.puncher.nat.NatCheck;
import io.p2pquic.puncher.nat.NatCheckOptions;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "nat-check",
    mixinStandardHelpOptions = true,
    description = {
      "Classify this host's NAT (RFC 5780): how it maps and how it filters.",
      "Mapping and filtering are each endpoint-independent, address-dependent or address-and-port-dependent; "
          + "the result is printed in plain words or JSON. Needs a STUN server started with an alternate "
          + "address (p2p-node rendezvous --bind ADDR --alt-address ADDR2).",
    },
    footer = {"", "Example:", "  p2p-node nat-check --stun 203.0.113.10:3478 --json"})
final class NatCheckCommand implements Callable<Integer> {
  @Option(names = "--stun", required = true, paramLabel = "HOST:PORT", defaultValue = "${env:P2P_STUN}",
      description = "RFC 5780 STUN server (port defaults to 3478; env P2P_STUN).")
  String stun;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Option(names = "--local", paramLabel = "IP", description = "Local address to send from (default: the system's choice).")
  String local;

  @Option(names = "--rto", paramLabel = "MS", description = "First retransmission timeout of each probe (default 150 ms; raise it on slow "
      + "links).")
  Long rtoMillis;

  @Option(names = "--tries", paramLabel = "N", description = "Requests per probe before it counts as unanswered (default 4).")
  Integer tries;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Vertx vertx = NodeRuntime.vertx();
    try {
      NatCheckOptions options = new NatCheckOptions();
      if (local != null) {
        options.setLocalAddress(local);
      }
      if (rtoMillis != null || tries != null) {
        RetransmitPolicy p = options.retransmit();
        options.setRetransmit(RetransmitPolicy.of(
            rtoMillis != null ? rtoMillis : p.initialRto().toMillis(),
            tries != null ? tries : p.maxRequests(),
            p.lastWaitMultiplier()));
      }
      NatBehavior result = NodeRuntime.await(
          NatCheck.run(vertx, stun, options), Duration.ofSeconds(60), "checking the NAT");
      spec.commandLine().getOut().println(NatCheck.render(result, json));
      spec.commandLine().getOut().flush();
      return result.classified() ? ExitCodes.OK : ExitCodes.FAILURE;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--stun " + stun + ": " + e.getMessage(), e);
    } finally {
      vertx.close();
    }
  }
}
