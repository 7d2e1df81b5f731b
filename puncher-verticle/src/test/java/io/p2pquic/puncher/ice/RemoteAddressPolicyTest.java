package io.p2pquic.puncher.ice;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.agent.IceAgent;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.ice.agent.IceEvent;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 15: a peer dialled any candidate the other side (or a hostile rendezvous) sent, so it could be
 * pointed at its own loopback services or the cloud metadata endpoint.
 */
class RemoteAddressPolicyTest {

  @ParameterizedTest
  @CsvSource({
      "0.0.0.0, 4000, unspecified",
      "::, 4000, unspecified",
      "224.0.0.251, 5353, multicast",
      "ff02::1, 4000, multicast",
      "255.255.255.255, 4000, broadcast",
      "169.254.169.254, 80, metadata",
      "fd00:ec2::254, 80, metadata",
      "::ffff:169.254.169.254, 80, metadata",
      "::127.0.0.1, 22, IPv4-compatible",
      "127.0.0.1, 22, loopback",
      "::1, 22, loopback",
      "::ffff:127.0.0.1, 22, loopback",
      "203.0.113.5, 0, port 0",
  })
  void refused(String ip, int port, String why) {
    assertThat(RemoteAddressPolicy.refuse(new InetSocketAddress(ip, port), false)).contains(why);
  }

  @ParameterizedTest
  @CsvSource({
      "203.0.113.5, 4000",
      "10.1.0.2, 50000",
      "192.168.1.20, 50000",
      "2001:db8::2, 4000",
      "fe80::1, 4000",
      "169.254.10.20, 4000",
  })
  void accepted(String ip, int port) {
    assertThat(RemoteAddressPolicy.refuse(new InetSocketAddress(ip, port), false)).isNull();
  }

  @Test
  void loopbackOnlyWhenThisPeerOffersLoopbackItself() {
    assertThat(RemoteAddressPolicy.refuse(new InetSocketAddress("127.0.0.1", 4000), true)).isNull();
    assertThat(RemoteAddressPolicy.refuse(new InetSocketAddress("169.254.169.254", 80), true)).isNotNull();
  }

  @Test
  void theAgentRefusesSuchCandidatesAndCountsThem() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      List<IceEvent> events = new CopyOnWriteArrayList<>();
      IceAgent agent = new IceAgent(vertx, new IceAgentOptions(), IceRole.CONTROLLING, IceCredentials.random(), metrics)
          .allowLoopbackRemotes(false).eventHandler(events::add);
      agent.addRemoteCandidate(Candidate.host(new InetSocketAddress("169.254.169.254", 80), 65535, 1));
      agent.addRemoteCandidate(Candidate.host(new InetSocketAddress("127.0.0.1", 22), 65535, 1));
      agent.addRemoteCandidate(Candidate.host(new InetSocketAddress("203.0.113.5", 4000), 65535, 1));
      long until = System.currentTimeMillis() + 5_000;
      while (events.stream().filter(e -> String.valueOf(e.detail()).contains("remote")).count() < 3
          && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
      assertThat(events.stream().map(e -> String.valueOf(e.detail())).filter(d -> d.contains("refused")).toList())
          .hasSize(2).anyMatch(d -> d.contains("metadata")).anyMatch(d -> d.contains("loopback"));
      assertThat(metrics.find("p2p.ice.dropped").tag("reason", "refused-address").counter().count()).isEqualTo(2);
      agent.close().toCompletionStage().toCompletableFuture().get();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
