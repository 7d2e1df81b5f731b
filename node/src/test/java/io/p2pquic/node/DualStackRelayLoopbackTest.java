package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.puncher.PeerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped defaults on a host with IPv4 and IPv6: the rendezvous's own relay (default TURN settings, no
 * allowedPeerRanges) and peers whose session sockets are dual-stack ({@code ::}). The relay is IPv4, so
 * its allocation is made from the IPv6 wildcard socket through an IPv4-mapped address; both peers are
 * relayed by the same node, so the relay forwards between two of its own allocations. Before the fix the
 * allocation failed with "not of the socket's address family" and {@code relay} reported "no direct path".
 */
class DualStackRelayLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("signalling", new JsonObject().put("quicPort", -1))
        .put("turn", new JsonObject().put("grant", "all-registered")));
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;

  @BeforeAll
  static void up() throws Exception {
    // conf/peer.json's settings (IPv4 and IPv6 on), plus loopback host candidates for one machine.
    PeerConfig cfg = PeerConfig.fromJson(new JsonObject().put("rendezvous", cast.signalUrl())
        .put("gathering", new JsonObject().put("includeLoopback", true)
            .put("stunServers", JsonArray.of("127.0.0.1:" + cast.rendezvous.stunAddress().getPort()))));
    assertThat(cfg.gathering().ipv6()).as("the shipped default").isTrue();
    alice = cast.peer("alice", false, cfg);
    bob = cast.peer("bob", true, cfg);
  }

  private static JsonObject connect(String method) throws Exception {
    return cast.connect(alice, bob, method, 20_000);
  }

  @Test
  void relayWorksFromADualStackSocketWithTheDefaults() throws Exception {
    JsonObject s = connect("relay");
    assertThat(s.getString("path")).isEqualTo("relayed");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
    assertThat(s.getJsonObject("selectedPair").getString("local")).startsWith("127.0.0.1:");
    EchoTransfer.sendAndVerify(vertx, s, 2 * 1024 * 1024, 32 * 1024, 3, null);
  }

  @Test
  void autoConnectsAndPrefersIpv6WhenBothHaveAGlobalIpv6Address() throws Exception {
    JsonObject s = connect("auto");
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("dual-stack"))).toString()).isEqualTo("dual-stack");
    if (hasGlobalIpv6()) {
      // RFC 8421 ranks IPv6 host candidates first; both peers share this host's IPv6 address.
      assertThat(s.getJsonObject("selectedPair").getString("local")).as(s.encodePrettily()).startsWith("[");
    }
  }

  private static boolean hasGlobalIpv6() throws Exception {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nif.isUp() && !nif.isLoopback()) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet6Address && !a.isLinkLocalAddress()) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
