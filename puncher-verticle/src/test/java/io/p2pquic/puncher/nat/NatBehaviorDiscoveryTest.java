package io.p2pquic.puncher.nat;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.nat.NatProbe.Outcome;
import io.p2pquic.puncher.stun.RealStunServer;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.TestStunServer;
import io.p2pquic.puncher.stun.TestStunServer.EmulatedFilter;
import io.p2pquic.puncher.stun.TestStunServer.EmulatedMapping;
import io.p2pquic.rendezvous.stun.StunServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 5780 discovery on loopback: against the real server (no NAT on loopback, so open internet),
 * against a server without alternate address, and against a responder that emulates each NAT
 * behaviour (fake mapped addresses, responses filtered by what the client has contacted).
 */
@ExtendWith(VertxExtension.class)
class NatBehaviorDiscoveryTest {
  /** Fast enough for loopback: a silent probe costs 250 ms. */
  private static final RetransmitPolicy FAST = RetransmitPolicy.of(50, 3, 2);

  private NatBehavior discover(Vertx vertx, InetSocketAddress server, RetransmitPolicy policy) throws Exception {
    return await(new NatBehaviorDiscovery(vertx, new NatCheckOptions().setRetransmit(policy), new SimpleMeterRegistry())
        .discover(server));
  }

  @Test
  void loopbackAgainstTheRealRfc5780ServerIsOpenInternet(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.rfc5780(vertx);
    try {
      NatBehavior b = discover(vertx, server.udpAddress(), RetransmitPolicy.DISCOVERY);
      assertThat(b.mapping()).isEqualTo(MappingBehavior.NO_NAT);
      assertThat(b.filtering()).isEqualTo(FilteringBehavior.ENDPOINT_INDEPENDENT);
      assertThat(b.natType()).isEqualTo(NatType.OPEN_INTERNET);
      assertThat(b.reason()).isNull();
      assertThat(b.mappedAddress()).isEqualTo(b.localAddress());
      assertThat(b.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      InetSocketAddress other = new InetSocketAddress("127.0.0.2", server.udpAddress().getPort() + 1);
      assertThat(b.otherAddress()).isEqualTo(other);
      assertThat(b.probes()).extracting(NatProbe::name).containsExactly("test-I", "filtering-II", "filtering-III");
      assertThat(b.probes()).extracting(NatProbe::outcome).containsOnly(Outcome.RESPONSE);
      assertThat(b.probes().get(1).source()).isEqualTo(other);
      assertThat(b.probes().get(2).source())
          .isEqualTo(new InetSocketAddress("127.0.0.1", server.udpAddress().getPort() + 1));
      assertThat(b.durationMillis()).isLessThan(1_000);
      assertThat(b.describe()).startsWith(
          "No NAT (the mapped address is the local address), endpoint-independent filtering: open internet.");
      assertThat(NatBehavior.fromJson(b.toJson())).isEqualTo(b);
    } finally {
      await(server.stop());
    }
  }

  @Test
  void aServerWithoutAlternateAddressGivesUnknownWithWhatToConfigure(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    try {
      NatBehavior b = discover(vertx, server.udpAddress(), RetransmitPolicy.DISCOVERY);
      assertThat(b.natType()).isEqualTo(NatType.UNKNOWN);
      assertThat(b.filtering()).isEqualTo(FilteringBehavior.UNKNOWN);
      assertThat(b.mapping()).as("test I alone shows there is no NAT").isEqualTo(MappingBehavior.NO_NAT);
      assertThat(b.otherAddress()).isNull();
      assertThat(b.reason()).contains("OTHER-ADDRESS").contains("alternateAddress").contains("second IP address");
      assertThat(b.classified()).isFalse();
      assertThat(b.describe()).contains("NAT type unknown").contains("Why: ");
      assertThat(b.toJson().getString("reason")).isEqualTo(b.reason());
    } finally {
      await(server.stop());
    }
  }

  @Test
  void noAnswerAtAllIsUdpBlocked(Vertx vertx) throws Exception {
    TestStunServer server = await(TestStunServer.start(vertx, "127.0.0.1", null));
    server.ignore.set(1_000);
    try {
      NatBehavior b = discover(vertx, server.primary(), FAST);
      assertThat(b.natType()).isEqualTo(NatType.UDP_BLOCKED);
      assertThat(b.mappedAddress()).isNull();
      assertThat(b.reason()).contains("no response from " + SocketAddresses.format(server.primary()));
      assertThat(b.describe()).startsWith("No answer from the STUN server over UDP: UDP blocked");
    } finally {
      await(server.stop());
    }
  }

  @Test
  void aServerThatIgnoresChangeRequestIsNotMistakenForFullCone(Vertx vertx) throws Exception {
    TestStunServer server = await(TestStunServer.start(vertx, "127.0.0.1", "127.0.0.2"));
    server.honourChangeRequest = false;
    try {
      NatBehavior b = discover(vertx, server.primary(), FAST);
      assertThat(b.filtering()).isEqualTo(FilteringBehavior.UNKNOWN);
      assertThat(b.natType()).isEqualTo(NatType.UNKNOWN);
      assertThat(b.probes().get(1).outcome()).isEqualTo(Outcome.NOT_HONOURED);
      assertThat(b.reason()).contains("did not carry out CHANGE-REQUEST");
    } finally {
      await(server.stop());
    }
  }

  @ParameterizedTest(name = "{0} mapping + {1} filter -> {2}")
  @CsvSource({
    "ENDPOINT_INDEPENDENT, NONE, FULL_CONE, ENDPOINT_INDEPENDENT, ENDPOINT_INDEPENDENT",
    "ENDPOINT_INDEPENDENT, ADDRESS, ADDRESS_RESTRICTED_CONE, ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT",
    "ENDPOINT_INDEPENDENT, ADDRESS_AND_PORT, PORT_RESTRICTED_CONE, ENDPOINT_INDEPENDENT, ADDRESS_AND_PORT_DEPENDENT",
    "ADDRESS_DEPENDENT, ADDRESS, SYMMETRIC, ADDRESS_DEPENDENT, ADDRESS_DEPENDENT",
    "ADDRESS_AND_PORT_DEPENDENT, ADDRESS_AND_PORT, SYMMETRIC, ADDRESS_AND_PORT_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT",
    "REAL, ADDRESS_AND_PORT, SYMMETRIC_UDP_FIREWALL, NO_NAT, ADDRESS_AND_PORT_DEPENDENT",
  })
  void eachEmulatedNatIsClassified(EmulatedMapping mapping, EmulatedFilter filter, NatType type,
      MappingBehavior expectedMapping, FilteringBehavior expectedFiltering, Vertx vertx) throws Exception {
    TestStunServer server = await(TestStunServer.start(vertx, "127.0.0.1", "127.0.0.2"));
    server.mapping = mapping;
    server.filter = filter;
    try {
      NatBehavior b = discover(vertx, server.primary(), FAST);
      assertThat(b.mapping()).isEqualTo(expectedMapping);
      assertThat(b.filtering()).isEqualTo(expectedFiltering);
      assertThat(b.natType()).isEqualTo(type);
      assertThat(b.reason()).isNull();
      // Filtering ran while the socket had only contacted the primary address: the first three
      // requests all went to it, the alternate IP only afterwards.
      assertThat(server.received.subList(0, 3))
          .extracting(TestStunServer.Received::on).containsOnly(server.primary());
      assertThat(NatBehavior.fromJson(b.toJson())).isEqualTo(b);
    } finally {
      await(server.stop());
    }
  }

  @Test
  void natCheckRunAcceptsHostPortText(Vertx vertx) throws Exception {
    StunServer server = RealStunServer.rfc5780(vertx);
    try {
      NatBehavior b = await(NatCheck.run(vertx, "127.0.0.1:" + server.udpAddress().getPort(), new NatCheckOptions()));
      assertThat(b.natType()).isEqualTo(NatType.OPEN_INTERNET);
      String json = NatCheck.render(b, true);
      assertThat(new io.vertx.core.json.JsonObject(json).getString("natType")).isEqualTo("OPEN_INTERNET");
      assertThat(NatCheck.render(b, false)).isEqualTo(b.describe());
    } finally {
      await(server.stop());
    }
  }
}
