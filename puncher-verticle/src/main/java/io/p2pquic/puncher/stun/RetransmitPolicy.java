package io.p2pquic.puncher.stun;

import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a STUN client transaction over UDP (re)sends its request and when it gives up (RFC 8489
 * section 6.2.1): the request goes out at 0, RTO, 3 RTO, 7 RTO, ... (the interval doubles after each
 * send, optionally capped at {@code maxRto}) until {@code maxRequests} (Rc) requests are out; the
 * transaction then waits {@code lastWaitMultiplier} (Rm) times the <em>initial</em> RTO for a
 * response before it times out.
 *
 * @param initialRto RTO for the first retransmission (RFC 8489 default 500 ms)
 * @param maxRequests Rc: total requests including the first (default 7)
 * @param lastWaitMultiplier Rm: wait after the last request, in initial RTOs (default 16)
 * @param maxRto cap on the doubled interval; {@code null} for none (RFC 8489 has none)
 */
public record RetransmitPolicy(Duration initialRto, int maxRequests, int lastWaitMultiplier, Duration maxRto) {
  private static final List<String> KNOWN =
      List.of("initialRtoMillis", "maxRequests", "lastWaitMultiplier", "maxRtoMillis");
  /** RFC 8489 defaults: RTO 500 ms, Rc 7, Rm 16; times out after 39.5 s. */
  public static final RetransmitPolicy RFC_8489 = new RetransmitPolicy(Duration.ofMillis(500), 7, 16, null);

  /**
   * For NAT behaviour discovery and other one-shot probes where a silent answer is itself a result
   * (filtering tests): RTO 150 ms, 4 requests (at 0, 150, 450, 1050 ms), Rm 4; times out after 1.65 s.
   * Good for paths with an RTT well below 150 ms (a lab with 20 ms per link has about 40 ms).
   */
  public static final RetransmitPolicy DISCOVERY = new RetransmitPolicy(Duration.ofMillis(150), 4, 4, null);

  /**
   * For candidate gathering: RTO 200 ms doubling up to 500 ms, 7 requests (0, 200, 600, 1100, 1600, 2100,
   * 2600 ms), Rm 4; times out after 3.4 s (gathering's own timeout, 3 s, usually ends it first). The cap
   * puts seven requests inside the gathering time instead of four: at 20 % loss each way a server-reflexive
   * candidate was missing in about one session in 60 (0.36^4), now about one in 1200; a lost srflx
   * candidate costs a port-restricted peer its direct path. Seven small packets at most, and only while
   * unanswered.
   */
  public static final RetransmitPolicy GATHERING = new RetransmitPolicy(Duration.ofMillis(200), 7, 4, Duration.ofMillis(500));

  public RetransmitPolicy {
    if (initialRto == null || initialRto.isNegative() || initialRto.isZero()) {
      throw new IllegalArgumentException("initialRto must be positive: " + initialRto);
    }
    if (maxRequests < 1) {
      throw new IllegalArgumentException("maxRequests (Rc) must be at least 1: " + maxRequests);
    }
    if (lastWaitMultiplier < 1) {
      throw new IllegalArgumentException("lastWaitMultiplier (Rm) must be at least 1: " + lastWaitMultiplier);
    }
    if (maxRto != null && maxRto.compareTo(initialRto) < 0) {
      throw new IllegalArgumentException("maxRto " + maxRto + " is below initialRto " + initialRto);
    }
  }

  public static RetransmitPolicy of(long initialRtoMillis, int maxRequests, int lastWaitMultiplier) {
    return new RetransmitPolicy(Duration.ofMillis(initialRtoMillis), maxRequests, lastWaitMultiplier, null);
  }

  /** The wait after send number {@code sent} (1-based) before the next send, or before the timeout. */
  public long waitAfterSendMillis(int sent) {
    long rto = initialRto.toMillis();
    if (sent >= maxRequests) {
      return rto * lastWaitMultiplier;
    }
    long wait = rto;
    for (int i = 1; i < sent; i++) {
      wait *= 2;
      if (maxRto != null && wait >= maxRto.toMillis()) {
        return maxRto.toMillis();
      }
    }
    return wait;
  }

  /** Offsets (ms from the first send) at which requests go out. */
  public List<Long> sendOffsetsMillis() {
    List<Long> offsets = new ArrayList<>();
    long t = 0;
    for (int i = 1; i <= maxRequests; i++) {
      offsets.add(t);
      t += waitAfterSendMillis(i);
    }
    return offsets;
  }

  /** Time from the first send until the transaction times out (39 500 ms for {@link #RFC_8489}). */
  public long timeoutMillis() {
    long t = 0;
    for (int i = 1; i <= maxRequests; i++) {
      t += waitAfterSendMillis(i);
    }
    return t;
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("initialRtoMillis", initialRto.toMillis())
        .put("maxRequests", maxRequests)
        .put("lastWaitMultiplier", lastWaitMultiplier);
    // Always written (null: no cap), so that reading it back never takes a default's cap.
    return j.put("maxRtoMillis", maxRto == null ? null : maxRto.toMillis());
  }

  /** Missing keys take their value from {@code defaults}. */
  public static RetransmitPolicy fromJson(JsonObject json, RetransmitPolicy defaults) {
    if (json == null) {
      return defaults;
    }
    long[] initial = {defaults.initialRto.toMillis()};
    int[] requests = {defaults.maxRequests};
    int[] multiplier = {defaults.lastWaitMultiplier};
    Long[] maxRto = {defaults.maxRto == null ? null : defaults.maxRto.toMillis()};
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "initialRtoMillis" -> initial[0] = StrictConfig.longValue(v);
        case "maxRequests" -> requests[0] = StrictConfig.intValue(v);
        case "lastWaitMultiplier" -> multiplier[0] = StrictConfig.intValue(v);
        case "maxRtoMillis" -> maxRto[0] = v == null ? null : StrictConfig.longValue(v);
        default -> throw new IllegalStateException(k);
      }
    });
    return new RetransmitPolicy(Duration.ofMillis(initial[0]), requests[0], multiplier[0],
        maxRto[0] == null ? null : Duration.ofMillis(maxRto[0]));
  }

  @Override
  public String toString() {
    return "RTO " + initialRto.toMillis() + " ms, Rc " + maxRequests + ", Rm " + lastWaitMultiplier
        + (maxRto != null ? ", max RTO " + maxRto.toMillis() + " ms" : "")
        + " (timeout " + timeoutMillis() + " ms)";
  }
}
