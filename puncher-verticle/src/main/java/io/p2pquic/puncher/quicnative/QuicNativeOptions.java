package io.p2pquic.puncher.quicnative;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import java.util.List;

import io.vertx.core.json.JsonObject;

/**
 * Settings of method quic-native ({@code quicNative} in the peer configuration). JSON keys, all
 * optional: {@code paceMs} (5: gap between probes to successive candidates, best first; as ICE's first checks,
 * so the server-reflexive candidate that works between two NATs is not held back behind the host one),
 * {@code resprayMs} (50: the dialer re-sends its latest Initial, the listener its punch packets, to all
 * candidates this often until QUIC answers), {@code attachTimeoutMs} (5000: time to attach to the
 * rendezvous over QUIC), {@code probeTimeoutMs} (8000: the dialer gives up when no candidate answered
 * QUIC by then, e.g. both NATs symmetric).
 */
public final class QuicNativeOptions extends JsonDataObject {
  private static final List<String> KNOWN = List.of("paceMs", "resprayMs", "attachTimeoutMs", "probeTimeoutMs");
  private long paceMs = 5;
  private long resprayMs = 50;
  private long attachTimeoutMs = 5_000;
  private long probeTimeoutMs = 8_000;

  public QuicNativeOptions() {}

  public QuicNativeOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      long n = StrictConfig.longValue(v);
      if (n <= 0) {
        throw new IllegalArgumentException(k + " must be a positive number, is " + v);
      }
      switch (k) {
        case "paceMs" -> paceMs = n;
        case "resprayMs" -> resprayMs = n;
        case "attachTimeoutMs" -> attachTimeoutMs = n;
        case "probeTimeoutMs" -> probeTimeoutMs = n;
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
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
