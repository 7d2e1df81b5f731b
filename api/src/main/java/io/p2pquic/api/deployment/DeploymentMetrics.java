package io.p2pquic.api.deployment;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;

/**
 * The meter registry of a verticle deployed the Vert.x way (by class name or no-arg constructor, with a
 * {@code DeploymentOptions} config): the Vert.x instance's own registry when it runs with vertx-micrometer
 * metrics, so the {@code p2p_*} meters appear next to Vert.x's; otherwise a registry of the verticle's own.
 *
 * <p>vertx-micrometer is looked up by name, not linked: it is an optional extra for whoever deploys the
 * verticles, and the launcher (which passes its Prometheus registry to the constructors) does not need it.
 */
public final class DeploymentMetrics {
  private static final String BACKEND_REGISTRIES = "io.vertx.micrometer.backends.BackendRegistries";

  private DeploymentMetrics() {}

  /** The registry for a verticle deployed on {@code vertx}; never null. */
  public static MeterRegistry registryFor(Vertx vertx) {
    if (vertx.isMetricsEnabled()) {
      MeterRegistry shared = vertxMicrometerDefault();
      if (shared != null) {
        return shared;
      }
    }
    return new SimpleMeterRegistry();
  }

  /** {@code BackendRegistries.getDefaultNow()} when vertx-micrometer is on the class path, else null. */
  private static MeterRegistry vertxMicrometerDefault() {
    try {
      Object registry = Class.forName(BACKEND_REGISTRIES).getMethod("getDefaultNow").invoke(null);
      return registry instanceof MeterRegistry r ? r : null;
    } catch (ReflectiveOperationException | LinkageError e) {
      return null; // not there, or another version: the verticle keeps its own registry
    }
  }
}
