package io.p2pquic.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.vertx.core.Vertx;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against the real server on loopback: it answers correctly and stops by itself. Speed is not asserted. */
class StunLoadTest {

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void measuresTheRealServerAndStopsByItself() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      StunServer server = new StunServer(
          vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcp(false), new SimpleMeterRegistry());
      server.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      int port = server.udpAddress().getPort();
      assertThat(StunLoad.probe(StunLoad.loopbackTarget("127.0.0.1:" + port), 5000)).isTrue();

      long t0 = System.nanoTime();
      StunLoad.Result r = new StunLoad(StunLoad.Options.parse(
          "--target", "127.0.0.1:" + port, "--sockets", "2", "--window", "4",
          "--duration", "1", "--warmup", "0", "--timeout-ms", "1000", "--label", "test")).run();
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

      assertThat(seconds).as("duration + at most one timeout").isLessThanOrEqualTo(3);
      assertThat(r.responses()).isPositive();
      assertThat(r.bad()).as("every answer is a success response mapping to the sender").isZero();
      assertThat(r.sent()).isEqualTo(r.responses() + r.lost());
      assertThat(r.p50Us()).isPositive().isLessThanOrEqualTo(r.p99Us());
      assertThat(r.responseAttributes()).contains("XOR-MAPPED-ADDRESS").contains("FINGERPRINT");
      server.stop().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void maxRequestsBoundsTheRunEvenWithoutAServer() throws Exception {
    int port;
    try (DatagramSocket free = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort(); // closed again: nothing answers there
    }
    StunLoad.Result r = new StunLoad(StunLoad.Options.parse(
        "--target", "127.0.0.1:" + port, "--sockets", "1", "--window", "2", "--duration", "1",
        "--warmup", "0", "--timeout-ms", "50", "--max-requests", "10")).run();
    assertThat(r.sent()).isLessThanOrEqualTo(10);
    assertThat(r.responses()).isZero();
    assertThat(r.lost()).isEqualTo(r.sent());
  }

  @Test
  void onlyLoopbackAndBoundedOptions() {
    assertThatThrownBy(() -> StunLoad.Options.parse("--target", "192.0.2.1:3478"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    assertThatThrownBy(() -> StunLoad.Options.parse("--target", "localhost:3478"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StunLoad.Options.parse("--target", "127.0.0.1:3478", "--duration", "100000"))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> StunLoad.Options.parse("--target", "127.0.0.1:3478", "--window", "0"))
        .hasMessageContaining("--window");
    assertThatThrownBy(() -> StunLoad.Options.parse("--sockets", "2"))
        .hasMessageContaining("--target");
  }
}
