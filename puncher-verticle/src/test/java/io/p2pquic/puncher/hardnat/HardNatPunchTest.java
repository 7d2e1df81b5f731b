package io.p2pquic.puncher.hardnat;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static io.p2pquic.puncher.stun.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.virtual.VirtualNatType;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.puncher.ice.virtual.VirtualStunServer;
import io.p2pquic.puncher.path.PeerPath;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.puncher.transport.PunchedDatagramPacket;
import io.p2pquic.testsupport.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hard-NAT punching on the virtual network, no root and no sockets: a host behind a port-restricted cone
 * NAT sprays ports of a symmetric NAT's public IP while the host behind the symmetric NAT opens many
 * sockets towards the cone's one mapping. Both must end with the same path (from the winning socket to the
 * cone's mapping, and back to the port that answered), and a QUIC-looking datagram must cross it both ways,
 * the symmetric side's arriving in its session pipeline. Probes signed with other credentials find nothing.
 */
class HardNatPunchTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass(new VertxOptions().setEventLoopPoolSize(1));
  private static final Vertx vertx = VERTX.vertx();
  private static final RetransmitPolicy ONE = RetransmitPolicy.of(30, 2, 2);
  private static final String SYMMETRIC_IP = "203.0.113.2";

  private static HardNatOptions fast(long budgetMillis) {
    return new HardNatOptions().setSockets(256).setProbesPerSecond(2000).setBudgetMillis(budgetMillis).setStartDelayMillis(0);
  }

  /** The two sides' sessions: cone (sprays) and symmetric (many sockets), and the cone's public address. */
  private record Sides(VirtualNetwork net, NettyUdpEndpoint cone, NettyUdpEndpoint symmetric, InetSocketAddress coneMapped) {}

  private static Sides sides() throws Exception {
    VirtualNetwork net = new VirtualNetwork(vertx);
    VirtualStunServer stun = VirtualStunServer.start(net, "198.51.100.1", 3478);
    net.addHost("10.0.0.2", net.addNat("203.0.113.1", VirtualNatType.PORT_RESTRICTED));
    net.addHost("10.0.1.2", net.addNat(SYMMETRIC_IP, VirtualNatType.SYMMETRIC));
    NettyUdpEndpoint cone = await(NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, new SimpleMeterRegistry(), net.channels("10.0.0.2")));
    NettyUdpEndpoint symmetric = await(NettyUdpEndpoint.bind(vertx, "0.0.0.0", 0, new SimpleMeterRegistry(),
        net.channels("10.0.1.2")));
    StunClient client = await(net.call(() -> Future.succeededFuture(
        new StunClient(vertx, cone, new SimpleMeterRegistry()).installAsHandler())));
    InetSocketAddress mapped = await(client.binding(stun.address(), ONE));
    client.close();
    return new Sides(net, cone, symmetric, mapped);
  }

  @Test
  void theSprayFindsOneOfTheManySocketsAndQuicCrossesThePathBothWays() throws Exception {
    Sides s = sides();
    IceCredentials coneCreds = IceCredentials.random();
    IceCredentials symCreds = IceCredentials.random();
    MeterRegistry metrics = new SimpleMeterRegistry();
    List<String> timeline = new ArrayList<>();
    HardNatPunch spray = new HardNatPunch(vertx, fast(10_000), HardNatRole.SPRAY, coneCreds, symCreds,
        new InetSocketAddress(SYMMETRIC_IP, 1), s.cone(), s.net().channels("10.0.0.2"), metrics, (e, d) -> timeline.add(e + ": " + d));
    HardNatPunch many = new HardNatPunch(vertx, fast(10_000), HardNatRole.MANY_SOCKETS, symCreds, coneCreds,
        s.coneMapped(), s.symmetric(), s.net().channels("10.0.1.2"), metrics, (e, d) -> timeline.add(e + ": " + d));
    s.cone().stunHandler(d -> spray.offer(d));
    CompletableFuture<Object> atSymmetric = new CompletableFuture<>();
    CompletableFuture<Object> atCone = new CompletableFuture<>();
    s.symmetric().channel().pipeline().addLast(capture(atSymmetric));
    s.cone().channel().pipeline().addLast(capture(atCone));

    Future<PeerPath> manyPath = await(s.net().call(() -> Future.succeededFuture(many.start())));
    Future<PeerPath> sprayPath = await(s.net().call(() -> Future.succeededFuture(spray.start())));
    PeerPath fromSymmetric = await(manyPath);
    PeerPath fromCone = await(sprayPath);

    assertThat(fromSymmetric).isInstanceOf(PeerPath.ViaSocket.class);
    assertThat(fromSymmetric.peer()).as("the winning socket talks to the cone's one mapping").isEqualTo(s.coneMapped());
    assertThat(fromCone).isInstanceOf(PeerPath.Direct.class);
    assertThat(fromCone.peer().getAddress()).isEqualTo(InetAddress.getByName(SYMMETRIC_IP));
    assertThat(spray.probesSent()).as("the spray stopped at the hit, long before all ports").isLessThan(20_000);
    assertThat(metrics.counter("p2p.hardnat.found", "role", "spray").count()).isEqualTo(1.0);
    assertThat(metrics.counter("p2p.hardnat.found", "role", "many-sockets").count()).isEqualTo(1.0);
    assertThat(timeline).anyMatch(l -> l.startsWith("hard-nat path found"));

    // A QUIC short-header datagram each way on the punched path.
    byte[] quic = {0x41, 1, 2, 3, 4, 5, 6, 7, 8};
    PeerPath.ViaSocket winner = (PeerPath.ViaSocket) fromSymmetric;
    vertx.runOnContext(v -> s.cone().channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(quic), fromCone.peer())));
    Object inSymmetricSession = atSymmetric.get(5, TimeUnit.SECONDS);
    assertThat(inSymmetricSession).as("arrived on the winning socket, handed to the session's pipeline")
        .isInstanceOf(PunchedDatagramPacket.class);
    assertThat(((PunchedDatagramPacket) inSymmetricSession).socket()).isSameAs(winner.channel());
    assertThat(((PunchedDatagramPacket) inSymmetricSession).sender()).isEqualTo(s.coneMapped());
    vertx.runOnContext(v -> winner.channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(quic), winner.peer())));
    Object inCone = atCone.get(5, TimeUnit.SECONDS);
    assertThat(((DatagramPacket) inCone).sender()).isEqualTo(fromCone.peer());

    await(s.net().call(() -> {
      many.close();
      spray.close();
      return Future.succeededFuture();
    }));
    assertThat(winner.channel().closeFuture().await(5, TimeUnit.SECONDS)).as("closing the punch closes the winning socket too")
        .isTrue();
  }

  @Test
  void probesSignedWithOtherCredentialsFindNothingAndAreCounted() throws Exception {
    Sides s = sides();
    IceCredentials coneCreds = IceCredentials.random();
    IceCredentials symCreds = IceCredentials.random();
    MeterRegistry metrics = new SimpleMeterRegistry();
    HardNatPunch spray = new HardNatPunch(vertx, fast(1_500), HardNatRole.SPRAY, coneCreds, IceCredentials.random(),
        new InetSocketAddress(SYMMETRIC_IP, 1), s.cone(), s.net().channels("10.0.0.2"), metrics, (e, d) -> { });
    HardNatPunch many = new HardNatPunch(vertx, fast(1_500), HardNatRole.MANY_SOCKETS, symCreds, coneCreds,
        s.coneMapped(), s.symmetric(), s.net().channels("10.0.1.2"), metrics, (e, d) -> { });
    s.cone().stunHandler(d -> spray.offer(d));

    Future<PeerPath> manyPath = await(s.net().call(() -> Future.succeededFuture(many.start())));
    Future<PeerPath> sprayPath = await(s.net().call(() -> Future.succeededFuture(spray.start())));

    assertThat(awaitFailure(manyPath)).isInstanceOf(HardNatException.class).hasMessageContaining("no direct path after");
    assertThat(awaitFailure(sprayPath)).isInstanceOf(HardNatException.class).hasMessageContaining("no direct path after");
    assertThat(metrics.counter("p2p.hardnat.dropped", "reason", "unauthenticated").count())
        .as("the wrongly signed probes that reached a socket").isGreaterThan(0);
    assertThat(metrics.counter("p2p.hardnat.gave-up", "role", "spray").count()).isEqualTo(1.0);
  }

  @Test
  void onlyAPairOfOnePerDestinationAndOneStableMappingIsPunched() {
    assertThat(HardNatRole.of(true, false)).isEqualTo(HardNatRole.MANY_SOCKETS);
    assertThat(HardNatRole.of(false, true)).isEqualTo(HardNatRole.SPRAY);
    assertThat(HardNatRole.of(true, true)).as("two symmetric NATs: nothing stable to aim at").isNull();
    assertThat(HardNatRole.of(false, false)).as("ICE's checks suffice").isNull();
  }

  @Test
  void optionsRoundTripAndRefuseOutOfRangeValuesByPath() {
    HardNatOptions o = new HardNatOptions(new io.vertx.core.json.JsonObject().put("sockets", 64).put("enabled", false));
    assertThat(new HardNatOptions(o.toJson())).isEqualTo(o);
    assertThat(o.sockets()).isEqualTo(64);
    assertThat(o.enabled()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HardNatOptions(new io.vertx.core.json.JsonObject()
        .put("sockets", 5000))).hasMessageContaining("hardNat.sockets");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HardNatOptions(new io.vertx.core.json.JsonObject()
        .put("probes", 5))).hasMessageContaining("probes");
  }

  private static ChannelInboundHandlerAdapter capture(CompletableFuture<Object> into) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket p) {
          ByteBufUtil.getBytes(p.content());
          into.complete(msg);
        }
      }
    };
  }
}
