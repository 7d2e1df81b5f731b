package io.p2pquic.rendezvous.relay;

import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.stun.turn.TurnRestCredentials;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code turn} grant of a {@code registered} reply: use-auth-secret credentials signed with this node's
 * newest secret, and the relays of the directory that accept that secret ({@link RelayDirectory#select}),
 * each with one entry per transport. Null when no relay is known: the reply then has no {@code turn}.
 */
public final class RelayGrants {
  private final RelayDirectory directory;
  private final Function<String, TurnRestCredentials> issuer;
  private final String secretId;
  private final String realm;
  private final long ttlSeconds;

  /**
   * @param issuer credentials for a user id, signed with the secret whose {@link SecretId} is {@code secretId}
   */
  public RelayGrants(RelayDirectory directory, Function<String, TurnRestCredentials> issuer, String secretId,
      String realm, long ttlSeconds) {
    this.directory = directory;
    this.issuer = issuer;
    this.secretId = secretId;
    this.realm = realm;
    this.ttlSeconds = ttlSeconds;
  }

  /** Credentials for {@code userId} (the peer id), or null when no relay would accept them. */
  public RelayCredentials issue(String userId) {
    List<RelayEntry> chosen = directory.select(secretId);
    if (chosen.isEmpty()) {
      return null;
    }
    List<RelayCredentials.Relay> relays = new ArrayList<>();
    for (RelayEntry e : chosen) {
      for (String transport : e.transports()) {
        relays.add(new RelayCredentials.Relay(e.host(), e.port(), transport));
      }
    }
    TurnRestCredentials c = issuer.apply(userId);
    return new RelayCredentials(c.username(), c.password(), realm, ttlSeconds, c.expiresAt().getEpochSecond(), relays)
        .bandwidthBytesPerSecond(bandwidthBytesPerSecond);
  }

  private long bandwidthBytesPerSecond;

  /** The per-allocation bandwidth limit announced with each grant (0: not limited or unknown). */
  public RelayGrants bandwidthBytesPerSecond(long limit) {
    this.bandwidthBytesPerSecond = limit;
    return this;
  }

  public String secretId() {
    return secretId;
  }
}
