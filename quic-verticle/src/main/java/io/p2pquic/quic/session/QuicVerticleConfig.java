package io.p2pquic.quic.session;

import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.quic.QuicOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The deployment config of a {@link QuicVerticle} deployed by class name:
 *
 * <pre>{@code
 * { "identity": "p2p-identity.json",   // the key file of the PuncherVerticle it serves (created if missing)
 *   "echo": false,                     // send back every byte received on accepted sessions (tests, demos)
 *   "quic": { "idleTimeoutMs": 30000, ... } }   // QuicOptions, docs/quic.md
 * }</pre>
 *
 * <p>{@code identity} and {@code quic} are the keys of the same name in {@code conf/peer.json}, so a peer's
 * JSON supplies both verticles. Unknown keys and bad values are refused with their full path.
 */
public final class QuicVerticleConfig {
  private static final List<String> KNOWN = List.of("identity", "echo", "quic");

  private String identity = "p2p-identity.json";
  private boolean echo;
  private QuicOptions quic = new QuicOptions();

  /** @throws IllegalArgumentException naming the bad key */
  public static QuicVerticleConfig fromJson(JsonObject json) {
    QuicVerticleConfig c = new QuicVerticleConfig();
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "identity" -> c.identity = StrictConfig.string(v);
        case "echo" -> c.echo = StrictConfig.bool(v);
        case "quic" -> c.quic = QuicOptions.fromJson(StrictConfig.object(v));
        default -> throw new IllegalStateException(k);
      }
    });
    if (c.identity.isBlank()) {
      throw new IllegalArgumentException("identity must name a file");
    }
    return c;
  }

  /** The key file: loaded, or created with a new key pair when it does not exist. */
  public String identity() {
    return identity;
  }

  public boolean echo() {
    return echo;
  }

  public QuicOptions quic() {
    return quic;
  }
}
