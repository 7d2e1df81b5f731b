package io.p2pquic.puncher.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.ice.Candidate;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The one description every method completes with: exact JSON, and the round trip. */
class SessionDescriptionTest {
  private final PeerId alice = PeerIdentity.generate().peerId();
  private final PeerId bob = PeerIdentity.generate().peerId();

  @Test
  void aRelayedIcePairGivesTheJsonConnectRepliesCarry() {
    Candidate local = Candidate.relayed(new InetSocketAddress("203.0.113.10", 49360),
        new InetSocketAddress("198.51.100.7", 4000), new InetSocketAddress("203.0.113.10", 3478).getAddress(), 65535, 1);
    Candidate remote = Candidate.host(new InetSocketAddress("10.2.0.2", 5000), 65535, 1);
    SessionDescription d = new SessionDescription("s-1", alice, bob, ConnectMethod.AUTO, true, true,
        new JsonObject().put("gatheredMs", 12.5), SessionDescription.SelectedPair.of(local, remote), 41L, null);
    assertThat(d.toJson().encode()).isEqualTo("{\"sessionId\":\"s-1\",\"localPeer\":\"" + alice.value()
        + "\",\"peer\":\"" + bob.value() + "\",\"method\":\"auto\",\"path\":\"relayed\",\"role\":\"controlling\","
        + "\"timings\":{\"gatheredMs\":12.5},\"selectedPair\":{\"local\":\"203.0.113.10:49360\",\"localType\":\"relay\","
        + "\"remote\":\"10.2.0.2:5000\",\"remoteType\":\"host\"},\"rttMs\":41}");
    assertThat(d.selectedPair().relayed()).isTrue();
    assertThat(SessionDescription.fromJson(d.toJson())).isEqualTo(d);
  }

  @Test
  void tcpCarriesItsAttemptsAndQuicNativeMayHaveNoPair() {
    SessionDescription tcp = new SessionDescription("s-2", alice, bob, ConnectMethod.TCP, false, false, null,
        new SessionDescription.SelectedPair(new InetSocketAddress("198.51.100.7", 4000), "srflx",
            new InetSocketAddress("198.51.100.8", 4001), "srflx"), null, 2);
    assertThat(tcp.toJson().getInteger("attempts")).isEqualTo(2);
    assertThat(tcp.toJson().getString("role")).isEqualTo("controlled");
    assertThat(tcp.toJson().containsKey("rttMs")).isFalse();
    assertThat(SessionDescription.fromJson(tcp.toJson())).isEqualTo(tcp);

    SessionDescription quicNative = new SessionDescription("s-3", alice, bob, ConnectMethod.QUIC_NATIVE, false, true,
        new JsonObject(), null, null, null);
    assertThat(quicNative.toJson().containsKey("selectedPair")).isFalse();
    assertThat(quicNative.toJson().getString("method")).isEqualTo("quic-native");
    assertThat(SessionDescription.fromJson(quicNative.toJson())).isEqualTo(quicNative);
  }

  @Test
  void somethingElseIsRefused() {
    assertThatThrownBy(() -> SessionDescription.fromJson(new JsonObject().put("sessionId", "x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
