package io.p2pquic.quic;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * A snapshot of a connection's counters (quiche's path 0 and connection statistics).
 *
 * @param rtt smoothed round-trip time of the active path
 * @param cwnd congestion window in bytes
 * @param deliveryRate quiche's delivery-rate estimate in bytes per second
 */
public record QuicStats(Duration rtt, long cwnd, long deliveryRate, long sentPackets, long recvPackets,
    long lostPackets, long sentBytes, long recvBytes, long lostBytes) {

  /** The smoothed RTT in milliseconds, to 0.01 ms, as status and events show it. */
  public double rttMillis() {
    return Math.round(rtt.toNanos() / 1e4) / 100.0;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("rttMicros", rtt.toNanos() / 1000)
        .put("cwnd", cwnd)
        .put("deliveryRate", deliveryRate)
        .put("sentPackets", sentPackets)
        .put("recvPackets", recvPackets)
        .put("lostPackets", lostPackets)
        .put("sentBytes", sentBytes)
        .put("recvBytes", recvBytes)
        .put("lostBytes", lostBytes);
  }
}
