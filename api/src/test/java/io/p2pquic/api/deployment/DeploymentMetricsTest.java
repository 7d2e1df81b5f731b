package io.p2pquic.api.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.junit.jupiter.api.Test;

/** Where a verticle deployed from JSON reports its meters. */
class DeploymentMetricsTest {

  @Test
  void aVertxWithMicrometerMetricsSharesItsRegistry() {
    SimpleMeterRegistry shared = new SimpleMeterRegistry();
    Vertx vertx = Vertx.builder().withMetrics(new MicrometerMetricsFactory(shared)).build();
    try {
      assertThat(vertx.isMetricsEnabled()).isTrue();
      assertThat(DeploymentMetrics.registryFor(vertx)).isSameAs(shared);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aPlainVertxGetsARegistryOfItsOwn() {
    Vertx vertx = Vertx.vertx();
    try {
      MeterRegistry registry = DeploymentMetrics.registryFor(vertx);
      assertThat(registry).isInstanceOf(SimpleMeterRegistry.class);
    } finally {
      vertx.close().await();
    }
  }
}
