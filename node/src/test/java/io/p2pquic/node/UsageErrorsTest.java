package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors a user makes first: each is a usage or configuration error (exit 2) that says what to change. */
class UsageErrorsTest {
  private static CommandLineTest.Result run(String... args) {
    return CommandLineTest.run(args);
  }

  @Test
  void unknownLogLevelOrFormatIsAUsageError() {
    CommandLineTest.Result level = run("--log-level", "verbose", "demo");
    assertThat(level.code()).isEqualTo(2);
    assertThat(level.err()).contains("--log-level", "error, warn, info, debug, trace", "\"verbose\"");
    CommandLineTest.Result format = run("--log-format=xml", "demo");
    assertThat(format.code()).isEqualTo(2);
    assertThat(format.err()).contains("--log-format", "text or json");
  }

  @Test
  void methodTcpIsRefusedWhereQuicStreamsAreNeeded() {
    String peer = io.p2pquic.identity.PeerIdentity.generate().peerId().value();
    for (String[] args : new String[][] {
        {"forward", peer, "--listen", "127.0.0.1:0", "--method", "tcp"},
        {"pipe", peer, "--method", "tcp"},
        {"ping", peer, "--method", "tcp", "--control-port", "1"}}) {
      CommandLineTest.Result r = run(args);
      assertThat(r.code()).as(args[0]).isEqualTo(2);
      assertThat(r.err()).as(args[0]).contains("--method tcp: method tcp carries a single TLS byte stream",
          "use auto, ice, relay, dcutr or quic-native");
    }
  }

  @Test
  void labHelpNamesTheCommandAsTyped() {
    CommandLineTest.Result r = run("lab", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("Usage: p2p-node lab ").doesNotContain("natlab");
  }

  @Test
  void aWrongTypeInANestedSectionNamesTheFullKeyPath(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("rendezvous.json");
    Files.writeString(conf, "{\"http\": {\"port\": \"abc\"}}");
    CommandLineTest.Result r = run("rendezvous", "--config", conf.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("configuration error: http.port has the wrong type: \"abc\" (expected a whole number)");
  }

  @Test
  void anUnknownKeyUnderGatheringStopsThePeerBeforeAnyNetworkWork(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("peer.json");
    Files.writeString(conf, "{\"gathering\": {\"stunServer\": [\"127.0.0.1:3478\"]}}");
    CommandLineTest.Result r = run("peer", "--config", conf.toString(), "--identity", dir.resolve("id.json").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("configuration error: gathering.stunServer is not a known key (known: stunServers,");
    assertThat(dir.resolve("id.json")).as("nothing done before the configuration is valid").doesNotExist();
  }

  @Test
  void aBridgePortOfZeroIsAConfigurationErrorNamingTheKey(@TempDir Path dir) {
    CommandLineTest.Result r = run("peer", "--bridge-port", "0", "--identity", dir.resolve("id.json").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("configuration error: bridge.port is invalid: must be -1 (off) or a port 1-65535");
    assertThat(dir.resolve("id.json")).as("nothing done before the configuration is valid").doesNotExist();
  }

  @Test
  void aTakenHttpPortIsNamedWithTheFlagThatMovesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      CommandLineTest.Result r = run("rendezvous", "--bind", "127.0.0.1", "--stun-port", "0", "--quic-port", "-1",
          "--http-port", Integer.toString(taken.getLocalPort()));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("HTTP port " + taken.getLocalPort(), "--http-port, P2P_HTTP_PORT or http.port");
    }
  }

  @Test
  void aTakenQuicSignallingPortIsNamedWithItsFlagAndVariable() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      CommandLineTest.Result r = run("rendezvous", "--bind", "127.0.0.1", "--stun-port", "0", "--http-port", "0",
          "--quic-port", Integer.toString(taken.getLocalPort()));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("QUIC signalling port " + taken.getLocalPort(),
          "--quic-port, P2P_QUIC_PORT or signalling.quicPort");
    }
  }

  @Test
  void aWildcardBindIsPrintedAsAddressesPeersCanUse() {
    assertThat(RendezvousCommand.usableHosts("0.0.0.0")).doesNotContain("0.0.0.0").endsWith("127.0.0.1");
    assertThat(RendezvousCommand.usableHosts("192.0.2.1")).containsExactly("192.0.2.1");
    assertThat(RendezvousCommand.usableHosts("::1")).containsExactly("[0:0:0:0:0:0:0:1]");
  }
}
