package io.p2pquic.puncher.ice.virtual;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test network itself: mapping and filtering of the four NAT types, routing, latency. */
class VirtualNetworkTest {
  /** One event loop: agents, STUN and the network share one thread and one order. */
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass(new VertxOptions().setEventLoopPoolSize(1));
  private static final Vertx vertx = VERTX.vertx();
  private static final RetransmitPolicy ONE = RetransmitPolicy.of(30, 1, 1);

  /** A host 10.0.0.2 behind a NAT (203.0.113.1); STUN at 198.51.100.1:3478, 198.51.100.1:3479, 198.51.100.2:3478. */
  record Lab(VirtualNetwork net, StunClient client, VirtualUdpEndpoint socket, VirtualStunServer s1,
      VirtualStunServer s2, VirtualStunServer s3) {}

  static Lab lab(VirtualNatType type, long latency) throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    VirtualStunServer s1 = VirtualStunServer.start(net, "198.51.100.1", 3478);
    VirtualStunServer s2 = VirtualStunServer.startOnHost(net, "198.51.100.1", 3479);
    VirtualStunServer s3 = VirtualStunServer.start(net, "198.51.100.2", 3478);
    VirtualNat nat = net.addNat("203.0.113.1", type, latency);
    net.addHost("10.0.0.2", nat);
    VirtualUdpEndpoint socket = net.bind("10.0.0.2", 0);
    StunClient client = await(net.call(() -> Future.succeededFuture(
        new StunClient(vertx, socket, new SimpleMeterRegistry()).installAsHandler())));
    return new Lab(net, client, socket, s1, s2, s3);
  }

  @Test
  void coneNatsKeepOneMappingSymmetricMapsPerDestination() throws Exception {
    for (VirtualNatType type : VirtualNatType.values()) {
      Lab lab = lab(type, 0);
      InetSocketAddress m1 = await(lab.client().binding(lab.s1().address(), ONE));
      InetSocketAddress m2 = await(lab.client().binding(lab.s2().address(), ONE));
      InetSocketAddress m3 = await(lab.client().binding(lab.s3().address(), ONE));
      assertThat(m1.getAddress().getHostAddress()).isEqualTo("203.0.113.1");
      if (type == VirtualNatType.SYMMETRIC) {
        assertThat(m2).isNotEqualTo(m1);
        assertThat(m3).isNotEqualTo(m1).isNotEqualTo(m2);
      } else {
        assertThat(m2).as(type.toString()).isEqualTo(m1);
        assertThat(m3).isEqualTo(m1);
      }
    }
  }

  @Test
  void filteringDecidesWhoGetsIn() throws Exception {
    for (VirtualNatType type : VirtualNatType.values()) {
      Lab lab = lab(type, 0);
      InetSocketAddress mapped = await(lab.client().binding(lab.s1().address(), ONE));
      // Unsolicited datagrams to that mapping: from the server's IP on another port, and from another IP.
      boolean sameIpOtherPort = reaches(lab, lab.net().bind("198.51.100.1", 6000), mapped);
      boolean otherIp = reaches(lab, lab.net().bind("198.51.100.2", 6000), mapped);
      String what = type.toString();
      switch (type) {
        case FULL_CONE -> {
          assertThat(sameIpOtherPort).as(what).isTrue();
          assertThat(otherIp).as(what).isTrue();
        }
        case ADDRESS_RESTRICTED -> {
          assertThat(sameIpOtherPort).as(what).isTrue();
          assertThat(otherIp).as(what).isFalse();
        }
        default -> {
          assertThat(sameIpOtherPort).as(what).isFalse();
          assertThat(otherIp).as(what).isFalse();
        }
      }
    }
  }

  /** Whether a datagram from {@code from} reaches the host behind the NAT. */
  private static boolean reaches(Lab lab, VirtualUdpEndpoint from, InetSocketAddress mapped) throws Exception {
    long before = lab.socket().received();
    byte[] indication = new StunMessageEncoder().encodeToBytes(
        StunMessage.builder(StunMessageType.BINDING_INDICATION).build());
    await(lab.net().call(() -> from.send(Buffer.buffer(indication), mapped)));
    await(lab.net().call(() -> Future.succeededFuture(null))); // routing is queued on that context: let it run
    return lab.socket().received() > before;
  }

  @Test
  void otherPrivateNetworksAreUnroutableAndLatencyDelays() throws Exception {
    Lab lab = lab(VirtualNatType.FULL_CONE, 25);
    long start = System.nanoTime();
    InetSocketAddress mapped = await(lab.client().binding(lab.s1().address(), RetransmitPolicy.of(500, 1, 1)));
    assertThat((System.nanoTime() - start) / 1_000_000).as("two WAN crossings of 25 ms").isGreaterThanOrEqualTo(50);
    assertThat(mapped.getPort()).isEqualTo(40_000);
    Throwable e = awaitFailure(lab.client().binding(new InetSocketAddress("10.9.9.9", 5000), ONE));
    assertThat(e).isInstanceOf(StunTimeoutException.class);
    assertThat(lab.net().drops()).containsEntry("unroutable", 1L);
  }
}
