package io.p2pquic.testsupport;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Waiting in tests, one way everywhere: for a Vert.x {@link Future} (its value, or its failure as the
 * {@code ExecutionException} whose cause a test can inspect), and for a condition to become true.
 * Tests block their own thread, never an event loop.
 */
public final class Await {
  /** Long enough for a loopback session under a loaded CI machine; a hung test still ends. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private Await() {}

  /** The future's value within {@link #DEFAULT_TIMEOUT}. */
  public static <T> T await(Future<T> f) throws Exception {
    return await(f, DEFAULT_TIMEOUT);
  }

  /** The future's value within {@code timeout}; its failure comes as an {@code ExecutionException}. */
  public static <T> T await(Future<T> f, Duration timeout) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The future's value within {@code timeout}, for code that cannot throw checked exceptions (lambdas,
   * helpers): a failure or a timeout is an {@link AssertionError} with the cause.
   */
  public static <T> T result(Future<T> f, Duration timeout) {
    try {
      return await(f, timeout);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError("future did not complete in " + timeout.toSeconds() + " s", e);
    }
  }

  /**
   * The future's value within {@code timeout}, for tests that assert on the failure's own type
   * ({@code assertThrows(SomeException.class, () -> unwrapped(f, t))}): a failing {@code Exception} or
   * {@code Error} is rethrown as itself, not wrapped; a timeout is a {@link TimeoutException}.
   */
  public static <T> T unwrapped(Future<T> f, Duration timeout) throws Exception {
    try {
      return await(f, timeout);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }

  /**
   * The failure of a future that must fail within {@code timeout}; its success or a timeout is an
   * {@link AssertionError}.
   */
  public static Throwable failure(Future<?> f, Duration timeout) {
    try {
      await(f, timeout);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete in " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for a failure", e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure, the future succeeded");
  }

  /**
   * Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}.
   */
  public static void until(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    if (!holdsWithin(condition, timeout)) {
      throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
    }
  }

  /** Whether {@code condition} holds within {@code timeout} (polled every 20 ms). */
  public static boolean holdsWithin(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }
}
