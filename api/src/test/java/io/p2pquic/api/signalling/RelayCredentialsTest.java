package io.p2pquic.api.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayCredentialsTest {

  @Test
  void roundTripsAndFormsTurnUris() {
    RelayCredentials c = new RelayCredentials("1800000000:pq1abc", "pw", "p2p-quic", 86400, 1800000000L,
        List.of(new RelayCredentials.Relay("203.0.113.10", 3478, "udp"), new RelayCredentials.Relay("2001:db8::1", 3478, "tcp")));
    JsonObject json = c.toJson();
    assertThat(json.getJsonArray("uris").getList())
        .containsExactly("turn:203.0.113.10:3478?transport=udp", "turn:[2001:db8::1]:3478?transport=tcp");
    RelayCredentials back = RelayCredentials.fromJson(json);
    assertThat(back.toJson()).isEqualTo(json);
    assertThat(back.relays()).hasSize(2);
  }

  @Test
  void registrationWithoutTurnStillParses() {
    JsonObject reply = new JsonObject().put("type", "registered")
        .put("peerId", "pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q")
        .put("observedAddress", "203.0.113.5:51234").put("sessionId", "s").put("node", "n");
    assertThat(Registration.fromJson(reply).relayCredentials()).isNull();
    reply.put("turn", new JsonObject().put("username", 5));
    assertThat(Registration.fromJson(reply).relayCredentials()).isNull();
  }
}
