package io.p2pquic.rendezvous;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * TLS of the HTTP listener ({@code http.tls}): {@code wss://} signalling and HTTPS {@code /health} and
 * {@code /metrics}.
 *
 * <pre>{@code "tls": { "enabled": false, "certFile": "rendezvous-tls.crt", "keyFile": "rendezvous-tls.key" }}</pre>
 *
 * <p>{@code certFile} is a PEM chain (leaf first), {@code keyFile} its PKCS#8 PEM key. When both files
 * are missing, the node creates a self-signed certificate there (ECDSA P-256, key file 0600) and keeps it
 * across restarts, so the {@code #sha256=} pin peers use stays valid.
 */
public final class HttpTlsConfig extends JsonDataObject {
  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_CERT_FILE = "rendezvous-tls.crt";
  public static final String DEFAULT_KEY_FILE = "rendezvous-tls.key";
  private static final List<String> KNOWN = List.of("enabled", "certFile", "keyFile");

  private boolean enabled = DEFAULT_ENABLED;
  private String certFile = DEFAULT_CERT_FILE;
  private String keyFile = DEFAULT_KEY_FILE;

  public HttpTlsConfig() {}

  public HttpTlsConfig(HttpTlsConfig other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public HttpTlsConfig(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> enabled = StrictConfig.bool(v);
        case "certFile" -> certFile = StrictConfig.string(v);
        case "keyFile" -> keyFile = StrictConfig.string(v);
        default -> throw new IllegalStateException(k);
      }
    });
    if (certFile.isBlank() || keyFile.isBlank()) {
      throw new IllegalArgumentException("certFile and keyFile must name files");
    }
  }

  /** Same as {@link #HttpTlsConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static HttpTlsConfig fromJson(JsonObject json) {
    return new HttpTlsConfig(json);
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("certFile", certFile).put("keyFile", keyFile);
  }

  public boolean enabled() {
    return enabled;
  }

  public HttpTlsConfig setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public String certFile() {
    return certFile;
  }

  public HttpTlsConfig setCertFile(String certFile) {
    this.certFile = certFile;
    return this;
  }

  public String keyFile() {
    return keyFile;
  }

  public HttpTlsConfig setKeyFile(String keyFile) {
    this.keyFile = keyFile;
    return this;
  }
}
