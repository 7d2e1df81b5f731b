package io.p2pquic.node;

import io.p2pquic.api.signalling.RelayGrantToken;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "relay-token",
    mixinStandardHelpOptions = true,
    description = {
      "Sign a relay grant for one of your peers, so your closed relay serves it without listing its id.",
      "The issuer is an identity file of yours (created if missing; keep it private). Put the issuer id this "
          + "command prints into the rendezvous's turn.grantIssuers once; give each peer its token: "
          + "--relay-token TOKEN (or P2P_RELAY_TOKEN, signalling.grantToken). The token names the peer and expires; "
          + "it is useless to anyone else.",
    },
    footer = {"", "Examples:",
      "  p2p-node relay-token --issuer operator.json --peer pq1abc... --days 30",
      "  P2P_RELAY_TOKEN=$(p2p-node relay-token --issuer operator.json --peer pq1abc... --quiet) p2p-node peer ..."})
final class RelayTokenCommand implements Callable<Integer> {
  @Option(names = "--issuer", paramLabel = "FILE", required = true,
      description = "Identity file whose key signs the grant (created if missing).")
  Path issuer;

  @Option(names = "--peer", paramLabel = "PEER_ID", required = true, description = "The peer the grant is for (pq1...).")
  String peer;

  @Option(names = "--days", paramLabel = "N", defaultValue = "30", description = "Validity in days (default 30).")
  int days;

  @Option(names = "--quiet", description = "Print the token only.")
  boolean quiet;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PeerId target;
    try {
      target = PeerId.parse(peer);
    } catch (RuntimeException e) {
      throw new ConfigException("--peer must be a peer id (pq1...): " + e.getMessage(), e);
    }
    if (days < 1 || days > 3650) {
      throw new ConfigException("--days must be 1-3650, is " + days, null);
    }
    PeerIdentity key = PeerIdentity.loadOrCreate(issuer);
    Instant expires = Instant.now().plus(Duration.ofDays(days));
    String token = RelayGrantToken.mint(key, target, expires);
    PrintWriter out = spec.commandLine().getOut();
    if (quiet) {
      out.println(token);
    } else {
      out.println("issuer id:  " + key.peerId().value() + "   (rendezvous: turn.grantIssuers)");
      out.println("peer:       " + target.value());
      out.println("expires:    " + expires);
      out.println("token:      " + token);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
