package io.p2pquic.rendezvous;

import io.p2pquic.api.net.TokenBucket;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers per second to unauthenticated requests: a token bucket per source address (at most
 * {@code MAX_SOURCES} remembered, the least recently seen forgotten first) and one for all sources, so a
 * spoofed source cannot use this server as a reflector beyond a small rate, and spoofing many sources
 * cannot raise the total. Thread-safe (one lock): the STUN port may be read by several event loops, and
 * one limit must hold for all of them.
 */
public final class SourceRateLimiter {
  static final int MAX_SOURCES = 65_536;

  private final double perSourceRate;
  private final int perSourceBurst;
  private final TokenBucket total;
  private final Map<InetAddress, TokenBucket> sources = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
      return size() > MAX_SOURCES;
    }
  };

  /** @param perSource answers/s to one address (burst twice that); @param total answers/s to all (burst twice) */
  public SourceRateLimiter(double perSource, double total) {
    this.perSourceRate = perSource;
    this.perSourceBurst = (int) Math.max(1, Math.ceil(perSource * 2));
    this.total = new TokenBucket(total, (int) Math.max(1, Math.ceil(total * 2)));
  }

  /** Whether {@code source} may get an answer now (takes the tokens if so). */
  public synchronized boolean tryAcquire(InetAddress source) {
    TokenBucket b = sources.computeIfAbsent(source, s -> new TokenBucket(perSourceRate, perSourceBurst));
    return b.tryTake() && total.tryTake();
  }

  synchronized int sourcesTracked() {
    return sources.size();
  }
}
