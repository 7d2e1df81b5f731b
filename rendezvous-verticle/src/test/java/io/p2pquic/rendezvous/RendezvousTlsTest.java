package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** http.tls: the HTTP listener speaks TLS only, with the certificate it created and keeps. */
class RendezvousTlsTest {
  @TempDir Path dir;
  private Vertx vertx;

  @AfterEach
  void down() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private RendezvousVerticle start() throws Exception {
    vertx = Vertx.vertx();
    RendezvousVerticle r = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", 0).put("tls", new JsonObject().put("enabled", true)
            .put("certFile", dir.resolve("r.crt").toString()).put("keyFile", dir.resolve("r.key").toString())))
        .put("stun", new JsonObject().put("port", 0)).put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", -1))), new SimpleMeterRegistry());
    vertx.deployVerticle(r).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return r;
  }

  private static String get(Socket s, String path) throws Exception {
    s.setSoTimeout(10_000);
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void healthIsServedOverTlsWithThePinnedCertificateAndNotInTheClear() throws Exception {
    RendezvousVerticle r = start();
    ServerCertificate cert = r.certificate();
    assertThat(cert.created()).isTrue();

    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("rendezvous", cert.leaf());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", r.httpPort())) {
      String reply = get(s, "/health");
      assertThat(reply).startsWith("HTTP/1.1 200").contains("\"status\":\"up\"");
      assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(cert.leaf());
    }
    try (Socket plain = new Socket("127.0.0.1", r.httpPort())) {
      assertThat(get(plain, "/health")).doesNotContain("HTTP/1.1 200");
    }

    // A restart keeps the certificate, so the pin peers hold stays good.
    String pin = cert.pin().sha256Hex();
    down();
    RendezvousVerticle again = start();
    assertThat(again.certificate().created()).isFalse();
    assertThat(again.certificate().pin().sha256Hex()).isEqualTo(pin);
  }
}
