package io.p2pquic.puncher.quicnative;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.p2pquic.quic.SignallingQuicTls;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-session QUIC attachment against a real rendezvous (QUIC signalling transport) on 127.0.0.1. */
class RendezvousAttachmentTest {
  private static Vertx vertx;
  private static RendezvousVerticle rendezvous;
  private static final SimpleMeterRegistry rendezvousMetrics = new SimpleMeterRegistry();
  private static InetSocketAddress quic;
  private static PeerId rendezvousId;

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", 0))), rendezvousMetrics);
    await(vertx.deployVerticle(rendezvous));
    quic = rendezvous.quicSignallingAddress();
    rendezvousId = PeerId.parse(rendezvous.signalling().quicSignalling().getString("peerId"));
  }

  @AfterAll
  static void down() throws Exception {
    await(vertx.close());
  }

  private static Future<NettyUdpEndpoint> socket() {
    return NettyUdpEndpoint.bind(vertx, "127.0.0.1", 0, new SimpleMeterRegistry());
  }

  @Test
  void theObservedAddressIsWhatStunReportsForTheSameSocket() throws Exception {
    NettyUdpEndpoint ep = await(socket());
    StunClient stun = new StunClient(vertx, ep, new SimpleMeterRegistry());
    ep.stunHandler(d -> stun.handleInbound(d.data().getBytes(), d.sender()));
    InetSocketAddress mapped = await(stun.binding(rendezvous.stunAddress(), RetransmitPolicy.GATHERING));
    RendezvousAttachment a = await(RendezvousAttachment.open(vertx, ep.channel(), quic, rendezvousId,
        PeerIdentity.generate(), 5_000));
    assertThat(a.observed()).isEqualTo(mapped).isEqualTo(ep.localAddress());
    await(a.close());
    assertThat(ep.channel().pipeline().get(RendezvousAttachment.CODEC_NAME)).as("codec taken off the socket").isNull();
    await(ep.close());
  }

  /**
   * A kept attachment (AttachedSocketPool) pings the rendezvous: the pong comes back over the same QUIC
   * connection, which stays open; a closed attachment refuses to ping instead of hanging.
   */
  @Test
  void anAttachmentIsKeptAliveByAPingAndAClosedOneRefusesIt() throws Exception {
    NettyUdpEndpoint ep = await(socket());
    RendezvousAttachment a = await(RendezvousAttachment.open(vertx, ep.channel(), quic, rendezvousId,
        PeerIdentity.generate(), 5_000, 30_000));
    await(a.keepAlive());
    await(a.keepAlive());
    assertThat(a.isOpen()).isTrue();
    await(a.close());
    assertThat(a.isOpen()).isFalse();
    assertThatThrownBy(() -> await(a.keepAlive())).hasMessageContaining("not open");
    await(ep.close());
  }

  /**
   * Issue 15: a garbage QUIC Initial logged a stack trace per datagram (no exception handler on the
   * listener); it is now dropped and counted, and the listener serves the next client. With
   * quicRetryAboveConnections 0 every client gets a Retry first and still attaches.
   */
  @Test
  void garbageInitialsAreCountedAndClientsAttachThroughARetry() throws Exception {
    RendezvousVerticle strict = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("enabled", false))
        .put("signalling", new JsonObject().put("quicPort", 0).put("quicRetryAboveConnections", 0)
            .put("maxConnectionsPerIp", 2))), rendezvousMetrics);
    String id = await(vertx.deployVerticle(strict));
    try {
      InetSocketAddress at = strict.quicSignallingAddress();
      PeerId strictId = PeerId.parse(strict.signalling().quicSignalling().getString("peerId"));
      try (java.net.DatagramSocket junk = new java.net.DatagramSocket()) {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 20; i++) {
          byte[] b = new byte[1200];
          r.nextBytes(b);
          b[0] = (byte) 0xC3; // long header, Initial
          b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 1; // version 1
          b[5] = 8; // DCID length, then random bytes
          junk.send(new java.net.DatagramPacket(b, b.length, at));
        }
      }
      double retriesBefore = count("p2p.signalling.quic.dropped", "reason", "retry-sent");
      NettyUdpEndpoint ep = await(socket());
      RendezvousAttachment a = await(RendezvousAttachment.open(vertx, ep.channel(), at, strictId, PeerIdentity.generate(), 5_000));
      assertThat(a.observed()).isEqualTo(ep.localAddress());
      assertThat(count("p2p.signalling.quic.dropped", "reason", "retry-sent")).isGreaterThan(retriesBefore);
      // Two connections per address: the second attaches, the third is refused and counted.
      NettyUdpEndpoint ep2 = await(socket());
      RendezvousAttachment b = await(RendezvousAttachment.open(vertx, ep2.channel(), at, strictId, PeerIdentity.generate(), 5_000));
      NettyUdpEndpoint ep3 = await(socket());
      double limitedBefore = count("p2p.signalling.quic.dropped", "reason", "connection-limit");
      assertThatThrownBy(() -> await(RendezvousAttachment.open(vertx, ep3.channel(), at, strictId, PeerIdentity.generate(), 3_000)))
          .isNotNull();
      assertThat(count("p2p.signalling.quic.dropped", "reason", "connection-limit")).isGreaterThan(limitedBefore);
      await(a.close());
      await(b.close());
      await(ep.close());
      await(ep2.close());
      await(ep3.close());
      // A client that speaks another protocol (ALPN h3): its failed handshake is counted on the server,
      // not left to reach the end of the connection's pipeline (a WARN with a stack trace each time).
      double errorsBefore = count("p2p.signalling.quic.dropped", "reason", "connection-error");
      NettyUdpEndpoint h3 = await(socket());
      h3.channel().pipeline().addLast(new QuicClientCodecBuilder()
          .sslContext(io.netty.handler.codec.quic.QuicSslContextBuilder.forClient()
              .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).applicationProtocols("h3").build())
          .maxIdleTimeout(5, TimeUnit.SECONDS).initialMaxData(1 << 16).build());
      assertThatThrownBy(() -> QuicChannel.newBootstrap(h3.channel()).handler(new ChannelInboundHandlerAdapter())
          .remoteAddress(at).connect().get(5, TimeUnit.SECONDS)).isNotNull();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (count("p2p.signalling.quic.dropped", "reason", "connection-error") <= errorsBefore && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(count("p2p.signalling.quic.dropped", "reason", "connection-error")).isGreaterThan(errorsBefore);
      await(h3.close());
    } finally {
      await(vertx.undeploy(id));
    }
  }

  @Test
  void aRendezvousWithAnotherIdentityIsRefused() throws Exception {
    NettyUdpEndpoint ep = await(socket());
    PeerId impostor = PeerIdentity.generate().peerId();
    assertThatThrownBy(() -> await(RendezvousAttachment.open(vertx, ep.channel(), quic, impostor, PeerIdentity.generate(), 3_000)))
        .hasMessageContaining("QUIC to the rendezvous failed");
    await(ep.close());
  }

  @Test
  void anAttachmentDoesNotTakeOverTheRegistrationAndCannotReachAnOfflinePeer() throws Exception {
    NettyUdpEndpoint ep = await(socket());
    PeerIdentity me = PeerIdentity.generate();
    RendezvousAttachment a = await(RendezvousAttachment.open(vertx, ep.channel(), quic, rendezvousId, me, 5_000));
    // The attached peer is not registered (attachments never are): a lookup over the bus finds it offline.
    JsonObject info = await(vertx.eventBus().<JsonObject>request(io.p2pquic.api.Addresses.RENDEZVOUS_LOOKUP,
        new JsonObject().put("peerId", me.peerId().value()))).body();
    assertThat(info.getBoolean("online")).isFalse();
    assertThatThrownBy(() -> await(a.send(PeerIdentity.generate().peerId(),
        new io.p2pquic.api.signalling.session.SessionSignal.EndOfCandidates("x"))))
        .hasMessageContaining("unknown-target");
    await(a.close());
    await(ep.close());
  }

  /** Garbled frames over QUIC are answered with an error and counted, as on the WebSocket; the stream lives on. */
  @Test
  void garbledSignallingOverQuicIsAnsweredAndCountedAndTheConnectionLivesOn() throws Exception {
    NettyUdpEndpoint ep = await(socket());
    BlockingQueue<JsonObject> in = new LinkedBlockingQueue<>();
    ep.channel().pipeline().addLast(new QuicClientCodecBuilder().sslContext(SignallingQuicTls.client(rendezvousId))
        .maxIdleTimeout(10, TimeUnit.SECONDS).initialMaxData(1 << 20).initialMaxStreamDataBidirectionalLocal(1 << 18)
        .initialMaxStreamsBidirectional(1).build());
    QuicChannel conn = QuicChannel.newBootstrap(ep.channel()).handler(new ChannelInboundHandlerAdapter())
        .remoteAddress(quic).connect().get(5, TimeUnit.SECONDS);
    QuicStreamChannel stream = conn.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
      @Override
      protected void initChannel(QuicStreamChannel ch) {
        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 16, 0, 4, 0, 4), new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            in.add(new JsonObject(b.toString(StandardCharsets.UTF_8)));
            b.release();
          }
        });
      }
    }).get(5, TimeUnit.SECONDS);
    double malformedBefore = count("p2p.signalling.errors", "code", "malformed");
    stream.writeAndFlush(frame("this is { not json".getBytes(StandardCharsets.UTF_8))).sync();
    assertThat(in.poll(5, TimeUnit.SECONDS).getString("type")).isEqualTo("challenge");
    JsonObject err = in.poll(5, TimeUnit.SECONDS);
    assertThat(err.getString("type")).isEqualTo("error");
    assertThat(err.getString("code")).isEqualTo("malformed");
    assertThat(count("p2p.signalling.errors", "code", "malformed")).isEqualTo(malformedBefore + 1);
    // A length prefix beyond the limit: the frame is skipped, answered with too-large and counted.
    ByteBuf huge = Unpooled.buffer().writeInt(1 << 20).writeZero(1 << 20);
    stream.writeAndFlush(huge).sync();
    JsonObject tooLarge = in.poll(5, TimeUnit.SECONDS);
    assertThat(tooLarge.getString("code")).isEqualTo("too-large");
    assertThat(count("p2p.signalling.quic.dropped", "reason", "too-long")).isGreaterThanOrEqualTo(1);
    // The same stream still answers.
    stream.writeAndFlush(frame(new JsonObject().put("type", "ping").put("id", "p").encode().getBytes(StandardCharsets.UTF_8))).sync();
    JsonObject pong = in.poll(5, TimeUnit.SECONDS);
    assertThat(pong.getString("type")).isEqualTo("pong");
    conn.close().sync();
    await(ep.close());
  }

  private static ByteBuf frame(byte[] payload) {
    return Unpooled.buffer().writeInt(payload.length).writeBytes(payload);
  }

  private static double count(String name, String tag, String value) {
    var c = rendezvousMetrics.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }
}
