package io.p2pquic.natlab.cli;

import io.p2pquic.natlab.LabException;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.PeerListParser;
import io.p2pquic.natlab.PeerSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code p2p-node lab up|down|status}: a NAT lab from the command line. The launcher adds this as a
 * subcommand; {@link #main} runs it alone.
 */
@Command(name = "lab",
    mixinStandardHelpOptions = true,
    subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class},
    description = {
        "A NAT lab in Linux network namespaces (root): NAT routers with hosts behind them, and a public server.",
        "The lab has an internet bridge, a public server with two addresses (203.0.113.10 and .11), and per "
            + "peer a NAT router and a host behind it.",
        "Needs root, iproute2, nftables and python3 (delay forwarder). The lab stays up between "
            + "commands; its state is kept in a JSON file (--state-file)."},
    footer = {"",
        "Examples:",
        "  p2p-node lab up --peers a=port-restricted,b=symmetric --delay 20",
        "  ip netns exec \"$(p2p-node lab status --host a)\" python3 -m http.server   # run on host a",
        "  p2p-node lab status",
        "  p2p-node lab down"})
public class LabCommand implements Callable<Integer> {

  /** Where {@code up} records the lab so {@code down} and {@code status} find it. */
  public static final String DEFAULT_STATE_FILE = "/tmp/p2p-natlab.json";

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LabCommand()).execute(args));
  }

  @Command(name = "up", mixinStandardHelpOptions = true,
      description = {"Creates a lab and leaves it running (forwarders detached from this process).",
          "Prints the namespaces and addresses; run programs inside with "
              + "'ip netns exec <namespace> <command>'."},
      footer = {"",
          "NAT behaviours: none, full-cone, address-restricted, port-restricted, symmetric.",
          "Per-peer values: --delay 20 applies to every peer; --delay a=20,b=5 to the peers named.",
          "",
          "Examples:",
          "  p2p-node lab up --peers a=port-restricted,b=symmetric",
          "  p2p-node lab up --peers a=full-cone,b=symmetric --delay a=20 --jitter a=5",
          "  p2p-node lab up --peers a,b --loss 1 --udp-timeout 30",
          "  p2p-node lab up --peers a=symmetric --state-file /tmp/lab2.json"})
  public static class Up implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--peers", paramLabel = "NAME=NAT[,NAME=NAT...]",
        defaultValue = "a=port-restricted,b=port-restricted",
        description = "Peers and the NAT behaviour of each router (default: ${DEFAULT-VALUE}).")
    String peers;

    @Option(names = "--delay", paramLabel = "MS|NAME=MS,...",
        description = "One-way delay on the router's WAN, each direction (adds 2x to a round trip).")
    String delay;

    @Option(names = "--jitter", paramLabel = "MS|NAME=MS,...",
        description = "Extra uniform random delay 0..MS per frame, order preserved.")
    String jitter;

    @Option(names = "--loss", paramLabel = "PCT|NAME=PCT,...",
        description = "Random loss in percent on the router's WAN, each direction.")
    String loss;

    @Option(names = "--udp-timeout", paramLabel = "S|NAME=S,...",
        description = "Conntrack UDP timeout on the router (how long an idle mapping lives).")
    String udpTimeout;

    @Option(names = "--state-file", paramLabel = "PATH", defaultValue = DEFAULT_STATE_FILE,
        description = "Where to record the lab for down/status (default: ${DEFAULT-VALUE}).")
    Path stateFile;

    @Option(names = "--replace",
        description = "Tear down the lab recorded in the state file first, if any.")
    boolean replace;

    /** The lab this invocation describes (nothing created). */
    List<PeerSpec> specs() {
      return PeerListParser.parse(peers, delay, jitter, loss, udpTimeout);
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<PeerSpec> specs;
      try {
        specs = specs();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      if (Files.exists(stateFile)) {
        NatLab old = NatLab.attach(stateFile);
        if (old.isAlive() && !replace) {
          err.println("A lab is already up (" + old.prefix() + ", recorded in " + stateFile
              + "). Run 'p2p-node lab down' first, use --replace, or another --state-file.");
          return 1;
        }
        old.close();
        deleteQuietly(stateFile);
      }
      var prerequisites = NatLab.prerequisites();
      if (!prerequisites.satisfied()) {
        err.println(prerequisites.describe());
        return 1;
      }
      NatLab lab = NatLab.builder().peers(specs).detached(true).build();
      try {
        lab.up();
      } catch (LabException e) {
        err.println("lab up failed (everything created was removed): " + e.getMessage());
        return 1;
      }
      try {
        lab.writeState(stateFile);
      } catch (LabException e) {
        lab.close();
        err.println(e.getMessage());
        return 1;
      }
      out.print(lab.describe());
      out.println("State: " + stateFile);
      out.println("Run inside a namespace: ip netns exec " + lab.hostNamespace(specs.get(0).name())
          + " <command>");
      out.flush();
      return 0;
    }
  }

  @Command(name = "down", mixinStandardHelpOptions = true,
      description = "Tears down the lab recorded in the state file: kills its forwarders and "
          + "any process left inside, deletes its namespaces and the state file.",
      footer = {"", "Examples:", "  p2p-node lab down", "  p2p-node lab down --state-file /tmp/lab2.json",
          "  p2p-node lab down --stale    # also remove labs whose owner (a test JVM) has died"})
  public static class Down implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--state-file", paramLabel = "PATH", defaultValue = DEFAULT_STATE_FILE,
        description = "The lab's state file (default: ${DEFAULT-VALUE}).")
    Path stateFile;

    @Option(names = "--stale",
        description = "Also delete namespaces of stale labs left by crashed test runs.")
    boolean stale;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (Files.exists(stateFile)) {
        NatLab lab = NatLab.attach(stateFile);
        lab.close();
        deleteQuietly(stateFile);
        out.println("NAT lab " + lab.prefix() + " torn down.");
      } else {
        out.println("No lab recorded in " + stateFile + "; nothing to tear down.");
      }
      if (stale) {
        List<String> removed = NatLab.cleanupStale();
        out.println(removed.isEmpty() ? "No stale labs."
            : "Removed stale namespaces: " + String.join(" ", removed));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Shows the lab recorded in the state file: namespaces, addresses, NAT "
          + "behaviours, link conditions, forwarder pids, and whether each is alive.",
          "Exit code 0 when everything is up, 1 when there is no lab or part of it is gone."},
      footer = {"", "Examples:", "  p2p-node lab status", "  p2p-node lab status --host a   "
          + "# print only peer a's host namespace (for ip netns exec)"})
  public static class Status implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--state-file", paramLabel = "PATH", defaultValue = DEFAULT_STATE_FILE,
        description = "The lab's state file (default: ${DEFAULT-VALUE}).")
    Path stateFile;

    @Option(names = "--host", paramLabel = "PEER",
        description = "Print only the host namespace of this peer.")
    String host;

    @Option(names = "--router", paramLabel = "PEER",
        description = "Print only the router namespace of this peer.")
    String router;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (!Files.exists(stateFile)) {
        err.println("No lab recorded in " + stateFile + " (start one with 'p2p-node lab up').");
        return 1;
      }
      NatLab lab = NatLab.attach(stateFile);
      try {
        if (host != null) {
          out.println(lab.hostNamespace(host));
        } else if (router != null) {
          out.println(lab.routerNamespace(router));
        } else {
          out.print(lab.describe());
          out.println("State: " + stateFile);
        }
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        return 1;
      }
      out.flush();
      return lab.isAlive() ? 0 : 1;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a leftover state file is recognised as dead next time
    }
  }
}
