package io.p2pquic.node;

import io.p2pquic.natlab.cli.LabCommand;
import picocli.CommandLine;

/**
 * Entry point of the fat jar. Logging is configured before anything logs (so {@code --log-format json}
 * applies to the first line), then picocli runs the command. Exit codes: 0 success, 1 failure at run
 * time, 2 bad usage or configuration.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (tests call this instead of main). */
  public static int run(String... args) {
    return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
  }

  /** As {@link #run(String...)} with the command's output and errors captured (for tests). */
  static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    String badLogging = Logging.configure(args);
    if (badLogging != null) {
      err.println("error: " + badLogging);
      err.flush();
      return ExitCodes.CONFIG;
    }
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NodeCommand())
        .addSubcommand(new RendezvousCommand())
        .addSubcommand(new PeerCommand())
        .addSubcommand(new ConnectCommand())
        .addSubcommand(new ExposeCommand())
        .addSubcommand(new ForwardCommand())
        .addSubcommand(new PipeCommand())
        .addSubcommand(new StatusCommand())
        .addSubcommand(new PingCommand())
        .addSubcommand(new NatCheckCommand())
        .addSubcommand(new RelayTokenCommand())
        .addSubcommand(new DemoCommand())
        .addSubcommand("lab", new LabCommand());
    // The report needs the node (rendezvous, peers, connect), so it joins natlab's lab command here.
    cli.getSubcommands().get("lab").addSubcommand(new io.p2pquic.node.report.LabReportCommand());
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof ConfigException) {
        commandLine.getErr().println("configuration error: " + ex.getMessage());
        return ExitCodes.CONFIG;
      }
      commandLine.getErr().println("error: " + ex.getMessage());
      org.slf4j.LoggerFactory.getLogger(Main.class).debug("failure", ex);
      return ExitCodes.FAILURE;
    });
    // Descriptions are paragraphs, wrapped to the terminal's width (80 columns when not a terminal).
    cli.setUsageHelpAutoWidth(true);
    return cli;
  }
}
