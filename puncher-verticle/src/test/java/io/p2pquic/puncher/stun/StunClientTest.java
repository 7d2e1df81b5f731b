package io.p2pquic.puncher.stun;

import io.p2pquic.api.net.SocketAddresses;
import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.TransactionId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** StunClient over real loopback UDP sockets, against the real server and a fault-injecting responder. */
@ExtendWith(VertxExtension.class)
class StunClientTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final List<Future<Void>> cleanup = new ArrayList<>();
  private Vertx vertx;
  private StunClient client;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    client = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics));
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    await(client.endpoint().close());
  }

  private TestStunServer responder(String alternate) throws Exception {
    return await(TestStunServer.start(vertx, "127.0.0.1", alternate));
  }

  private double count(String name, String... tags) {
    var c = metrics.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void bindingAgainstTheRealServerReturnsTheSocketsAddress() throws Exception {
    StunServer server = RealStunServer.plain(vertx);
    try {
      StunResponse r = await(client.bindingResponse(server.udpAddress(), RetransmitPolicy.DISCOVERY));
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.mappedAddress()).hasValue(client.localAddress());
      assertThat(r.source()).isEqualTo(server.udpAddress());
      assertThat(r.attempts()).isEqualTo(1);
      assertThat(r.rtt()).isLessThan(java.time.Duration.ofSeconds(1));
      assertThat(count("p2p.stun.client.responses", "class", "success")).isEqualTo(1);
      assertThat(client.outstanding()).isZero();
    } finally {
      await(server.stop());
    }
  }

  @Test
  void retransmitsWithDoublingIntervalsUntilAnswered() throws Exception {
    TestStunServer server = responder(null);
    try {
      server.ignore.set(3);
      RetransmitPolicy policy = RetransmitPolicy.of(100, 7, 16);
      StunResponse r = await(client.bindingResponse(server.primary(), policy));
      assertThat(r.attempts()).as("answered on the 4th request").isEqualTo(4);
      assertThat(server.received).hasSize(4);
      assertThat(server.received).extracting(TestStunServer.Received::tid).containsOnly(r.message().transactionId());
      long[] gaps = new long[3];
      for (int i = 0; i < 3; i++) {
        gaps[i] = (server.received.get(i + 1).nanos() - server.received.get(i).nanos()) / 1_000_000;
      }
      // Expected 100, 200, 400 ms; allow timer slack.
      assertThat((double) gaps[0]).isCloseTo(100, within(60.0));
      assertThat((double) gaps[1]).isCloseTo(200, within(60.0));
      assertThat((double) gaps[2]).isCloseTo(400, within(80.0));
      assertThat((double) gaps[1] / gaps[0]).isBetween(1.4, 2.8);
      assertThat((double) gaps[2] / gaps[1]).isBetween(1.6, 2.5);
      assertThat(count("p2p.stun.client.retransmissions")).isEqualTo(3);
      assertThat(r.elapsed().toMillis()).isGreaterThanOrEqualTo(650);
      assertThat(r.rtt().toMillis()).isLessThan(100);
    } finally {
      await(server.stop());
    }
  }

  @Test
  void timesOutAfterTheConfiguredAttemptsWithATypedException() throws Exception {
    TestStunServer server = responder(null);
    try {
      server.ignore.set(1_000);
      RetransmitPolicy policy = RetransmitPolicy.of(50, 3, 2); // sends at 0, 50, 150; gives up at 250
      long start = System.nanoTime();
      Throwable t = awaitFailure(client.binding(server.primary(), policy));
      long took = (System.nanoTime() - start) / 1_000_000;
      assertThat(t).isInstanceOf(StunTimeoutException.class);
      StunTimeoutException e = (StunTimeoutException) t;
      assertThat(e.attempts()).isEqualTo(3);
      assertThat(e.server()).isEqualTo(server.primary());
      assertThat(e.getMessage())
          .contains(SocketAddresses.format(server.primary()))
          .contains("after 3 requests");
      assertThat(took).isBetween(230L, 1_500L);
      assertThat(server.received).hasSize(3);
      assertThat(count("p2p.stun.client.timeouts")).isEqualTo(1);
      assertThat(client.outstanding()).isZero();
    } finally {
      await(server.stop());
    }
  }

  @Test
  void malformedAndUnknownDatagramsAreDroppedAndCountedWithoutDisturbingATransaction() throws Exception {
    TestStunServer server = responder(null);
    DatagramSocket intruder = await(vertx.createDatagramSocket().listen(0, "127.0.0.1"));
    try {
      server.delayMillis = 400;
      StunMessage request = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
      Future<StunResponse> pending = client.request(server.primary(), request, RetransmitPolicy.of(1_000, 2, 2));
      InetSocketAddress target = client.localAddress();
      StunMessageEncoder enc = new StunMessageEncoder();
      byte[] notStun = new byte[24];
      notStun[0] = (byte) 0xC1; // QUIC-ish first byte
      byte[] stranger = enc.encodeToBytes(StunMessage.builder(StunMessageType.BINDING_SUCCESS, TransactionId.random())
          .add(StunAttributes.xorMappedAddress(new InetSocketAddress("192.0.2.1", 1))).build());
      byte[] badLength = enc.encodeToBytes(request.responseBuilder(true).build());
      badLength[3] = 8; // claims 8 attribute bytes that are not there
      byte[] otherMethod = enc.encodeToBytes(StunMessage.builder(
              StunMessageType.of(StunMethod.ALLOCATE, StunClass.SUCCESS_RESPONSE), request.transactionId())
          .add(StunAttributes.xorMappedAddress(new InetSocketAddress("192.0.2.66", 6666))).build());
      for (byte[] d : List.of(notStun, stranger, badLength, otherMethod, "hello".getBytes())) {
        await(intruder.send(Buffer.buffer(d), target.getPort(), "127.0.0.1"));
      }
      StunResponse r = await(pending);
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.source()).isEqualTo(server.primary());
      assertThat(r.mappedAddress()).hasValue(target);
      // Not STUN at all ("hello", the QUIC-looking one): the endpoint's demultiplexer drops it first.
      assertThat(count("p2p.udp.dropped", "kind", "not-stun")).isEqualTo(2);
      assertThat(count("p2p.stun.client.dropped", "reason", "unknown-transaction")).isEqualTo(1);
      assertThat(count("p2p.stun.client.dropped", "reason", "truncated")).isEqualTo(1);
      assertThat(count("p2p.stun.client.dropped", "reason", "method-mismatch")).isEqualTo(1);
      // The same response again (a late answer to a retransmission) is a duplicate, not a new match.
      byte[] again = enc.encodeToBytes(request.responseBuilder(true)
          .add(StunAttributes.xorMappedAddress(target)).build());
      assertThat(client.handleInbound(again, server.primary())).isFalse();
      assertThat(count("p2p.stun.client.dropped", "reason", "duplicate")).isEqualTo(1);
    } finally {
      await(intruder.close());
      await(server.stop());
    }
  }

  @Test
  void aResponseFromAnotherAddressCompletesTheTransaction() throws Exception {
    TestStunServer server = responder("127.0.0.2");
    try {
      StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
          .add(StunAttributes.changeRequest(true, true)).build();
      StunResponse r = await(client.request(server.primary(), req, RetransmitPolicy.DISCOVERY));
      assertThat(r.source()).isEqualTo(server.other());
      assertThat(r.responseOrigin()).hasValue(server.other());
    } finally {
      await(server.stop());
    }
  }

  @Test
  void errorResponsesCompleteRequestAndFailBinding() throws Exception {
    TestStunServer server = responder(null);
    try {
      server.errorCode = 400;
      StunResponse r = await(client.request(server.primary(),
          StunMessage.builder(StunMessageType.BINDING_REQUEST).build(), RetransmitPolicy.DISCOVERY));
      assertThat(r.isSuccess()).isFalse();
      assertThat(r.errorCode()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo(400));
      Throwable t = awaitFailure(client.binding(server.primary(), RetransmitPolicy.DISCOVERY));
      assertThat(t).isInstanceOf(StunErrorResponseException.class);
      assertThat(((StunErrorResponseException) t).code()).isEqualTo(400);
      assertThat(t.getMessage()).contains("error 400");
      assertThat(count("p2p.stun.client.responses", "class", "error")).isEqualTo(2);
    } finally {
      await(server.stop());
    }
  }

  @Test
  void requestsAndIndicationsAreNotConsumed() {
    StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
    byte[] bytes = new StunMessageEncoder().encodeToBytes(req);
    assertThat(client.handleInbound(bytes, new InetSocketAddress("127.0.0.1", 9))).isFalse();
    assertThat(metrics.find("p2p.stun.client.dropped").counters()).isEmpty();
  }

  @Test
  void closeFailsOutstandingTransactions() throws Exception {
    TestStunServer server = responder(null);
    try {
      server.ignore.set(100);
      Future<InetSocketAddress> f = client.binding(server.primary(), RetransmitPolicy.RFC_8489);
      Thread.sleep(50);
      client.close();
      assertThat(awaitFailure(f)).isInstanceOf(StunException.class).hasMessageContaining("closed");
    } finally {
      await(server.stop());
    }
  }

  @Test
  void policyArithmeticMatchesRfc8489() {
    assertThat(RetransmitPolicy.RFC_8489.sendOffsetsMillis())
        .containsExactly(0L, 500L, 1_500L, 3_500L, 7_500L, 15_500L, 31_500L);
    assertThat(RetransmitPolicy.RFC_8489.timeoutMillis()).isEqualTo(39_500);
    assertThat(RetransmitPolicy.DISCOVERY.sendOffsetsMillis()).containsExactly(0L, 150L, 450L, 1_050L);
    assertThat(RetransmitPolicy.DISCOVERY.timeoutMillis()).isEqualTo(1_650);
    // Gathering: seven requests inside its 3 s timeout (lossy links lose a candidate far less often).
    assertThat(RetransmitPolicy.GATHERING.sendOffsetsMillis()).containsExactly(0L, 200L, 600L, 1_100L, 1_600L, 2_100L, 2_600L);
    assertThat(RetransmitPolicy.GATHERING.timeoutMillis()).isEqualTo(3_400);
    RetransmitPolicy capped = new RetransmitPolicy(java.time.Duration.ofMillis(100), 5, 2, java.time.Duration.ofMillis(300));
    assertThat(capped.sendOffsetsMillis()).containsExactly(0L, 100L, 300L, 600L, 900L);
    assertThat(RetransmitPolicy.fromJson(capped.toJson(), RetransmitPolicy.RFC_8489)).isEqualTo(capped);
  }
}
