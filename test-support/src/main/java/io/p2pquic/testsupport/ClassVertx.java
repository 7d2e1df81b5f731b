package io.p2pquic.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Vert.x instance for all tests of a class, closed after the last one:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ClassVertx VERTX = new ClassVertx();
 * private static final Vertx vertx = VERTX.vertx();
 * }</pre>
 *
 * <p>The instance exists from the class's static initialisation on, so fields can be built from it.
 */
public final class ClassVertx implements AfterAllCallback {
  private final Vertx vertx;

  public ClassVertx() {
    this(new VertxOptions());
  }

  public ClassVertx(VertxOptions options) {
    this.vertx = Vertx.vertx(options);
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Await.await(vertx.close());
  }
}
