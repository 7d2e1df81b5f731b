package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.quic.Quic;
import org.junit.jupiter.api.Test;

/**
 * The QUIC codec's native part (quiche, classifier linux-x86_64) must load with the Netty that Vert.x
 * uses: the incubator codec built for Netty 4.1 cannot (docs/quic.md). This pins that fact in CI.
 */
class QuicCodecAvailabilityTest {
  @Test
  void nativeQuicCodecLoadsWithVertxNetty() {
    assertThat(Quic.isAvailable())
        .as("QUIC native library: %s", Quic.unavailabilityCause())
        .isTrue();
    assertThat(io.netty.util.Version.identify().get("netty-codec-classes-quic").artifactVersion())
        .isEqualTo(io.netty.util.Version.identify().get("netty-transport").artifactVersion());
  }
}
