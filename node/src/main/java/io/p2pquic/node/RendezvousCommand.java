package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.p2pquic.rendezvous.turn.TurnServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "rendezvous",
    mixinStandardHelpOptions = true,
    description = {
      "Run a public rendezvous node: STUN, TURN relay and signalling for peers.",
      "STUN and TURN on UDP and TCP (RFC 8489, RFC 8656; RFC 5780 NAT discovery with --alt-address), the "
          + "signalling WebSocket at ws://HOST:HTTP_PORT/signal (wss:// with --tls), QUIC signalling for method quic-native, /health "
          + "and /metrics (Prometheus). Prints the addresses to give peers. Peers must be able to reach the STUN "
          + "port (UDP and TCP), the HTTP port (TCP), the QUIC port (UDP) and the relay port range (UDP). Stops "
          + "cleanly on Ctrl-C / SIGTERM.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node rendezvous                                        STUN 3478, HTTP 8088 on all addresses, relay closed",
      "  p2p-node rendezvous --grant pq1abc...,pq1def...            relay for these two peers only",
      "  p2p-node rendezvous --grant all-registered                 relay for every peer that registers",
      "  p2p-node rendezvous --bind 203.0.113.10 --alt-address 203.0.113.11   NAT discovery server",
      "  p2p-node rendezvous --cluster --cluster-config conf/cluster.xml      join other nodes",
      "  p2p-node rendezvous --tls                                  wss:// with a self-signed certificate peers pin",
      "  p2p-node rendezvous --tls-cert fullchain.pem --tls-key key.pem       wss:// with your certificate",
      "",
      "  P2P_TURN_SECRET_FILE=/run/secrets/turn p2p-node rendezvous --cluster   relays share a secret",
      "",
      "Environment: P2P_BIND, P2P_STUN_PORT, P2P_HTTP_PORT, P2P_QUIC_PORT, P2P_ALT_ADDRESS, P2P_CLUSTER,",
      "P2P_TURN_SECRET_FILE, P2P_TURN_GRANT, P2P_CLUSTER_SECRET_FILE, P2P_TLS, P2P_TLS_CERT, P2P_TLS_KEY,",
      "P2P_ADMIN_PORT, P2P_ADMIN_TOKEN_FILE (flags win).",
    })
final class RendezvousCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration (default: conf/rendezvous.json).")
  Path config;

  @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "${env:P2P_BIND}",
      description = "Address to listen on (default 0.0.0.0; must be specific with --alt-address).")
  String bind;

  @Option(names = "--stun-port", paramLabel = "N", defaultValue = "${env:P2P_STUN_PORT}",
      description = "STUN port, UDP and TCP (default 3478).")
  Integer stunPort;

  @Option(names = "--http-port", paramLabel = "N", defaultValue = "${env:P2P_HTTP_PORT}",
      description = "HTTP/WebSocket port for signalling, /health and /metrics (default 8088).")
  Integer httpPort;

  @Option(names = "--quic-port", paramLabel = "N", defaultValue = "${env:P2P_QUIC_PORT}",
      description = "UDP port of the QUIC signalling transport used by method quic-native (signalling.quicPort; "
          + "8089 in the shipped conf/rendezvous.json, -1 turns it off).")
  Integer quicPort;

  @Option(names = "--alt-address", paramLabel = "ADDR", defaultValue = "${env:P2P_ALT_ADDRESS}",
      description = "Second address of this host: enables RFC 5780 NAT behaviour discovery (CHANGE-REQUEST, OTHER-ADDRESS).")
  String altAddress;

  @Option(names = "--alt-port", paramLabel = "N", description = "Second STUN port for RFC 5780 (default: STUN port + 1).")
  Integer altPort;

  @Option(names = "--cluster", defaultValue = "${env:P2P_CLUSTER}", fallbackValue = "true", arity = "0..1",
      description = "Join the Hazelcast cluster described by --cluster-config (peer registry and delivery become cluster-wide).")
  Boolean cluster;

  @Option(names = "--cluster-config", paramLabel = "FILE", description = "Hazelcast XML (default: conf/cluster.xml).")
  Path clusterConfig;

  // A file, not the secret itself: a command line is visible to every user of the host (ps).
  @Option(names = "--turn-secret-file", paramLabel = "FILE", defaultValue = "${env:P2P_TURN_SECRET_FILE}",
      description = {"File holding the TURN REST shared secret (turn.authSecret; first line, trimmed).",
          "Every rendezvous and relay node of a cluster needs the same secret. Several lines rotate: newest first (it signs new "
          + "credentials), older ones still verify."})
  Path turnSecretFile;

  // A file for the same reason: the operator API's token (admin.token) is a secret too.
  @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:P2P_ADMIN_TOKEN_FILE}",
      description = {"File holding the token the operator API and the dashboard ask for (admin.token; first line, "
          + "trimmed). See docs/operator-api.md."})
  Path adminTokenFile;

  @Option(names = "--grant", paramLabel = "all-registered|PEER_ID[,PEER_ID...]", split = ",",
      defaultValue = "${env:P2P_TURN_GRANT}",
      description = {"Who gets relay credentials (turn.grant). Default: nobody, the relay is closed.",
          "all-registered: every peer that registers (anyone able to make a key pair); or the peer ids of your own peers."})
  List<String> grant;

  @Option(names = "--tls", defaultValue = "${env:P2P_TLS}", fallbackValue = "true", arity = "0..1",
      description = {"TLS on the HTTP port (http.tls.enabled): wss:// signalling, HTTPS /health and /metrics.",
          "Without --tls-cert/--tls-key a self-signed certificate is created in rendezvous-tls.crt/.key (kept "
              + "for later starts); peers pin it with the #sha256=... this command prints."})
  Boolean tls;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:P2P_TLS_CERT}",
      description = "PEM certificate chain, leaf first (http.tls.certFile; implies --tls).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:P2P_TLS_KEY}",
      description = "PEM (PKCS#8) private key of --tls-cert (http.tls.keyFile).")
  Path tlsKey;

  @Option(names = "--admin-port", paramLabel = "N", defaultValue = "${env:P2P_ADMIN_PORT}",
      description = {"/health and /metrics on a listener of their own at admin.bind (127.0.0.1) instead of the HTTP "
          + "port (admin.port; 0 = any free port). Default -1: on the HTTP port, for loopback, private "
          + "addresses and this host only (admin.allow)."})
  Integer adminPort;

  @Override
  public Integer call() {
    RendezvousConfig cfg = resolve();
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx(cfg.cluster(), clusterConfig, metrics);
    RendezvousVerticle rendezvous = new RendezvousVerticle(cfg, metrics);
    NodeRuntime.await(vertx.deployVerticle(rendezvous), Duration.ofSeconds(30), "starting the rendezvous");
    PrintWriter out = spec.commandLine().getOut();
    printAddresses(out, cfg, rendezvous);
    NodeRuntime.runUntilStopped(vertx);
    return ExitCodes.OK;
  }

  /**
   * What peers should be given: the addresses they can use, not the wildcard the node listens on
   * ({@code ws://0.0.0.0:8088/signal} is no address for a peer on another machine).
   */
  static void printAddresses(PrintWriter out, RendezvousConfig cfg, RendezvousVerticle rendezvous) {
    java.net.InetSocketAddress stun = rendezvous.stunAddress();
    List<String> hosts = usableHosts(cfg.httpBind());
    String host = hosts.get(0);
    io.p2pquic.rendezvous.ServerCertificate cert = rendezvous.certificate();
    String signal = (cert != null ? "wss://" : "ws://") + host + ":" + rendezvous.httpPort() + cfg.signalling().path()
        + (cert != null ? "#" + cert.pin().fragment() : "");
    out.println("rendezvous ready");
    out.println("  signalling   " + signal);
    out.println("  STUN/TURN    " + host + ":" + stun.getPort() + " (udp+tcp)");
    java.net.InetSocketAddress quic = rendezvous.quicSignallingAddress();
    if (quic != null) {
      out.println("  QUIC signal  " + host + ":" + quic.getPort() + " (udp, method quic-native)");
    }
    if (rendezvous.adminPort() >= 0) {
      out.println("  health       " + (cert != null ? "https" : "http") + "://" + cfg.admin().bind() + ":"
          + rendezvous.adminPort() + "/health  (metrics: /metrics; admin port)");
    } else {
      out.println("  health       " + (cert != null ? "https" : "http") + "://" + host + ":" + rendezvous.httpPort()
          + "/health  (metrics: /metrics; loopback, private addresses and this host only: admin.allow)");
    }
    String adminBase = (cert != null ? "https" : "http") + "://" + (rendezvous.adminPort() >= 0
        ? cfg.admin().bind() + ":" + rendezvous.adminPort() : host + ":" + rendezvous.httpPort());
    out.println("  dashboard    " + adminBase + "/dashboard/" + (cfg.admin().token() != null ? "?token=<admin.token>" : "")
        + "  (operator API: " + adminBase + "/api/v1; same access as /health)");
    if (cert != null) {
      out.println("  certificate  " + cert.certFile() + (cert.created() ? " (self-signed, created now)" : "")
          + ", pin " + cert.pin().fragment());
    }
    if (hosts.size() > 1) {
      out.println("  listening on all addresses; this host's others: " + String.join(", ", hosts.subList(1, hosts.size())));
    }
    out.println("peers use: --rendezvous " + signal + " --stun " + host + ":" + stun.getPort());
    out.flush();
  }

  /** The bind address, or for a wildcard bind this host's addresses (global IPv4 first, loopback last). */
  static List<String> usableHosts(String bind) {
    java.net.InetAddress b;
    try {
      b = java.net.InetAddress.getByName(bind);
    } catch (java.net.UnknownHostException e) {
      return List.of(bind);
    }
    if (!b.isAnyLocalAddress()) {
      return List.of(hostLiteral(b));
    }
    List<java.net.InetAddress> found = new java.util.ArrayList<>();
    try {
      for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && !nif.isLoopback()) {
          for (java.net.InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
            if (!a.isLinkLocalAddress() && (b instanceof java.net.Inet6Address || a instanceof java.net.Inet4Address)) {
              found.add(a);
            }
          }
        }
      }
    } catch (java.net.SocketException e) {
      // fall back to loopback below
    }
    found.sort(java.util.Comparator.comparing((java.net.InetAddress a) -> a instanceof java.net.Inet6Address)
        .thenComparing(a -> a.isSiteLocalAddress()));
    List<String> out = new java.util.ArrayList<>(found.stream().map(RendezvousCommand::hostLiteral).toList());
    out.add("127.0.0.1");
    return out;
  }

  private static String hostLiteral(java.net.InetAddress a) {
    String h = a.getHostAddress();
    int scope = h.indexOf('%');
    h = scope >= 0 ? h.substring(0, scope) : h;
    return a instanceof java.net.Inet6Address ? "[" + h + "]" : h;
  }

  /** The non-empty lines of a secret file, newest first (several: rotation; the first signs new credentials). */
  private static String readAdminToken(Path file) {
    String first;
    try {
      first = java.nio.file.Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty())
          .findFirst().orElse(null);
    } catch (java.io.IOException e) {
      throw new ConfigException("--admin-token-file " + file + " cannot be read: " + e.getMessage(), e);
    }
    if (first == null) {
      throw new ConfigException("--admin-token-file " + file + " is empty: put the token on its first line");
    }
    String exposed = io.p2pquic.api.config.SecretFiles.exposure(file);
    if (exposed != null) {
      org.slf4j.LoggerFactory.getLogger(RendezvousCommand.class).warn("admin token: {}", exposed);
    }
    return first;
  }

  private static io.vertx.core.json.JsonArray readSecrets(Path file) {
    java.util.List<String> lines;
    try {
      lines = java.nio.file.Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
    } catch (java.io.IOException e) {
      throw new ConfigException("--turn-secret-file " + file + " cannot be read: " + e.getMessage()
          + " (a file holding the TURN shared secret, one per line)", e);
    }
    if (lines.isEmpty()) {
      throw new ConfigException("--turn-secret-file " + file + " is empty: put the TURN shared secret on its first line");
    }
    String exposed = io.p2pquic.api.config.SecretFiles.exposure(file);
    if (exposed != null) {
      org.slf4j.LoggerFactory.getLogger(RendezvousCommand.class).warn("turn secret: {}", exposed);
    }
    return new io.vertx.core.json.JsonArray(lines);
  }

  /** conf file, then flags/env on top; every problem becomes a ConfigException naming the key. */
  RendezvousConfig resolve() {
    JsonObject json = ConfigFiles.load("rendezvous", config);
    if (bind != null) json = ConfigFiles.with(json, "bind", bind);
    if (stunPort != null) json = ConfigFiles.with(json, "stun.port", stunPort);
    if (httpPort != null) json = ConfigFiles.with(json, "http.port", httpPort);
    if (quicPort != null) json = ConfigFiles.with(json, "signalling.quicPort", quicPort);
    if (altAddress != null) json = ConfigFiles.with(json, "stun.alternateAddress", altAddress);
    if (altPort != null) json = ConfigFiles.with(json, "stun.alternatePort", altPort);
    if (cluster != null) json = ConfigFiles.with(json, "cluster", cluster);
    if (adminPort != null) json = ConfigFiles.with(json, "admin.port", adminPort);
    if (tls != null) json = ConfigFiles.with(json, "http.tls.enabled", tls);
    if (tlsCert != null) {
      json = ConfigFiles.with(ConfigFiles.with(json, "http.tls.certFile", tlsCert.toString()), "http.tls.enabled", true);
    }
    if (tlsKey != null) json = ConfigFiles.with(json, "http.tls.keyFile", tlsKey.toString());
    if (turnSecretFile != null) json = ConfigFiles.with(json, "turn.authSecret", readSecrets(turnSecretFile));
    if (adminTokenFile != null) json = ConfigFiles.with(json, "admin.token", readAdminToken(adminTokenFile));
    if (grant != null && !grant.isEmpty()) {
      json = ConfigFiles.with(json, "turn.grant", grant.equals(List.of(TurnServerConfig.GRANT_ALL))
          ? TurnServerConfig.GRANT_ALL : new io.vertx.core.json.JsonArray(grant));
    }
    try {
      return RendezvousConfig.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
