package io.p2pquic.puncher.quicnative;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Method quic-native ({@code session.quicNative} in the peer configuration; docs/quic-native.md). A mutable
 * data object with a JSON round trip; unknown keys and values out of range are refused with the key's full
 * path. All keys optional:
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code paceMs}</td><td>5</td><td>gap between probes to successive candidates, best first (as ICE's
 *     first checks, so the server-reflexive candidate that works between two NATs is not held back behind the
 *     host one)</td></tr>
 * <tr><td>{@code resprayMs}</td><td>50</td><td>the dialer re-sends its latest Initial, the listener its punch
 *     packets, to all candidates this often until QUIC answers</td></tr>
 * <tr><td>{@code attachTimeoutMs}</td><td>5000</td><td>time to attach to the rendezvous over QUIC</td></tr>
 * <tr><td>{@code probeTimeoutMs}</td><td>8000</td><td>the dialer gives up when no candidate answered QUIC by
 *     then (e.g. both NATs symmetric)</td></tr>
 * </table>
 */
public final class QuicNativeOptions extends JsonDataObject {
  public static final long DEFAULT_PACE_MS = 5;
  public static final long DEFAULT_RESPRAY_MS = 50;
  public static final long DEFAULT_ATTACH_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_PROBE_TIMEOUT_MS = 8_000;
  private static final List<String> KNOWN = List.of("paceMs", "resprayMs", "attachTimeoutMs", "probeTimeoutMs");

  private long paceMs = DEFAULT_PACE_MS;
  private long resprayMs = DEFAULT_RESPRAY_MS;
  private long attachTimeoutMs = DEFAULT_ATTACH_TIMEOUT_MS;
  private long probeTimeoutMs = DEFAULT_PROBE_TIMEOUT_MS;

  public QuicNativeOptions() {}

  public QuicNativeOptions(QuicNativeOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public QuicNativeOptions(JsonObject json) {
    StrictConfig.read("quicNative", json, KNOWN, (k, v) -> {
      switch (k) {
        case "paceMs" -> setPaceMs(StrictConfig.longValue(v));
        case "resprayMs" -> setResprayMs(StrictConfig.longValue(v));
        case "attachTimeoutMs" -> setAttachTimeoutMs(StrictConfig.longValue(v));
        case "probeTimeoutMs" -> setProbeTimeoutMs(StrictConfig.longValue(v));
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

  public QuicNativeOptions setPaceMs(long millis) {
    this.paceMs = StrictConfig.inRange("paceMs", millis, 1, 1_000);
    return this;
  }

  public long resprayMs() {
    return resprayMs;
  }

  public QuicNativeOptions setResprayMs(long millis) {
    this.resprayMs = StrictConfig.inRange("resprayMs", millis, 10, 10_000);
    return this;
  }

  public long attachTimeoutMs() {
    return attachTimeoutMs;
  }

  public QuicNativeOptions setAttachTimeoutMs(long millis) {
    this.attachTimeoutMs = StrictConfig.inRange("attachTimeoutMs", millis, 100, 120_000);
    return this;
  }

  /** Time the dialer probes the candidates with QUIC before it gives up: no direct path. */
  public long probeTimeoutMs() {
    return probeTimeoutMs;
  }

  public QuicNativeOptions setProbeTimeoutMs(long millis) {
    this.probeTimeoutMs = StrictConfig.inRange("probeTimeoutMs", millis, 100, 120_000);
    return this;
  }
}
