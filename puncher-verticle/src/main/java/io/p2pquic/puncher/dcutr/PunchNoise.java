package io.p2pquic.puncher.dcutr;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.puncher.transport.UdpEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The DCUtR initiator's half of a QUIC hole punch (libp2p DCUtR spec, "QUIC"): UDP packets of random
 * bytes to each of the peer's addresses, repeated at random intervals of 10-200 ms, so our NAT opens a
 * mapping towards the peer while the peer dials us. The first byte is kept in 0x04-0x3F, outside STUN
 * (0x00-0x03) and QUIC (0x40-0xFF): the peer's demultiplexer counts and drops them (docs/ARCHITECTURE.md, "One socket, many protocols").
 */
public final class PunchNoise {
  static final int MIN_INTERVAL_MS = 10;
  static final int MAX_INTERVAL_MS = 200;

  private final Vertx vertx;
  private final UdpEndpoint endpoint;
  private final List<InetSocketAddress> targets;
  private final long until;
  private final Counter sent;
  private final SplittableRandom random = new SplittableRandom();
  private long timer = -1;
  private boolean stopped;

  /** @param durationMs how long to keep sending at most (the attempt's timeout) */
  public PunchNoise(Vertx vertx, UdpEndpoint endpoint, List<InetSocketAddress> targets, long durationMs,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.targets = List.copyOf(targets);
    this.until = System.nanoTime() + durationMs * 1_000_000;
    this.sent = metrics.counter("p2p.dcutr.noise.sent");
  }

  /** One packet to each target now, then again after each random interval until {@link #stop}. */
  public PunchNoise start() {
    burst();
    return this;
  }

  private void burst() {
    if (stopped || System.nanoTime() > until) {
      return;
    }
    for (InetSocketAddress t : targets) {
      endpoint.send(Buffer.buffer(packet(random)), t);
      sent.increment();
    }
    timer = vertx.setTimer(random.nextInt(MIN_INTERVAL_MS, MAX_INTERVAL_MS + 1), id -> burst());
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** 64-128 random bytes whose first byte is in 0x04-0x3F (neither STUN nor QUIC). */
  static byte[] packet(SplittableRandom random) {
    byte[] b = new byte[random.nextInt(64, 129)];
    random.nextBytes(b);
    b[0] = (byte) random.nextInt(0x04, 0x40);
    return b;
  }
}
