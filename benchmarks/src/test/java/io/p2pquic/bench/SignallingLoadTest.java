package io.p2pquic.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.signalling.SignallingConfig;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendezvous load generator against a real signalling service on loopback: every simulated peer
 * registers with its own key, every message it sends is delivered and acknowledged, and the run ends by
 * itself. Speed is not asserted (that is the benchmark's job).
 */
class SignallingLoadTest {

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void registersEveryPeerAndDeliversEveryMessage(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SignallingConfig config = new SignallingConfig().setRatePerSecond(1000).setRateBurst(1000);
      SignallingService service = new SignallingService(vertx, config, new SimpleMeterRegistry());
      CompletableFuture<HttpServer> started = new CompletableFuture<>();
      vertx.getOrCreateContext().runOnContext(v -> {
        Router router = Router.router(vertx);
        service.mount(router);
        service.start()
            .compose(x -> vertx.createHttpServer(config.applyTo(new HttpServerOptions().setHost("127.0.0.1")))
                .requestHandler(router).listen(0))
            .onSuccess(started::complete).onFailure(started::completeExceptionally);
      });
      HttpServer server = started.get(30, TimeUnit.SECONDS);
      Path marker = dir.resolve("registered");

      long pid = ProcessHandle.current().pid();
      java.util.List<SignallingLoad.Result> steps = new SignallingLoad(SignallingLoad.Options.parse(
          "--target", "ws://127.0.0.1:" + server.actualPort() + "/signal", "--peers", "40", "--rate", "200,100",
          "--warmup", "1", "--duration", "2", "--registered-marker", marker.toString(), "--label", "test",
          "--server-pids", Long.toString(pid))).run();
      assertThat(steps).extracting(SignallingLoad.Result::offeredRate).containsExactly(200, 100);
      SignallingLoad.Result r = steps.get(0);

      assertThat(r.registered()).isEqualTo(40);
      assertThat(r.registerFailed()).isZero();
      assertThat(Files.readString(marker).trim()).isEqualTo("40");
      assertThat(r.sent()).as("about 200/s for 2 measured seconds").isBetween(200L, 600L);
      assertThat(r.delivered()).as("a loopback rendezvous loses nothing").isEqualTo(r.sent());
      assertThat(r.errors()).isZero();
      assertThat(r.acked()).as("every message sent, warm-up included, is acknowledged").isGreaterThanOrEqualTo(r.sent());
      assertThat(r.p50Ms()).isPositive().isLessThanOrEqualTo(r.p99Ms());
      assertThat(r.toJson().getInteger("registered")).isEqualTo(40);
      assertThat(r.serverCpuSeconds()).as("CPU of the named process over the window").isPositive();
      SignallingLoad.Result second = steps.get(1);
      assertThat(second.sent()).as("the second step counts its own messages only").isBetween(100L, 300L);
      assertThat(second.delivered()).isEqualTo(second.sent());
      service.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void refusesTargetsOffThisMachineAndBadBounds() {
    assertThatThrownBy(() -> SignallingLoad.Options.parse("--target", "ws://192.0.2.1:8088/signal"))
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> SignallingLoad.Options.parse("--target", "ws://localhost:8088/signal"))
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> SignallingLoad.Options.parse("--target", "http://127.0.0.1:8088/signal"))
        .hasMessageContaining("ws://");
    assertThatThrownBy(() -> SignallingLoad.Options.parse("--target", "ws://127.0.0.1:8088/signal", "--peers", "1"))
        .hasMessageContaining("--peers");
    SignallingLoad.Options o = SignallingLoad.Options.parse("--target",
        "ws://127.0.0.1:8088/signal,ws://127.0.0.1:8090/signal", "--peers", "150000");
    assertThat(o.targets()).hasSize(2);
    assertThat(o.sources()).as("75,000 connections a node need 3 source addresses").isEqualTo(3);
    assertThat(Duration.ofSeconds(o.durationS())).isEqualTo(Duration.ofSeconds(20));
  }
}
