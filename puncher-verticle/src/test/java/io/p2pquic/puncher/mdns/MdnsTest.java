package io.p2pquic.puncher.mdns;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.junit5.VertxExtension;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** mDNS messages byte by byte, and the responder and resolver on loopback (unicast, as a legacy query). */
@ExtendWith(VertxExtension.class)
class MdnsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String NAME = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.local";
  private Vertx vertx;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  /** The test's Vert.x: made and closed around each test by {@link VertxExtension}. */
  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The name as DNS labels: 36 characters of UUID, then "local". */
  private static String labels() {
    StringBuilder sb = new StringBuilder("24");
    for (byte b : "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".getBytes()) {
      sb.append(String.format("%02x", b));
    }
    return sb + "056c6f63616c" + "00";
  }

  @Test
  void encodesAQueryAndAnAnswer() throws Exception {
    assertThat(HEX.formatHex(MdnsMessages.query(0x1234, NAME)))
        .isEqualTo("1234" + "0000" + "0001" + "0000" + "0000" + "0000" + labels() + "0001" + "0001");
    byte[] answer = MdnsMessages.answer(0x1234, NAME, (Inet4Address) InetAddress.getByName("10.1.0.2"), 10, true);
    assertThat(HEX.formatHex(answer)).startsWith("1234" + "8400" + "0001" + "0001" + "0000" + "0000" + labels() + "00010001")
        .endsWith("0001" + "0001" + "0000000a" + "0004" + "0a010002");
    MdnsMessages.Answer a = MdnsMessages.decodeAnswer(answer);
    assertThat(a.id()).isEqualTo(0x1234);
    assertThat(a.authoritative()).isTrue();
    assertThat(a.records()).containsExactly(new MdnsMessages.Record(NAME, InetAddress.getByName("10.1.0.2"), 10));
    byte[] multicast = MdnsMessages.answer(0x1234, NAME, (Inet4Address) InetAddress.getByName("10.1.0.2"), 120, false);
    assertThat(HEX.formatHex(multicast)).startsWith("0000" + "8400" + "0000" + "0001")
        .contains("0001" + "8001" + "00000078"); // type A, class IN with cache-flush, TTL 120
    MdnsMessages.Query q = MdnsMessages.decodeQuery(MdnsMessages.query(7, NAME.toUpperCase()));
    assertThat(q.names()).containsExactly(NAME);
    assertThat(MdnsMessages.decodeQuery(answer)).as("a response is no query").isNull();
  }

  @Test
  void refusesMalformedInputWithinBounds() {
    assertThat(MdnsMessages.decodeQuery(new byte[] {1, 2, 3})).isNull();
    assertThat(MdnsMessages.decodeQuery(HEX.parseHex("000000000001000000000000" + "c00c" + "00010001")))
        .as("a name pointing at itself").isNull();
    assertThat(MdnsMessages.decodeQuery(HEX.parseHex("00000000ffff00000000000003616263"))).as("truncated").isNull();
    assertThat(MdnsMessages.decodeQuery(new byte[MdnsMessages.MAX_DATAGRAM + 1])).isNull();
    assertThat(MdnsResolver.isMdnsName(NAME)).isTrue();
    assertThat(MdnsResolver.isMdnsName("10.1.0.2")).isFalse();
    assertThat(MdnsResolver.isMdnsName("a b.local")).isFalse();
  }

  @Test
  void aRegisteredNameResolvesAndAnUnregisteredOneDoesNot() throws Exception {
    MdnsResponder responder = new MdnsResponder(vertx, new MdnsOptions(), metrics, "127.0.0.1", 0);
    await(responder.start());
    String name = responder.register((Inet4Address) InetAddress.getByName("10.1.0.2"));
    assertThat(name).matches("[0-9a-f-]{36}\\.local");
    MdnsResolver resolver = new MdnsResolver(vertx, 500, "127.0.0.1", responder.port());
    assertThat(await(resolver.resolve(name)).getHostAddress()).isEqualTo("10.1.0.2");
    assertThatThrownBy(() -> await(resolver.resolve("00000000-0000-4000-8000-000000000000.local")))
        .hasRootCauseInstanceOf(UnknownHostException.class).hasMessageContaining("did not resolve by mDNS within 500 ms");
    responder.unregister(name);
    assertThatThrownBy(() -> await(resolver.resolve(name))).hasRootCauseInstanceOf(UnknownHostException.class);
    assertThat(metrics.counter("p2p.mdns.answered").count()).isEqualTo(1);
    assertThat(metrics.counter("p2p.mdns.dropped", "reason", "not-ours").count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void badPacketsAreDroppedAndCountedAndTheResponderStillAnswers() throws Exception {
    MdnsResponder responder = new MdnsResponder(vertx, new MdnsOptions(), metrics, "127.0.0.1", 0);
    await(responder.start());
    String name = responder.register((Inet4Address) InetAddress.getByName("10.1.0.3"));
    DatagramSocket s = vertx.createDatagramSocket();
    await(s.listen(0, "127.0.0.1"));
    for (byte[] bad : new byte[][] {new byte[] {9}, HEX.parseHex("000000000001000000000000c00c00010001"),
        MdnsMessages.answer(1, name, (Inet4Address) InetAddress.getByName("10.9.9.9"), 10, true)}) {
      await(s.send(Buffer.buffer(bad), responder.port(), "127.0.0.1"));
    }
    MdnsResolver resolver = new MdnsResolver(vertx, 1000, "127.0.0.1", responder.port());
    assertThat(await(resolver.resolve(name)).getHostAddress()).isEqualTo("10.1.0.3");
    assertThat(metrics.counter("p2p.mdns.dropped", "reason", "malformed").count()).isEqualTo(2);
    assertThat(metrics.counter("p2p.mdns.dropped", "reason", "response").count()).isEqualTo(1);
  }
}
