package io.p2pquic.puncher.hardnat;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Hard-NAT punching ({@code session.hardNat} in the peer configuration; docs/ice.md, "Hard-NAT punching"):
 * when this side's NAT maps per destination and the peer's does not, or the reverse, a session of method
 * auto that found no direct pair keeps running on the relay while the two sides look for a direct path by
 * the birthday paradox. A mutable data object with a JSON round trip; unknown keys and values out of range
 * are refused with the key's path. All keys optional:
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code enabled}</td><td>true</td><td>probe the session's NAT mapping and punch when the pair allows it</td></tr>
 * <tr><td>{@code sockets}</td><td>256</td><td>sockets the side behind the per-destination NAT opens (1-1024)</td></tr>
 * <tr><td>{@code probesPerSecond}</td><td>100</td><td>packets each side sends a second (1-2000)</td></tr>
 * <tr><td>{@code budgetMillis}</td><td>20000</td><td>how long either side keeps probing</td></tr>
 * <tr><td>{@code startDelayMillis}</td><td>1000</td><td>after both mappings are known: time ICE's own
 *     checks get first, since a direct pair they validate makes punching pointless</td></tr>
 * </table>
 */
public final class HardNatOptions extends JsonDataObject {
  public static final boolean DEFAULT_ENABLED = true;
  public static final int DEFAULT_SOCKETS = 256;
  public static final int DEFAULT_PROBES_PER_SECOND = 100;
  public static final long DEFAULT_BUDGET_MILLIS = 20_000;
  public static final long DEFAULT_START_DELAY_MILLIS = 1_000;
  private static final List<String> KNOWN = List.of("enabled", "sockets", "probesPerSecond", "budgetMillis",
      "startDelayMillis");

  private boolean enabled = DEFAULT_ENABLED;
  private int sockets = DEFAULT_SOCKETS;
  private int probesPerSecond = DEFAULT_PROBES_PER_SECOND;
  private long budgetMillis = DEFAULT_BUDGET_MILLIS;
  private long startDelayMillis = DEFAULT_START_DELAY_MILLIS;

  public HardNatOptions() {}

  public HardNatOptions(HardNatOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public HardNatOptions(JsonObject json) {
    StrictConfig.read("hardNat", json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> setEnabled(StrictConfig.bool(v));
        case "sockets" -> setSockets(StrictConfig.intValue(v));
        case "probesPerSecond" -> setProbesPerSecond(StrictConfig.intValue(v));
        case "budgetMillis" -> setBudgetMillis(StrictConfig.longValue(v));
        case "startDelayMillis" -> setStartDelayMillis(StrictConfig.longValue(v));
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("sockets", sockets)
        .put("probesPerSecond", probesPerSecond)
        .put("budgetMillis", budgetMillis)
        .put("startDelayMillis", startDelayMillis);
  }

  public boolean enabled() {
    return enabled;
  }

  public HardNatOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public int sockets() {
    return sockets;
  }

  public HardNatOptions setSockets(int sockets) {
    this.sockets = (int) StrictConfig.inRange("sockets", sockets, 1, 1024);
    return this;
  }

  public int probesPerSecond() {
    return probesPerSecond;
  }

  public HardNatOptions setProbesPerSecond(int probesPerSecond) {
    this.probesPerSecond = (int) StrictConfig.inRange("probesPerSecond", probesPerSecond, 1, 2000);
    return this;
  }

  public long budgetMillis() {
    return budgetMillis;
  }

  public HardNatOptions setBudgetMillis(long millis) {
    budgetMillis = StrictConfig.positive("budgetMillis", millis);
    return this;
  }

  public long startDelayMillis() {
    return startDelayMillis;
  }

  public HardNatOptions setStartDelayMillis(long millis) {
    startDelayMillis = StrictConfig.nonNegative("startDelayMillis", millis);
    return this;
  }
}
