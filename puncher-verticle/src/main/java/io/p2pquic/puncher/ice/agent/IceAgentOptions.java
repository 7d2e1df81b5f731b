package io.p2pquic.puncher.ice.agent;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * Timing and limits of an {@link IceAgent}. A mutable data object with a JSON round trip
 * ({@link #toJson()}, {@link #IceAgentOptions(JsonObject)}); unknown keys and bad values are rejected
 * with an {@link IllegalArgumentException} naming the key.
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code taMillis}</td><td>50</td><td>pacing: one new check every Ta (RFC 8445 14.2)</td></tr>
 * <tr><td>{@code firstChecks}</td><td>4</td><td>the first checks of a check list go 5 ms apart (RFC 8445
 *     14.2's floor), not Ta: the pair that works between two NATs is rarely the first by priority</td></tr>
 * <tr><td>{@code checkRetransmit}</td><td>RTO 500 ms, Rc 7, Rm 4, max RTO 1600 ms</td><td>per-check STUN
 *     retransmissions ({@link RetransmitPolicy#toJson()}); a check fails after 9.9 s</td></tr>
 * <tr><td>{@code maxPairs}</td><td>100</td><td>checklist limit (RFC 8445 6.1.2.5)</td></tr>
 * <tr><td>{@code nomination}</td><td>"regular"</td><td>the only mode (RFC 8445 8.1.1)</td></tr>
 * <tr><td>{@code nominationWaitMillis}</td><td>1000</td><td>controlling: after the first valid pair, how
 *     long to wait for higher-priority pairs still being checked before nominating the best valid one</td></tr>
 * <tr><td>{@code checkingTimeoutMillis}</td><td>30000</td><td>from the remote credentials to a
 *     nominated pair, else ICE fails</td></tr>
 * <tr><td>{@code keepaliveIntervalMillis}</td><td>15000</td><td>Tr: a Binding indication on the
 *     selected pair when nothing else was sent on it for this long (RFC 8445 11)</td></tr>
 * <tr><td>{@code consentIntervalMillis}</td><td>5000</td><td>consent request period, randomised by
 *     0.8-1.2 (RFC 7675 5.1)</td></tr>
 * <tr><td>{@code consentTimeoutMillis}</td><td>30000</td><td>consent lost (state failed) after this
 *     long without an authenticated response (RFC 7675 5.1)</td></tr>
 * <tr><td>{@code disconnectedTimeoutMillis}</td><td>10000</td><td>state disconnected after this long
 *     without a consent response (back to completed when one arrives)</td></tr>
 * <tr><td>{@code component}</td><td>1</td><td>the one component this agent handles</td></tr>
 * <tr><td>{@code candidatePolicy}</td><td>"all"</td><td>"relay": use and signal only relayed local
 *     candidates (WebRTC's iceTransportPolicy "relay"): the peer never learns our addresses, every
 *     session goes through a TURN server</td></tr>
 * </table>
 */
public final class IceAgentOptions extends JsonDataObject {
  public static final long DEFAULT_TA_MILLIS = 50;
  public static final int DEFAULT_FIRST_CHECKS = 4;
  /** The spacing of the first checks: the least RFC 8445 section 14.2 allows between two checks. */
  public static final long FIRST_CHECK_SPACING_MILLIS = 5;
  public static final RetransmitPolicy DEFAULT_CHECK_RETRANSMIT =
      new RetransmitPolicy(Duration.ofMillis(500), 7, 4, Duration.ofMillis(1600));
  public static final int DEFAULT_MAX_PAIRS = 100;
  public static final long DEFAULT_NOMINATION_WAIT_MILLIS = 1_000;
  public static final long DEFAULT_CHECKING_TIMEOUT_MILLIS = 30_000;
  public static final long DEFAULT_KEEPALIVE_INTERVAL_MILLIS = 15_000;
  public static final long DEFAULT_CONSENT_INTERVAL_MILLIS = 5_000;
  public static final long DEFAULT_CONSENT_TIMEOUT_MILLIS = 30_000;
  public static final long DEFAULT_DISCONNECTED_TIMEOUT_MILLIS = 10_000;

  private static final List<String> KNOWN = List.of("taMillis", "firstChecks", "checkRetransmit", "maxPairs", "nomination",
      "nominationWaitMillis", "checkingTimeoutMillis", "keepaliveIntervalMillis", "consentIntervalMillis",
      "consentTimeoutMillis", "disconnectedTimeoutMillis", "component", "candidatePolicy");

  private long taMillis = DEFAULT_TA_MILLIS;
  private int firstChecks = DEFAULT_FIRST_CHECKS;
  private RetransmitPolicy checkRetransmit = DEFAULT_CHECK_RETRANSMIT;
  private int maxPairs = DEFAULT_MAX_PAIRS;
  private NominationMode nomination = NominationMode.REGULAR;
  private long nominationWaitMillis = DEFAULT_NOMINATION_WAIT_MILLIS;
  private long checkingTimeoutMillis = DEFAULT_CHECKING_TIMEOUT_MILLIS;
  private long keepaliveIntervalMillis = DEFAULT_KEEPALIVE_INTERVAL_MILLIS;
  private long consentIntervalMillis = DEFAULT_CONSENT_INTERVAL_MILLIS;
  private long consentTimeoutMillis = DEFAULT_CONSENT_TIMEOUT_MILLIS;
  private long disconnectedTimeoutMillis = DEFAULT_DISCONNECTED_TIMEOUT_MILLIS;
  private int component = 1;
  private boolean relayOnly;

  public IceAgentOptions() {}

  public IceAgentOptions(IceAgentOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public IceAgentOptions(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "taMillis" -> setTaMillis(StrictConfig.longValue(v));
        case "firstChecks" -> setFirstChecks(StrictConfig.intValue(v));
        case "checkRetransmit" -> setCheckRetransmit(RetransmitPolicy.fromJson(StrictConfig.object(v), DEFAULT_CHECK_RETRANSMIT));
        case "maxPairs" -> setMaxPairs(StrictConfig.intValue(v));
        case "nomination" -> setNomination(NominationMode.parse(StrictConfig.string(v)));
        case "nominationWaitMillis" -> setNominationWaitMillis(StrictConfig.longValue(v));
        case "checkingTimeoutMillis" -> setCheckingTimeoutMillis(StrictConfig.longValue(v));
        case "keepaliveIntervalMillis" -> setKeepaliveIntervalMillis(StrictConfig.longValue(v));
        case "consentIntervalMillis" -> setConsentIntervalMillis(StrictConfig.longValue(v));
        case "consentTimeoutMillis" -> setConsentTimeoutMillis(StrictConfig.longValue(v));
        case "disconnectedTimeoutMillis" -> setDisconnectedTimeoutMillis(StrictConfig.longValue(v));
        case "component" -> setComponent(StrictConfig.intValue(v));
        case "candidatePolicy" -> setRelayOnly(switch (StrictConfig.string(v)) {
          case "all" -> false;
          case "relay" -> true;
          default -> throw new IllegalArgumentException("candidatePolicy must be \"all\" or \"relay\", got \"" + v + "\"");
        });
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("taMillis", taMillis)
        .put("firstChecks", firstChecks)
        .put("checkRetransmit", checkRetransmit.toJson())
        .put("maxPairs", maxPairs)
        .put("nomination", nomination.label())
        .put("nominationWaitMillis", nominationWaitMillis)
        .put("checkingTimeoutMillis", checkingTimeoutMillis)
        .put("keepaliveIntervalMillis", keepaliveIntervalMillis)
        .put("consentIntervalMillis", consentIntervalMillis)
        .put("consentTimeoutMillis", consentTimeoutMillis)
        .put("disconnectedTimeoutMillis", disconnectedTimeoutMillis)
        .put("component", component)
        .put("candidatePolicy", relayOnly ? "relay" : "all");
  }

  /** Whether only relayed local candidates are used and signalled ({@code candidatePolicy: "relay"}). */
  public boolean relayOnly() {
    return relayOnly;
  }

  public IceAgentOptions setRelayOnly(boolean relayOnly) {
    this.relayOnly = relayOnly;
    return this;
  }

  public long taMillis() {
    return taMillis;
  }

  /** Pacing interval Ta, 1-1000 ms (RFC 8445 recommends 50 ms; tests use 5-20). */
  public IceAgentOptions setTaMillis(long taMillis) {
    this.taMillis = StrictConfig.inRange("taMillis", taMillis, 1, 1_000);
    return this;
  }

  public int firstChecks() {
    return firstChecks;
  }

  /**
   * How many checks of a check list (ordinary or triggered) go {@value #FIRST_CHECK_SPACING_MILLIS} ms
   * after the one before instead of Ta, 0-100. Between two NATs the host pair comes first by priority and
   * cannot work; with Ta between each, the server-reflexive check that does work waits one or two Ta (20-40
   * ms of a connect in the NAT lab). A few 100-byte packets 5 ms apart stay within RFC 8445 section 14.2;
   * the rest of the list is paced at Ta.
   */
  public IceAgentOptions setFirstChecks(int firstChecks) {
    this.firstChecks = (int) StrictConfig.inRange("firstChecks", firstChecks, 0, 100);
    return this;
  }

  public RetransmitPolicy checkRetransmit() {
    return checkRetransmit;
  }

  public IceAgentOptions setCheckRetransmit(RetransmitPolicy checkRetransmit) {
    if (checkRetransmit == null) {
      throw new IllegalArgumentException("checkRetransmit must not be null");
    }
    this.checkRetransmit = checkRetransmit;
    return this;
  }

  public int maxPairs() {
    return maxPairs;
  }

  public IceAgentOptions setMaxPairs(int maxPairs) {
    this.maxPairs = (int) StrictConfig.inRange("maxPairs", maxPairs, 1, 10_000);
    return this;
  }

  public NominationMode nomination() {
    return nomination;
  }

  public IceAgentOptions setNomination(NominationMode nomination) {
    if (nomination == null) {
      throw new IllegalArgumentException("nomination must not be null");
    }
    this.nomination = nomination;
    return this;
  }

  public long nominationWaitMillis() {
    return nominationWaitMillis;
  }

  public IceAgentOptions setNominationWaitMillis(long nominationWaitMillis) {
    this.nominationWaitMillis = StrictConfig.inRange("nominationWaitMillis", nominationWaitMillis, 0, 600_000);
    return this;
  }

  public long checkingTimeoutMillis() {
    return checkingTimeoutMillis;
  }

  public IceAgentOptions setCheckingTimeoutMillis(long checkingTimeoutMillis) {
    this.checkingTimeoutMillis = StrictConfig.inRange("checkingTimeoutMillis", checkingTimeoutMillis, 1, 3_600_000);
    return this;
  }

  public long keepaliveIntervalMillis() {
    return keepaliveIntervalMillis;
  }

  public IceAgentOptions setKeepaliveIntervalMillis(long keepaliveIntervalMillis) {
    this.keepaliveIntervalMillis = StrictConfig.inRange("keepaliveIntervalMillis", keepaliveIntervalMillis, 1, 3_600_000);
    return this;
  }

  public long consentIntervalMillis() {
    return consentIntervalMillis;
  }

  public IceAgentOptions setConsentIntervalMillis(long consentIntervalMillis) {
    this.consentIntervalMillis = StrictConfig.inRange("consentIntervalMillis", consentIntervalMillis, 1, 3_600_000);
    return this;
  }

  public long consentTimeoutMillis() {
    return consentTimeoutMillis;
  }

  public IceAgentOptions setConsentTimeoutMillis(long consentTimeoutMillis) {
    this.consentTimeoutMillis = StrictConfig.inRange("consentTimeoutMillis", consentTimeoutMillis, 1, 3_600_000);
    return this;
  }

  public long disconnectedTimeoutMillis() {
    return disconnectedTimeoutMillis;
  }

  public IceAgentOptions setDisconnectedTimeoutMillis(long disconnectedTimeoutMillis) {
    this.disconnectedTimeoutMillis = StrictConfig.inRange("disconnectedTimeoutMillis", disconnectedTimeoutMillis, 1, 3_600_000);
    return this;
  }

  public int component() {
    return component;
  }

  public IceAgentOptions setComponent(int component) {
    this.component = (int) StrictConfig.inRange("component", component, 1, 256);
    return this;
  }

}
