package io.p2pquic.puncher.nat;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.puncher.nat.NatProbe.Outcome;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RFC 5780 decision rules and the plain-words / JSON forms, on synthetic probe results. */
class NatClassificationTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 3478);
  private static final InetSocketAddress OTHER = new InetSocketAddress("198.51.100.2", 3479);
  private static final InetSocketAddress M1 = new InetSocketAddress("203.0.113.7", 40001);
  private static final InetSocketAddress M2 = new InetSocketAddress("203.0.113.7", 40002);
  private static final InetSocketAddress M3 = new InetSocketAddress("203.0.113.7", 40003);

  private static NatProbe answered(String name, InetSocketAddress mapped) {
    return new NatProbe(name, SERVER, Outcome.RESPONSE, mapped, SERVER, 40, 1, null);
  }

  private static NatProbe silent(String name) {
    return new NatProbe(name, SERVER, Outcome.TIMEOUT, null, null, -1, 4, null);
  }

  @Test
  void filteringRules() {
    assertThat(NatBehaviorDiscovery.classifyFiltering(answered("f2", M1), answered("f3", M1)).value())
        .isEqualTo(FilteringBehavior.ENDPOINT_INDEPENDENT);
    assertThat(NatBehaviorDiscovery.classifyFiltering(silent("f2"), answered("f3", M1)).value())
        .isEqualTo(FilteringBehavior.ADDRESS_DEPENDENT);
    assertThat(NatBehaviorDiscovery.classifyFiltering(silent("f2"), silent("f3")).value())
        .isEqualTo(FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT);
    NatProbe error = new NatProbe("f2", SERVER, Outcome.ERROR_RESPONSE, null, SERVER, 40, 1, "error 420 Unknown Attribute");
    var v = NatBehaviorDiscovery.classifyFiltering(error, silent("f3"));
    assertThat(v.value()).isEqualTo(FilteringBehavior.UNKNOWN);
    assertThat(v.note()).contains("420");
  }

  @Test
  void mappingRules() {
    NatProbe t1 = answered("test-I", M1);
    assertThat(NatBehaviorDiscovery.classifyMapping(t1, answered("m2", M1), silent("m3")).value())
        .isEqualTo(MappingBehavior.ENDPOINT_INDEPENDENT);
    assertThat(NatBehaviorDiscovery.classifyMapping(t1, answered("m2", M2), answered("m3", M2)).value())
        .isEqualTo(MappingBehavior.ADDRESS_DEPENDENT);
    assertThat(NatBehaviorDiscovery.classifyMapping(t1, answered("m2", M2), answered("m3", M3)).value())
        .isEqualTo(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT);
    var unknown = NatBehaviorDiscovery.classifyMapping(t1, silent("m2"), silent("m3"));
    assertThat(unknown.value()).isEqualTo(MappingBehavior.UNKNOWN);
    assertThat(unknown.note()).contains("did not answer");
  }

  @Test
  void classicNames() {
    assertThat(NatType.of(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ENDPOINT_INDEPENDENT)).isEqualTo(NatType.FULL_CONE);
    assertThat(NatType.of(MappingBehavior.ENDPOINT_INDEPENDENT,
        FilteringBehavior.ADDRESS_DEPENDENT)).isEqualTo(NatType.ADDRESS_RESTRICTED_CONE);
    assertThat(NatType.of(MappingBehavior.ENDPOINT_INDEPENDENT,
        FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT)).isEqualTo(NatType.PORT_RESTRICTED_CONE);
    assertThat(NatType.of(MappingBehavior.ADDRESS_DEPENDENT, FilteringBehavior.ENDPOINT_INDEPENDENT)).isEqualTo(NatType.SYMMETRIC);
    assertThat(NatType.of(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT, FilteringBehavior.UNKNOWN)).isEqualTo(NatType.SYMMETRIC);
    assertThat(NatType.of(MappingBehavior.NO_NAT, FilteringBehavior.ENDPOINT_INDEPENDENT)).isEqualTo(NatType.OPEN_INTERNET);
    assertThat(NatType.of(MappingBehavior.NO_NAT, FilteringBehavior.ADDRESS_DEPENDENT)).isEqualTo(NatType.SYMMETRIC_UDP_FIREWALL);
    assertThat(NatType.of(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.UNKNOWN)).isEqualTo(NatType.UNKNOWN);
  }

  private static NatBehavior sample() {
    return new NatBehavior(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT,
        NatType.PORT_RESTRICTED_CONE, null, SERVER, new InetSocketAddress("192.168.1.20", 51234), M1, OTHER, SERVER,
        List.of(answered("test-I", M1), silent("filtering-II"), silent("filtering-III"),
            answered("mapping-II", M1), answered("mapping-III", M1)),
        1712);
  }

  @Test
  void plainWords() {
    assertThat(sample().describe()).isEqualTo(
        "Endpoint-independent mapping, address-and-port-dependent filtering: a port-restricted cone NAT."
            + " Hole punching works with cone NATs; against a symmetric NAT you will need a relay."
            + " Mapped address 203.0.113.7:40001 for local 192.168.1.20:51234"
            + " (STUN server 198.51.100.1:3478, alternate 198.51.100.2:3479, 1712 ms).");
  }

  @Test
  void jsonFormAndRoundTrip() {
    JsonObject j = sample().toJson();
    assertThat(j.getString("natType")).isEqualTo("PORT_RESTRICTED_CONE");
    assertThat(j.getString("mapping")).isEqualTo("ENDPOINT_INDEPENDENT");
    assertThat(j.getString("filtering")).isEqualTo("ADDRESS_AND_PORT_DEPENDENT");
    assertThat(j.getString("mappedAddress")).isEqualTo("203.0.113.7:40001");
    assertThat(j.getJsonArray("mappedAddresses").getString(0)).isEqualTo("203.0.113.7:40001");
    assertThat(j.getJsonArray("mappedAddresses")).hasSize(1);
    assertThat(j.getJsonArray("probes")).hasSize(5);
    assertThat(j.getJsonArray("probes").getJsonObject(1).getString("outcome")).isEqualTo("TIMEOUT");
    assertThat(j.containsKey("reason")).isFalse();
    assertThat(NatBehavior.fromJson(j)).isEqualTo(sample());
  }

  @Test
  void optionsJsonRoundTrip() {
    NatCheckOptions o = new NatCheckOptions().setLocalAddress("192.0.2.10")
        .setRetransmit(io.p2pquic.puncher.stun.RetransmitPolicy.of(120, 3, 5));
    NatCheckOptions back = new NatCheckOptions(o.toJson());
    assertThat(back.localAddress()).isEqualTo("192.0.2.10");
    assertThat(back.retransmit()).isEqualTo(o.retransmit());
  }
}
