package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the signalling/HTTP listener negotiated permessage-deflate (a 58 KB frame inflated to 60 MB
 * before the size check), held half-sent requests without an idle timeout, and accepted any number of
 * connections from one address. Raw sockets, so nothing is hidden by a client library.
 */
class HttpListenerLimitsTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private Vertx vertx;
  private RendezvousVerticle rendezvous;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0)).put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", -1).put("idleTimeoutMs", 1_000)
            .put("maxConnectionsPerIp", 3))), metrics);
    vertx.deployVerticle(rendezvous).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void down() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Socket connect() throws Exception {
    Socket s = new Socket("127.0.0.1", rendezvous.httpPort());
    s.setSoTimeout(10_000);
    return s;
  }

  private static String head(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    return b.toString();
  }

  @Test
  void theWebSocketUpgradeNegotiatesNoCompression() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(("GET /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit-deflate-frame\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = head(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 101");
      assertThat(response.toLowerCase()).doesNotContain("sec-websocket-extensions");
    }
  }

  @Test
  void aHalfSentRequestIsNotHeldPastTheIdleTimeout() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(8_000);
    }
  }

  @Test
  void connectionsBeyondThePerAddressCapAreClosedAndCounted() throws Exception {
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(connect());
      }
      try (Socket fourth = connect()) {
        fourth.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(fourth.getInputStream().read()).isEqualTo(-1);
      }
      Socket first = open.get(0);
      first.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(head(first.getInputStream())).startsWith("HTTP/1.1 200");
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    assertThat(metrics.counter("p2p.signalling.connections.refused").count()).isEqualTo(1);
  }
}
