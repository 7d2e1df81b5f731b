package io.p2pquic.puncher.stun;

import io.vertx.core.Future;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Blocking helpers for tests that run on the JUnit thread (never on an event loop). */
public final class TestSupport {
  private TestSupport() {}

  public static <T> T await(Future<T> f) throws Exception {
    return await(f, 20);
  }

  public static <T> T await(Future<T> f, int seconds) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  /** The failure of a future expected to fail. */
  public static Throwable awaitFailure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got success");
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
