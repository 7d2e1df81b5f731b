package io.p2pquic.node;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show the running local peer: its registration and every session with its path, RTT and bytes.",
      "Asks the control endpoint of the peer on this host (a 'peer', 'expose' or 'forward' process; HTTP on "
          + "127.0.0.1, control.port, default 8790): registration state, rendezvous, observed address, and per "
          + "session the remote peer, method, path (direct, or relayed and through which relay), RTT, bytes each "
          + "way and age. Exit 1 when no local peer answers.",
    },
    footer = {"", "Examples:", "  p2p-node status", "  p2p-node status --json --control-port 8791"})
final class StatusCommand implements Callable<Integer> {
  @Mixin LocalPeerControlOptions control;

  @Option(names = "--json", description = "Print the status document as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject s = new JsonObject(new ControlClient(control.port()).get("/status"));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(s.encodePrettily());
      out.flush();
      return ExitCodes.OK;
    }
    JsonObject sig = s.getJsonObject("signalling", new JsonObject());
    out.printf("peer %s%n", s.getString("peerId"));
    out.printf("  %s at %s%s%s%n", sig.getString("state"), sig.getString("rendezvous"),
        sig.containsKey("registeredAt") ? " since " + sig.getString("registeredAt") : "",
        sig.containsKey("observedAddress") ? ", observed " + sig.getString("observedAddress") : "");
    JsonObject nat = s.getJsonObject("nat", new JsonObject());
    out.printf("  NAT: %s%s%n", nat.getString("natType", "UNKNOWN"), nat.containsKey("mapping")
        ? " (mapping " + nat.getString("mapping") + ", filtering " + nat.getString("filtering") + ")"
        : nat.getString("reason") != null ? " (" + nat.getString("reason") + ")" : "");
    if (sig.containsKey("lastError")) {
      out.printf("  last error: %s (attempt %s)%n", sig.getString("lastError"), sig.getValue("attempts"));
    }
    var sessions = s.getJsonArray("sessions", new io.vertx.core.json.JsonArray());
    out.printf("%d session%s%n", sessions.size(), sessions.size() == 1 ? "" : "s");
    if (!sessions.isEmpty()) {
      out.printf("  %-14s %-11s %-44s %9s %10s %10s %7s%n", "PEER", "METHOD", "PATH", "RTT", "SENT", "RECEIVED", "AGE");
      for (Object o : sessions) {
        JsonObject x = (JsonObject) o;
        String path = x.getString("path", "?")
            + (x.getString("via") != null ? " via " + x.getString("via") : "")
            + (x.getString("remote") != null ? " -> " + x.getString("remote") : "");
        out.printf("  %-14s %-11s %-44s %9s %10s %10s %6ds%n", x.getString("peer").substring(0, 12) + "…",
            x.getString("method", "?"), path, x.containsKey("rttMs") ? x.getValue("rttMs") + " ms" : "-",
            TransferProgress.size(x.getLong("bytesSent", 0L)), TransferProgress.size(x.getLong("bytesReceived", 0L)),
            x.getLong("ageSeconds", 0L));
      }
    }
    out.flush();
    return ExitCodes.OK;
  }
}
