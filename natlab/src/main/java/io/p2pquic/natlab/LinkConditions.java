package io.p2pquic.natlab;

import java.time.Duration;
import java.util.Objects;

/**
 * Conditions on a router's WAN link. Delay and jitter apply to each direction (so a 20 ms delay
 * adds 40 ms to a round trip); every frame is held {@code delay + uniform[0, jitter]}, order
 * preserved. Loss drops that percentage of IPv4 packets in each direction (nftables
 * {@code numgen random}). A link without delay and jitter stays a plain veth on the kernel path.
 */
public record LinkConditions(Duration delay, Duration jitter, double lossPercent) {

  private static final LinkConditions NONE = new LinkConditions(Duration.ZERO, Duration.ZERO, 0);

  public LinkConditions {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(jitter, "jitter");
    if (delay.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("delay and jitter must not be negative");
    }
    if (delay.compareTo(Duration.ofSeconds(10)) > 0 || jitter.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("delay and jitter are limited to 10 s");
    }
    checkLoss(lossPercent);
  }

  /** A perfect link: plain veth, no forwarder, no loss. */
  public static LinkConditions none() {
    return NONE;
  }

  /** A link with this one-way delay in each direction. */
  public static LinkConditions delay(Duration oneWay) {
    return new LinkConditions(oneWay, Duration.ZERO, 0);
  }

  public static LinkConditions delayMillis(long oneWayMillis) {
    return delay(Duration.ofMillis(oneWayMillis));
  }

  public static LinkConditions loss(double percent) {
    return new LinkConditions(Duration.ZERO, Duration.ZERO, percent);
  }

  public LinkConditions withDelay(Duration oneWay) {
    return new LinkConditions(oneWay, jitter, lossPercent);
  }

  public LinkConditions withJitter(Duration jitter) {
    return new LinkConditions(delay, jitter, lossPercent);
  }

  public LinkConditions withLoss(double percent) {
    return new LinkConditions(delay, jitter, percent);
  }

  /** True when the link needs the user-space delay forwarder (TAP pair) instead of a veth. */
  public boolean needsForwarder() {
    return !delay.isZero() || !jitter.isZero();
  }

  static void checkLoss(double percent) {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("loss must be within 0..100 percent, got " + percent);
    }
  }

  @Override
  public String toString() {
    if (equals(NONE)) {
      return "perfect";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("delay ").append(delay.toMillis()).append(" ms");
    if (!jitter.isZero()) {
      sb.append(" + jitter ").append(jitter.toMillis()).append(" ms");
    }
    if (lossPercent > 0) {
      sb.append(", loss ").append(trim(lossPercent)).append(" %");
    }
    return sb.toString();
  }

  static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
