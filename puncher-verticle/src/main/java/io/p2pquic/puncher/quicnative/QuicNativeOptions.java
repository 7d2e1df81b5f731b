package io.p2pquic.puncher.quicnative;

import io.vertx.core.json.JsonObject;

/**
 * Settings of method quic-native ({@code quicNative} in the peer configuration). JSON keys, all
 * optional: {@code paceMs} (25: gap between probes to successive candidates, best first),
 * {@code resprayMs} (50: the dialer re-sends its latest Initial, the acceptor its punch packets, to all
 * candidates this often until QUIC answers), {@code attachTimeoutMs} (5000: time to attach to the
 * rendezvous over QUIC), {@code probeTimeoutMs} (8000: the dialer gives up when no candidate answered
 * QUIC by then, e.g. both NATs symmetric).
 */
public final class QuicNativeOptions {
  private long paceMs = 25;
  private long resprayMs = 50;
  private long attachTimeoutMs = 5_000;
  private long probeTimeoutMs = 8_000;

  public QuicNativeOptions() {}

  public QuicNativeOptions(JsonObject json) {
    for (String k : json.fieldNames()) {
      Object v = json.getValue(k);
      if (!(v instanceof Number n) || n.longValue() <= 0) {
        throw new IllegalArgumentException("quicNative." + k + " must be a positive number, is " + v);
      }
      switch (k) {
        case "paceMs" -> paceMs = n.longValue();
        case "resprayMs" -> resprayMs = n.longValue();
        case "attachTimeoutMs" -> attachTimeoutMs = n.longValue();
        case "probeTimeoutMs" -> probeTimeoutMs = n.longValue();
        default -> throw new IllegalArgumentException("quicNative." + k
            + " is not a known key (known: paceMs, resprayMs, attachTimeoutMs, probeTimeoutMs)");
      }
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("paceMs", paceMs).put("resprayMs", resprayMs).put("attachTimeoutMs", attachTimeoutMs)
        .put("probeTimeoutMs", probeTimeoutMs);
  }

  public long paceMs() {
    return paceMs;
  }

  public long resprayMs() {
    return resprayMs;
  }

  /** Time the dialer probes the candidates with QUIC before it gives up: no direct path. */
  public long probeTimeoutMs() {
    return probeTimeoutMs;
  }

  public long attachTimeoutMs() {
    return attachTimeoutMs;
  }
}
