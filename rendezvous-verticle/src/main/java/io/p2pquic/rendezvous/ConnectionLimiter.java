package io.p2pquic.rendezvous;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the open connections of a listener, in all and per client address, so one host cannot hold
 * every slot (300 registered connections from one address were accepted before). Thread-safe.
 */
public final class ConnectionLimiter {
  private final int max;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  public ConnectionLimiter(int max, int maxPerAddress) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
  }

  /** Takes a slot for a connection from {@code address}; false (nothing taken) when a cap is reached. */
  public boolean tryAcquire(InetAddress address) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    boolean[] ok = {true};
    perAddress.compute(address, (k, n) -> {
      int next = n == null ? 1 : n + 1;
      if (next > maxPerAddress) {
        ok[0] = false;
        return n;
      }
      return next;
    });
    if (!ok[0]) {
      open.decrementAndGet();
    }
    return ok[0];
  }

  /** Gives back the slot of a connection from {@code address} that {@link #tryAcquire} admitted. */
  public void release(InetAddress address) {
    open.decrementAndGet();
    perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
  }

  public int open() {
    return open.get();
  }
}
