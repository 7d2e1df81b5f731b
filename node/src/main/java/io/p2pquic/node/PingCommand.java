package io.p2pquic.node;

import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "ping",
    mixinStandardHelpOptions = true,
    description = {
      "Ping another peer through the running local peer, over their session, and say which path each reply took.",
      "Like 'tailscale ping': the local peer (a 'peer', 'expose' or 'forward' process on this host) opens a session "
          + "to PEER if it has none, then sends QUIC DATAGRAM pings on it; each reply prints its RTT and whether "
          + "it went direct or through a relay. --until-direct stops at the first direct reply (exit 0) and exits "
          + "1 if none was direct.",
    },
    footer = {"", "Examples:", "  p2p-node ping pq1...", "  p2p-node ping pq1... --until-direct --count 20"})
final class PingCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "PEER_ID", description = "The peer to ping.")
  String peer;

  @Option(names = "--count", paramLabel = "N", defaultValue = "5", description = "Pings to send (default 5).")
  int count;

  @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000", description = "Between pings (default 1000).")
  long intervalMs;

  @Option(names = "--until-direct", description = "Stop at the first reply over a direct path; exit 1 if none.")
  boolean untilDirect;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto",
      description = "Connect method if a session must be opened (default auto; not tcp: pings are QUIC "
          + "datagrams).")
  String method;

  @Option(names = "--json", description = "One JSON object per reply, then a summary object.")
  boolean json;

  @Mixin LocalPeerControlOptions control;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PeerId target = ForwardCommand.parsePeer(peer);
    ForwardCommand.parseStreamMethod(method);
    if (count < 1) {
      throw new ConfigException("--count must be at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    AtomicReference<JsonObject> summary = new AtomicReference<>();
    String query = "/ping?peer=" + URLEncoder.encode(target.value(), StandardCharsets.UTF_8) + "&count=" + count
        + "&intervalMs=" + intervalMs + "&untilDirect=" + untilDirect + "&method=" + method;
    new ControlClient(control.port()).lines(query).forEach(line -> {
      JsonObject j = new JsonObject(line);
      if (json) {
        out.println(j.encode());
      } else if (j.containsKey("error") && !j.containsKey("seq")) {
        out.println("error: " + j.getString("error"));
      } else if (j.containsKey("seq")) {
        out.println(j.containsKey("error") ? "no reply (" + j.getString("error") + ")"
            : "pong from " + target.shortId() + " " + describe(j) + " in " + j.getValue("rttMs") + " ms");
      }
      out.flush();
      if (j.getBoolean("done", false) || (j.containsKey("error") && !j.containsKey("seq"))) {
        summary.set(j);
      }
    });
    JsonObject s = summary.get();
    if (s == null || s.containsKey("error") || s.getInteger("replies", 0) == 0) {
      return ExitCodes.FAILURE;
    }
    return untilDirect && !s.getBoolean("direct", false) ? ExitCodes.FAILURE : ExitCodes.OK;
  }

  private static String describe(JsonObject j) {
    if ("direct".equals(j.getString("path"))) {
      return "direct " + j.getString("remote", "");
    }
    return "via relay " + (j.getString("via") != null && !j.getString("via").startsWith("the peer")
        ? j.getString("via") : j.getString("remote", "") + " (the peer's relay)");
  }
}
