package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.config.ConfigKeyException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 15: /health and /metrics were served to anyone on the public signalling port. */
class AdminEndpointsTest {
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Vertx vertx;

  @AfterEach
  void down() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private RendezvousVerticle start(JsonObject admin) throws Exception {
    vertx = Vertx.vertx();
    RendezvousVerticle r = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("admin", admin)
        .put("stun", new JsonObject().put("port", 0)).put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", -1))), metrics);
    vertx.deployVerticle(r).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return r;
  }

  /** A GET from {@code from} (a loopback address other than the server's, to look like another host). */
  private static String get(String from, int port, String path) throws Exception {
    return request("GET", from, port, path);
  }

  private static String request(String method, String from, int port, String path) throws Exception {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void onTheSharedPortOnlyAllowedClientsAndTheHostItselfReadThem() throws Exception {
    RendezvousVerticle r = start(new JsonObject().put("allow", new JsonArray().add("10.0.0.0/8").add("127.0.0.3")));
    assertThat(get("127.0.0.1", r.httpPort(), "/health")).as("the host itself").startsWith("HTTP/1.1 200");
    assertThat(get("127.0.0.3", r.httpPort(), "/metrics")).as("listed").startsWith("HTTP/1.1 200")
        .contains("p2p_");
    String refused = get("127.0.0.2", r.httpPort(), "/health");
    assertThat(refused).startsWith("HTTP/1.1 403").contains("admin.allow");
    assertThat(get("127.0.0.2", r.httpPort(), "/metrics")).startsWith("HTTP/1.1 403");
    assertThat(metrics.counter("p2p.admin.refused").count()).isEqualTo(2);
    assertThat(r.adminPort()).isEqualTo(-1);
  }

  @Test
  void withAPortOfTheirOwnTheyLeaveThePublicPort() throws Exception {
    RendezvousVerticle r = start(new JsonObject().put("port", 0).put("bind", "127.0.0.1"));
    assertThat(r.adminPort()).isPositive().isNotEqualTo(r.httpPort());
    assertThat(get("127.0.0.2", r.adminPort(), "/health")).startsWith("HTTP/1.1 200").contains("\"status\":\"up\"");
    assertThat(get("127.0.0.2", r.adminPort(), "/metrics")).startsWith("HTTP/1.1 200");
    // Monitoring probes use HEAD: the headers, no body (it was 405).
    String head = request("HEAD", "127.0.0.2", r.adminPort(), "/metrics");
    assertThat(head).startsWith("HTTP/1.1 200").contains("text/plain").doesNotContain("p2p_");
    assertThat(request("HEAD", "127.0.0.2", r.adminPort(), "/health")).startsWith("HTTP/1.1 200");
    assertThat(get("127.0.0.1", r.httpPort(), "/health")).startsWith("HTTP/1.1 404");
    assertThat(get("127.0.0.1", r.httpPort(), "/metrics")).startsWith("HTTP/1.1 404");
  }

  @Test
  void aShortTokenIsAConfigurationErrorNamingTheKey() {
    assertThatThrownBy(() -> RendezvousConfig.fromJson(new JsonObject()
            .put("admin", new JsonObject().put("token", "short"))))
        .isInstanceOf(ConfigKeyException.class).hasMessageContaining("admin.token must be 16-256 characters");
    assertThatThrownBy(() -> RendezvousConfig.fromJson(new JsonObject()
            .put("admin", new JsonObject().put("token", "sixteen-chars;and-a-semicolon"))))
        .as("a cookie could not carry it").isInstanceOf(ConfigKeyException.class).hasMessageContaining("admin.token");
    assertThatThrownBy(() -> RendezvousConfig.fromJson(new JsonObject()
            .put("admin", new JsonObject().put("tokn", "x"))))
        .isInstanceOf(ConfigKeyException.class).hasMessageContaining("known: port, bind, allow, token");
    assertThat(RendezvousConfig.fromJson(new JsonObject().put("admin", new JsonObject().put("token", ""))).admin().token())
        .as("empty: none").isNull();
    AdminConfig withToken = AdminConfig.fromJson(new JsonObject().put("token", "0123456789abcdef"));
    assertThat(AdminConfig.fromJson(withToken.toJson()).token()).isEqualTo("0123456789abcdef");
  }

  @Test
  void aBadPrefixIsAConfigurationErrorNamingTheKey() {
    assertThatThrownBy(() -> RendezvousConfig.fromJson(new JsonObject()
            .put("admin", new JsonObject().put("allow", new JsonArray().add("everyone")))))
        .isInstanceOf(ConfigKeyException.class).hasMessageContaining("admin.allow").hasMessageContaining("everyone");
  }
}
