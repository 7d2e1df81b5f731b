package io.p2pquic.puncher.stun;

import io.p2pquic.testsupport.Await;
import io.vertx.core.Future;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Blocking helpers for tests that run on the JUnit thread (never on an event loop). */
public final class TestSupport {
  private TestSupport() {}

  /** {@link Await#unwrapped} within 20 s: kept as a short name for this module's many callers. */
  public static <T> T await(Future<T> f) throws Exception {
    return Await.unwrapped(f, Duration.ofSeconds(20));
  }

  public static <T> T await(Future<T> f, int seconds) throws Exception {
    return Await.unwrapped(f, Duration.ofSeconds(seconds));
  }

  /** The failure of a future expected to fail ({@link Await#failure} within 20 s). */
  public static Throwable awaitFailure(Future<?> f) {
    return Await.failure(f, Duration.ofSeconds(20));
  }

  /**
   * A UDP port P such that P and P+1 are free on every given IP (what an RFC 5780 server with the
   * default alternate port needs). Racy by nature; callers retry the server start.
   */
  public static int freeUdpPortPair(String... ips) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      if (free(p, ips) && free(p + 1, ips)) {
        return p;
      }
    }
    throw new IllegalStateException("no free UDP port pair found");
  }

  public static int freeTcpPort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static boolean free(int port, String... ips) {
    for (String ip : ips) {
      try {
        new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ip), port)).close(); // bound: free
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }
}
