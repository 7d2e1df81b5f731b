package io.p2pquic.puncher.turn;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the TURN client took a success response without MESSAGE-INTEGRITY to an authenticated
 * request (RFC 8489 section 9.2.5 says discard it). A hostile server double answers the challenge
 * properly and then the Allocate with a well-formed success that carries no MESSAGE-INTEGRITY (or one
 * made with another key).
 */
class TurnResponseIntegrityTest {

  /** Answers 401 to unauthenticated requests, then a success built by {@code success} (null key: none). */
  private static Thread hostileServer(DatagramSocket socket, byte[] successKey) {
    Thread t = new Thread(() -> {
      StunMessageDecoder decoder = new StunMessageDecoder();
      StunMessageEncoder encoder = new StunMessageEncoder();
      byte[] buf = new byte[1500];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          StunMessage req = decoder.decode(Arrays.copyOf(p.getData(), p.getLength()));
          StunMessage.Builder b;
          if (!req.hasMessageIntegrity()) {
            b = req.responseBuilder(false).add(StunAttributes.errorCode(401, "Unauthorized"))
                .add(StunAttributes.realm("evil")).add(StunAttributes.nonce("n0nce"));
          } else {
            InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
            b = req.responseBuilder(true)
                .add(new AddressAttribute(StunAttributeType.XOR_RELAYED_ADDRESS, new InetSocketAddress("198.51.100.66", 40000)))
                .add(StunAttributes.xorMappedAddress(from)).add(StunAttributes.lifetime(600));
            if (successKey != null) {
              b.messageIntegrity(successKey);
            }
          }
          byte[] out = encoder.encodeToBytes(b.fingerprint().build());
          socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
        } catch (Exception e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void expectRefused(byte[] successKey, String message) throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    Vertx vertx = Vertx.vertx();
    try (DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      hostileServer(server, successKey);
      NettyUdpEndpoint endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
      StunClient stun = new StunClient(vertx, endpoint, metrics).installAsHandler();
      TurnClientOptions options = new TurnClientOptions("127.0.0.1", server.getLocalPort(), "alice", "secret");
      assertThatThrownBy(() -> await(new TurnClient(vertx, stun, options, metrics).allocate()))
          .hasMessageContaining(message);
      assertThat(metrics.counter("p2p.turn.client.unauthenticated.responses").count()).isEqualTo(1);
      await(endpoint.close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aSuccessWithoutMessageIntegrityIsRefused() throws Exception {
    expectRefused(null, "has no MESSAGE-INTEGRITY");
  }

  @Test
  void aSuccessSignedWithAnotherKeyIsRefused() throws Exception {
    expectRefused(StunCredentials.longTermKey("alice", "evil", "not-the-password"), "does not verify with our key");
  }
}
