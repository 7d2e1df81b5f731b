package io.p2pquic.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Vert.x instance owned by a test class, closed by JUnit when its tests are done: one for the whole
 * class held in a static field,
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestVertx VERTX = TestVertx.perClass();
 * private static final Vertx vertx = VERTX.vertx();
 * }</pre>
 *
 * <p>or a fresh one for every test held in an instance field ({@link #perTest()}, same shape without
 * {@code static}). The instance exists from the field's initialisation on, so fields can be built from it.
 */
public final class TestVertx implements AfterAllCallback, AfterEachCallback {
  private final Vertx vertx;
  private final boolean perTest;

  private TestVertx(VertxOptions options, boolean perTest) {
    this.vertx = Vertx.vertx(options);
    this.perTest = perTest;
  }

  /** For a static field: closed after the class's last test. */
  public static TestVertx perClass() {
    return new TestVertx(new VertxOptions(), false);
  }

  /** For a static field, with {@code options} (e.g. one event loop for a deterministic order). */
  public static TestVertx perClass(VertxOptions options) {
    return new TestVertx(options, false);
  }

  /** For an instance field: JUnit makes one per test and it is closed after that test. */
  public static TestVertx perTest() {
    return new TestVertx(new VertxOptions(), true);
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (perTest) {
      Await.await(vertx.close());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (!perTest) {
      Await.await(vertx.close());
    }
  }
}
