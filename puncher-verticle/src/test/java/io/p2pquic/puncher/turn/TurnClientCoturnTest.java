package io.p2pquic.puncher.turn;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Our TURN client against coturn's turnserver on loopback, with a plain UDP socket as the peer. */
class TurnClientCoturnTest {
  private static Coturn coturn;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private Vertx vertx;
  private NettyUdpEndpoint endpoint;
  private StunClient stun;
  private final LinkedBlockingQueue<Datagram> unconsumedStun = new LinkedBlockingQueue<>();
  private DatagramSocket peer;

  @BeforeAll
  static void startCoturn() throws Exception {
    coturn = Coturn.start("--denied-peer-ip=127.0.0.2");
  }

  @AfterAll
  static void stopCoturn() throws Exception {
    if (coturn != null) {
      coturn.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    endpoint = await(NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, metrics));
    stun = new StunClient(vertx, endpoint, metrics).installAsHandler(unconsumedStun::add);
    peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    peer.setSoTimeout(5_000);
  }

  @AfterEach
  void close() throws Exception {
    peer.close();
    await(endpoint.close());
    await(vertx.close());
  }

  private TurnClient client(TurnClientOptions options) {
    return new TurnClient(vertx, stun, options, metrics);
  }

  private InetSocketAddress peerAddress() {
    return (InetSocketAddress) peer.getLocalSocketAddress();
  }

  private String receiveAtPeer(InetSocketAddress expectedSource) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    peer.receive(p);
    assertThat(p.getSocketAddress()).as("relayed from the allocation's relayed address").isEqualTo(expectedSource);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  private void sendFromPeer(byte[] data, InetSocketAddress to) throws Exception {
    peer.send(new DatagramPacket(data, data.length, to));
  }

  private double counter(String name, String... tags) {
    var c = metrics.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void allocatesRelaysBothWaysByIndicationAndChannelRefreshesAndDeallocates() throws Exception {
    TurnClient client = client(coturn.options("alice").setAutoChannelBind(false));
    RelayAllocation a = await(client.allocate());

    InetSocketAddress relayed = a.relayedAddress();
    assertThat(relayed.getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(relayed.getPort()).isBetween(coturn.minPort, coturn.maxPort);
    assertThat(a.mappedAddress()).as("no NAT on loopback: the server sees our socket").isEqualTo(endpoint.localAddress());
    assertThat(a.lifetime()).isEqualTo(Duration.ofSeconds(600));
    assertThat(client.realm()).isEqualTo(Coturn.REALM);
    assertThat(counter("p2p.turn.client.allocations", "outcome", "success")).isEqualTo(1);

    // Send indications (no channel yet); the permission is created by send() itself.
    await(a.send(Buffer.buffer("hello via Send indication"), peerAddress()));
    assertThat(receiveAtPeer(relayed)).isEqualTo("hello via Send indication");
    assertThat(a.permission(peerAddress().getAddress())).hasValueSatisfying(p -> assertThat(p.usable()).isTrue());
    assertThat(a.channel(peerAddress())).isEmpty();

    // Peer -> relayed address: a Data indication, unwrapped; a STUN payload reaches the STUN handler as from the peer.
    StunMessage check = StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build();
    sendFromPeer(new io.p2pquic.stun.StunMessageEncoder().encodeToBytes(check), relayed);
    Datagram in = unconsumedStun.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(in).isNotNull();
    assertThat(in.sender()).isEqualTo(peerAddress());
    assertThat(in.relayedAddress()).isEqualTo(relayed);
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "in", "via", "indication")).isEqualTo(1);
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "out", "via", "indication")).isEqualTo(1);

    // ChannelData both ways once a channel is bound.
    RelayChannel ch = await(a.bindChannel(peerAddress()));
    assertThat(ch.number()).isEqualTo(0x4000);
    assertThat(ch.usable()).isTrue();
    await(a.send(Buffer.buffer("hello via ChannelData"), peerAddress()));
    assertThat(receiveAtPeer(relayed)).isEqualTo("hello via ChannelData");
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "out", "via", "channel")).isEqualTo(1);
    sendFromPeer(new io.p2pquic.stun.StunMessageEncoder().encodeToBytes(check), relayed);
    in = unconsumedStun.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(in).isNotNull();
    assertThat(in.sender()).isEqualTo(peerAddress());
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "in", "via", "channel"))
        .as("coturn uses the bound channel towards us").isEqualTo(1);

    // Netty level: a ByteBuf wrapped and written on the channel.
    await(io.vertx.core.Future.fromCompletionStage(
        net(a.writeAndFlush(Unpooled.copiedBuffer("hello via Netty", StandardCharsets.UTF_8), peerAddress()))));
    assertThat(receiveAtPeer(relayed)).isEqualTo("hello via Netty");

    assertThat(await(a.refresh())).isEqualTo(Duration.ofSeconds(600));
    assertThat(counter("p2p.turn.client.refreshes", "kind", "allocation", "outcome", "success")).isEqualTo(1);

    await(a.close());
    assertThat(a.isClosed()).isTrue();
    assertThat(a.ended().succeeded()).isTrue();
    assertThat(counter("p2p.turn.client.deallocations")).isEqualTo(1);
    // The server really deleted it (coturn on its next 1-s timer tick, "allocation timeout"): another Refresh
    // on this 5-tuple is an allocation mismatch.
    assertThat(coturn.awaitLog("refreshed, realm=<" + Coturn.REALM + ">, username=<" + client.options().username() + ">, lifetime=0"))
        .isTrue();
    assertThat(coturn.awaitLog("delete: realm=<" + Coturn.REALM + ">, username=<" + client.options().username() + ">"))
        .isTrue();
    Throwable again = awaitFailure(client.transact("Refresh", () -> StunMessage.builder(
        StunMessageType.of(StunMethod.REFRESH, StunClass.REQUEST)).add(StunAttributes.lifetime(600))));
    assertThat(again).isInstanceOf(TurnException.class);
    assertThat(((TurnException) again).code()).isEqualTo(437);
    assertThat(((TurnException) again).reason()).isEqualTo(TurnException.Reason.ALLOCATION_MISMATCH);
    assertThat(again.getMessage()).contains("allocate again");
    assertThat(awaitFailure(a.send(Buffer.buffer("x"), peerAddress()))).hasMessageContaining("closed");
    // And a new allocation can be made from the same socket.
    RelayAllocation b = await(client.allocate());
    assertThat(b.relayedAddress()).isNotNull();
    await(b.close());
  }

  @Test
  void autoChannelBindSwitchesFromIndicationToChannelData() throws Exception {
    RelayAllocation a = await(client(coturn.options("bob")).allocate());
    await(a.send(Buffer.buffer("first"), peerAddress()));
    assertThat(receiveAtPeer(a.relayedAddress())).isEqualTo("first");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!a.channel(peerAddress()).map(RelayChannel::usable).orElse(false) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(a.channel(peerAddress())).hasValueSatisfying(ch -> assertThat(ch.usable()).isTrue());
    await(a.send(Buffer.buffer("second"), peerAddress()));
    assertThat(receiveAtPeer(a.relayedAddress())).isEqualTo("second");
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "out", "via", "indication")).isEqualTo(1);
    assertThat(counter("p2p.turn.client.relayed.packets", "direction", "out", "via", "channel")).isEqualTo(1);
    await(a.close());
  }

  @Test
  void activePermissionsAndChannelsAreRefreshedIdleOnesAreNot() throws Exception {
    TurnClientOptions o = coturn.options("carol").setPermissionRefreshMillis(150).setChannelRefreshMillis(250);
    RelayAllocation a = await(client(o).allocate());
    await(a.bindChannel(peerAddress()));
    long until = System.nanoTime() + Duration.ofMillis(900).toNanos();
    while (System.nanoTime() < until) {
      await(a.send(Buffer.buffer("keep"), peerAddress()));
      assertThat(receiveAtPeer(a.relayedAddress())).isEqualTo("keep");
      Thread.sleep(50);
    }
    assertThat(counter("p2p.turn.client.refreshes", "kind", "permission", "outcome", "success")).isGreaterThanOrEqualTo(3);
    assertThat(counter("p2p.turn.client.refreshes", "kind", "channel", "outcome", "success")).isGreaterThanOrEqualTo(2);
    double permissions = counter("p2p.turn.client.refreshes", "kind", "permission", "outcome", "success");
    Thread.sleep(600); // idle: nothing is refreshed after the round that saw the last use
    assertThat(counter("p2p.turn.client.refreshes", "kind", "permission", "outcome", "success")).isLessThanOrEqualTo(permissions + 1);
    assertThat(counter("p2p.turn.client.refreshes", "kind", "permission", "outcome", "failure")).isZero();
    await(a.close());
  }

  @Test
  void aForbiddenPeerFailsClearlyAndIsNotAskedForAgainOnEveryPacket() throws Exception {
    RelayAllocation a = await(client(coturn.options("dave")).allocate());
    InetSocketAddress denied = new InetSocketAddress("127.0.0.2", 40_000);
    Throwable err = awaitFailure(a.createPermission(denied.getAddress()));
    assertThat(err).isInstanceOf(TurnException.class);
    assertThat(((TurnException) err).code()).isEqualTo(403);
    assertThat(((TurnException) err).reason()).isEqualTo(TurnException.Reason.FORBIDDEN);
    assertThat(err.getMessage()).contains("does not relay to that address");
    double transactions = counter("p2p.stun.client.transactions");
    assertThat(awaitFailure(a.send(Buffer.buffer("x"), denied))).isInstanceOf(TurnException.class);
    assertThat(awaitFailure(a.send(Buffer.buffer("y"), denied))).isInstanceOf(TurnException.class);
    assertThat(counter("p2p.stun.client.transactions")).as("no request per packet after a refusal").isEqualTo(transactions);
    await(a.close());
  }

  @Test
  void worksOnAVertxSocketToo() throws Exception {
    LinkedBlockingQueue<Datagram> in = new LinkedBlockingQueue<>();
    StunClient vertxStun = await(StunClient.bind(vertx, "127.0.0.1", 0, metrics)).installAsHandler(in::add);
    RelayAllocation a = await(new TurnClient(vertx, vertxStun, coturn.options("frank"), metrics).allocate());
    await(a.send(Buffer.buffer("from a Vert.x socket"), peerAddress()));
    assertThat(receiveAtPeer(a.relayedAddress())).isEqualTo("from a Vert.x socket");
    sendFromPeer(new io.p2pquic.stun.StunMessageEncoder().encodeToBytes(
        StunMessage.builder(StunMessageType.BINDING_REQUEST).fingerprint().build()), a.relayedAddress());
    Datagram d = in.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(d).isNotNull();
    assertThat(d.sender()).isEqualTo(peerAddress());
    assertThat(d.relayedAddress()).isEqualTo(a.relayedAddress());
    await(a.close());
    await(vertxStun.endpoint().close());
  }

  @Test
  void oneAllocationAtATimePerClient() throws Exception {
    TurnClient client = client(coturn.options("grace"));
    var first = client.allocate();
    Throwable err = awaitFailure(client.allocate());
    assertThat(err).isInstanceOf(IllegalStateException.class).hasMessageContaining("one per socket and server");
    await(await(first).close());
  }

  @Test
  void anAllocationEndsWithItsSocket() throws Exception {
    RelayAllocation a = await(client(coturn.options("erin")).allocate());
    await(endpoint.close());
    Throwable err = awaitFailure(a.ended());
    assertThat(err).hasMessageContaining("closed");
    assertThat(a.isClosed()).isTrue();
  }

  @Test
  void wrongPasswordFailsWithAClearError() throws Exception {
    TurnClientOptions o = coturn.options("mallory").setPassword("not-the-hmac");
    Throwable err = awaitFailure(client(o).allocate());
    assertThat(err).isInstanceOf(TurnException.class);
    TurnException t = (TurnException) err;
    assertThat(t.code()).isEqualTo(401);
    assertThat(t.reason()).isEqualTo(TurnException.Reason.WRONG_CREDENTIALS);
    assertThat(t.getMessage()).contains("wrong credentials", "Check the username and password", "shared secret");
    assertThat(counter("p2p.turn.client.failures", "reason", "wrong-credentials")).isEqualTo(1);
    assertThat(counter("p2p.turn.client.allocations", "outcome", "failure")).isEqualTo(1);
  }

  @Test
  void expiredRestUsernameIsRefused() throws Exception {
    var c = io.p2pquic.stun.turn.TurnRestCredentials.issue(coturn.secret, "late", java.time.Instant.now().minusSeconds(60));
    Throwable err = awaitFailure(client(new TurnClientOptions("127.0.0.1", coturn.port, c.username(), c.password())).allocate());
    assertThat(err).isInstanceOf(TurnException.class);
    assertThat(((TurnException) err).reason()).isEqualTo(TurnException.Reason.WRONG_CREDENTIALS);
  }

  @Test
  void noServerTimesOutWithAClearError() throws Exception {
    DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    try {
      TurnClientOptions o = new TurnClientOptions("127.0.0.1", silent.getLocalPort(), "u", "p")
          .setRetransmit(io.p2pquic.puncher.stun.RetransmitPolicy.of(20, 3, 2));
      Throwable err = awaitFailure(client(o).allocate());
      assertThat(err).isInstanceOf(TurnException.class);
      assertThat(((TurnException) err).reason()).isEqualTo(TurnException.Reason.TIMEOUT);
      assertThat(err.getMessage()).contains("no response from TURN server", "after 3 requests", "not blocked");
    } finally {
      silent.close();
    }
  }

  private static java.util.concurrent.CompletionStage<Void> net(io.netty.channel.ChannelFuture f) {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    f.addListener(x -> {
      if (x.isSuccess()) {
        done.complete(null);
      } else {
        done.completeExceptionally(x.cause());
      }
    });
    return done;
  }
}
