package io.p2pquic.puncher.dcutr;

import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import java.util.List;
import java.util.Objects;

/**
 * The two messages of libp2p DCUtR (docs/dcutr.md), in our encoding ({@link DcutrEncoder}). Each carries
 * the attempt it belongs to (1-3), so a late message of an earlier attempt is recognised and dropped.
 */
public sealed interface DcutrMessage {
  int attempt();

  /**
   * CONNECT: the sender's observed addresses (host and server-reflexive candidates, gathered on the
   * session socket and never sent through the rendezvous) and the fresh ICE credentials its
   * connectivity checks on them use.
   */
  record Connect(int attempt, IceCredentials credentials, List<Candidate> addresses) implements DcutrMessage {
    public Connect {
      checkAttempt(attempt);
      Objects.requireNonNull(credentials, "credentials");
      addresses = List.copyOf(addresses);
    }
  }

  /** SYNC: the initiator measured the round trip; the responder dials on receipt. */
  record Sync(int attempt) implements DcutrMessage {
    public Sync {
      checkAttempt(attempt);
    }
  }

  private static void checkAttempt(int attempt) {
    if (attempt < 1 || attempt > 255) {
      throw new IllegalArgumentException("attempt must be 1-255: " + attempt);
    }
  }
}
