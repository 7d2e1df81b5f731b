package io.p2pquic.rendezvous.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerIdentity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any text frame a client sends, before or after the challenge, on both transports' shared path
 * ({@link Session#readText} on the connection's thread, then {@link Session#onInbound}): the server answers
 * with JSON objects that carry a type, never fails inside (no "internal" error, nothing thrown on its
 * context), and closes the connection at most.
 */
class SignallingSessionFuzzTest {
  private static Vertx vertx;
  private static Context context;
  private static SignallingService service;
  private static final AtomicReference<Throwable> uncaught = new AtomicReference<>();

  /** Records what the session writes; never full, never closed by the network. */
  private static final class RecordingConnection implements SignallingConnection {
    final List<String> written = new ArrayList<>();
    boolean closed;

    @Override
    public InetSocketAddress remoteAddress() {
      return new InetSocketAddress("192.0.2.7", 40000);
    }

    @Override
    public String transport() {
      return "fuzz";
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void writeText(String text) {
      written.add(text);
    }

    @Override
    public void pauseUntilDrained() {}

    @Override
    public void close(short code, String reason) {
      closed = true;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    TestSupport.quietLogs();
    vertx = Vertx.vertx();
    vertx.exceptionHandler(uncaught::set);
    context = vertx.getOrCreateContext();
    CompletableFuture<Void> up = new CompletableFuture<>();
    context.runOnContext(v -> {
      service = new SignallingService(vertx, new SignallingConfig().setNodeId("fuzz"), new SimpleMeterRegistry());
      service.start().onComplete(ar -> {
        if (ar.succeeded()) {
          up.complete(null);
        } else {
          up.completeExceptionally(ar.cause());
        }
      });
    });
    up.get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static final PeerIdentity PEER = PeerIdentity.generate();

  /** The register message a real client sends for the all-zero nonce the harness's sessions use. */
  private static String register() {
    byte[] sig = PEER.sign(SignallingProtocol.registrationPayload(new byte[SignallingProtocol.NONCE_LENGTH]));
    return new JsonObject().put("type", SignallingProtocol.REGISTER).put("id", "r").put("peerId", PEER.peerId().value())
        .put("publicKey", PEER.publicKeyBase64()).put("signature", java.util.Base64.getEncoder().encodeToString(sig))
        .encode();
  }

  private static void onContext(Runnable r) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        r.run();
        done.complete(null);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    done.get(10, TimeUnit.SECONDS);
  }

  /** First input byte: 1 = registered first (lookups, relays and the rest are reachable), else a new connection. */
  @FuzzTest
  void answersEveryFrameWithoutFailingInside(FuzzedDataProvider in) throws Exception {
    boolean registered = in.consumeBoolean();
    String text = in.consumeRemainingAsString();
    RecordingConnection conn = new RecordingConnection();
    Session[] s = new Session[1];
    onContext(() -> {
      s[0] = new Session(service, conn, new byte[SignallingProtocol.NONCE_LENGTH]);
      s[0].open();
      if (registered) {
        s[0].onInbound(s[0].readText(register()));
      }
    });
    if (registered) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (conn.written.stream().noneMatch(w -> w.contains("\"registered\"")) && System.nanoTime() < deadline) {
        onContext(() -> { });
      }
      assertThat(conn.written).as("registration").anyMatch(w -> w.contains("\"registered\""));
    }
    onContext(() -> {
      s[0].onInbound(s[0].readText(text));
      s[0].onInbound(s[0].readText(text)); // the same frame again: the state after the first one must hold
    });
    onContext(() -> s[0].onClosed());
    assertThat(uncaught.get()).isNull();
    for (String reply : List.copyOf(conn.written)) {
      JsonObject j = new JsonObject(reply);
      assertThat(j.getValue("type")).isInstanceOf(String.class);
      assertThat(j.getValue("code")).as(reply).isNotEqualTo("internal");
    }
  }
}
