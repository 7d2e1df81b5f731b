package io.p2pquic.puncher.portmap;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client against scripted gateways on loopback (the NAT lab's PortMappingLabTest runs it against
 * miniupnpd): protocol choice, mapping, deletion, a silent gateway, and packets from elsewhere.
 */
@ExtendWith(VertxExtension.class)
class PortMapperTest {
  private Vertx vertx;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private DatagramSocket gateway;
  private final List<byte[]> received = new CopyOnWriteArrayList<>();

  /** The test's Vert.x: made and closed around each test by {@link VertxExtension}. */
  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A gateway on 127.0.0.1 answering each request with {@code answer} (null: silence). */
  private int gateway(Function<byte[], byte[]> answer) throws Exception {
    gateway = vertx.createDatagramSocket();
    gateway.handler(p -> {
      byte[] req = p.data().getBytes();
      received.add(req);
      byte[] res = answer.apply(req);
      if (res != null) {
        gateway.send(Buffer.buffer(res), p.sender().port(), p.sender().host());
      }
    });
    await(gateway.listen(0, "127.0.0.1"));
    return gateway.localAddress().port();
  }

  private PortMapper mapper(int port) {
    return new PortMapper(vertx, new PortMappingOptions().setGateway("127.0.0.1").setTimeoutMillis(300), metrics, port);
  }

  /** A PCP server: ANNOUNCE answered, MAP granted as 11.0.0.101:40001 for the lifetime asked, nonce echoed. */
  private static byte[] pcp(byte[] req) {
    ByteBuffer b = ByteBuffer.allocate(req[1] == 0 ? 24 : 60);
    b.put((byte) 2).put((byte) (0x80 | req[1])).put((byte) 0).put((byte) 0);
    b.putInt(ByteBuffer.wrap(req).getInt(4)).putInt(42).put(new byte[12]);
    if (req[1] == 1) {
      b.put(req, 24, 12).put((byte) 17).put(new byte[3]).put(req, 40, 2).putShort((short) 40001);
      b.put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 11, 0, 0, 101});
    }
    return b.array();
  }

  @Test
  void mapsByPcpAndDeletesOnClose() throws Exception {
    PortMapper m = mapper(gateway(req -> req[0] == 2 ? pcp(req) : null));
    await(m.start());
    assertThat(m.protocol()).isEqualTo(PortMapper.Protocol.PCP);
    PortMapping mapping = await(m.map(5000));
    assertThat(mapping.external().getAddress().getHostAddress()).isEqualTo("11.0.0.101");
    assertThat(mapping.external().getPort()).isEqualTo(40001);
    assertThat(mapping.base().getPort()).isEqualTo(5000);
    assertThat(mapping.lifetimeSeconds()).isEqualTo(7200);
    byte[] mapRequest = received.stream().filter(r -> r.length == 60).findFirst().orElseThrow();
    await(mapping.close());
    byte[] delete = received.get(received.size() - 1);
    assertThat(delete.length).isEqualTo(60);
    assertThat(ByteBuffer.wrap(delete).getInt(4)).as("lifetime 0 deletes").isZero();
    assertThat(java.util.Arrays.copyOfRange(delete, 24, 36)).as("the mapping's nonce")
        .isEqualTo(java.util.Arrays.copyOfRange(mapRequest, 24, 36));
    await(m.close());
  }

  @Test
  void closingTheMapperDeletesWhatIsStillMapped() throws Exception {
    PortMapper m = mapper(gateway(req -> req[0] == 2 ? pcp(req) : null));
    await(m.start());
    await(m.map(5002));
    int before = received.size();
    await(m.close());
    assertThat(received).hasSize(before + 1);
    byte[] delete = received.get(received.size() - 1);
    assertThat(ByteBuffer.wrap(delete).getInt(4)).as("lifetime 0 deletes").isZero();
    assertThat(ByteBuffer.wrap(delete).getShort(40)).as("the mapped port").isEqualTo((short) 5002);
  }

  @Test
  void fallsBackToNatPmp() throws Exception {
    PortMapper m = mapper(gateway(req -> {
      if (req[0] != 0) {
        return new byte[] {0, (byte) 0x80, 0, 1, 0, 0, 0, 42}; // unsupported version
      }
      if (req[1] == 0) {
        return new byte[] {0, (byte) 0x80, 0, 0, 0, 0, 0, 42, 11, 0, 0, 102};
      }
      return ByteBuffer.allocate(16).put((byte) 0).put((byte) 0x81).putShort((short) 0).putInt(42)
          .put(req, 4, 2).putShort((short) 40002).putInt(3600).array();
    }));
    await(m.start());
    assertThat(m.protocol()).isEqualTo(PortMapper.Protocol.NAT_PMP);
    PortMapping mapping = await(m.map(5001));
    assertThat(mapping.describe()).isEqualTo("11.0.0.102:40002 -> 127.0.0.1:5001 by NAT-PMP for 3600 s");
  }

  @Test
  void aSilentGatewayMeansNoMappingAndIsRemembered() throws Exception {
    PortMapper m = mapper(gateway(req -> null));
    await(m.start());
    assertThat(m.known()).isTrue();
    assertThat(m.protocol()).isNull();
    assertThat(m.unavailableReason()).contains("no PCP, NAT-PMP or UPnP-IGD answer from the gateway 127.0.0.1");
    int asked = received.size();
    assertThatThrownBy(() -> await(m.map(5000))).hasRootCauseInstanceOf(PortMappingException.class);
    assertThat(received).as("a known 'none' is not asked again").hasSize(asked);
  }

  @Test
  void answersFromElsewhereAreDroppedAndCounted() throws Exception {
    DatagramSocket spoofer = vertx.createDatagramSocket();
    await(spoofer.listen(0, "127.0.0.1"));
    gateway = vertx.createDatagramSocket();
    gateway.handler(p -> {
      byte[] req = p.data().getBytes();
      if (req[0] != 2) {
        return;
      }
      byte[] real = pcp(req);
      if (req[1] == 1) {
        // a forged grant from another port races the gateway's own, which comes 50 ms later
        byte[] forged = real.clone();
        forged[59] = 66;
        spoofer.send(Buffer.buffer(forged), p.sender().port(), p.sender().host());
        vertx.setTimer(50, t -> gateway.send(Buffer.buffer(real), p.sender().port(), p.sender().host()));
      } else {
        gateway.send(Buffer.buffer(real), p.sender().port(), p.sender().host());
      }
    });
    await(gateway.listen(0, "127.0.0.1"));
    PortMapper m = mapper(gateway.localAddress().port());
    await(m.start());
    PortMapping mapping = await(m.map(5000));
    assertThat(mapping.external().getAddress().getHostAddress()).isEqualTo("11.0.0.101");
    assertThat(metrics.counter("p2p.portmap.dropped", "reason", "not-gateway").count()).isEqualTo(1);
  }
}
