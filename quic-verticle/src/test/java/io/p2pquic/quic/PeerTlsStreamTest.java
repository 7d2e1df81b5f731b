package io.p2pquic.quic;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TLS 1.3 over a TCP connection (method tcp's security): both sides pinned to the peer id they expect;
 * bytes flow once both proved their identity, and a side that meets someone else fails with the reason.
 */
class PeerTlsStreamTest {
  private Vertx vertx;
  private Channel server;
  private final PeerIdentity alice = PeerIdentity.generate();
  private final PeerIdentity bob = PeerIdentity.generate();
  private final PeerIdentity mallory = PeerIdentity.generate();

  @BeforeEach
  void up() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void down() throws Exception {
    if (server != null) {
      server.close().sync();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A connected pair of raw channels (reads off, as the puncher hands them over): [client, accepted]. */
  private SocketChannel[] connectedPair() throws Exception {
    var loop = ((VertxInternal) vertx).nettyEventLoopGroup();
    CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
    server = new ServerBootstrap().group(loop, loop).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accepted.complete(ch);
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    SocketChannel client = (SocketChannel) new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {}
        }).connect(server.localAddress()).sync().channel();
    return new SocketChannel[] {client, accepted.get(5, TimeUnit.SECONDS)};
  }

  @Test
  void bothPinnedSidesTalk() throws Exception {
    SocketChannel[] pair = connectedPair();
    Future<PeerTlsStream> c = PeerTlsStream.handshake(pair[0], alice, bob.peerId(), true, 10_000);
    Future<PeerTlsStream> s = PeerTlsStream.handshake(pair[1], bob, alice.peerId(), false, 10_000);
    PeerTlsStream client = await(c);
    PeerTlsStream srv = await(s);
    assertThat(client.remotePeerId()).isEqualTo(bob.peerId());
    assertThat(srv.remotePeerId()).isEqualTo(alice.peerId());
    Promise<Buffer> got = Promise.promise();
    srv.handler(got::tryComplete);
    await(client.write(Buffer.buffer("over tls")));
    assertThat(await(got.future()).toString()).isEqualTo("over tls");
    client.close();
    await(srv.closeFuture());
  }

  @Test
  void aClientThatMeetsAnotherPeerFailsWithTheMismatch() throws Exception {
    SocketChannel[] pair = connectedPair();
    // alice dialled bob, but mallory answers (with her own, valid certificate).
    Future<PeerTlsStream> c = PeerTlsStream.handshake(pair[0], alice, bob.peerId(), true, 10_000);
    Future<PeerTlsStream> s = PeerTlsStream.handshake(pair[1], mallory, alice.peerId(), false, 10_000);
    assertThatThrownBy(() -> await(c)).hasMessageContaining("peer id mismatch: expected " + bob.peerId());
    assertThatThrownBy(() -> await(s)).isInstanceOf(ExecutionException.class);
  }

  @Test
  void aServerThatMeetsAnotherClientRefusesIt() throws Exception {
    SocketChannel[] pair = connectedPair();
    Future<PeerTlsStream> c = PeerTlsStream.handshake(pair[0], mallory, bob.peerId(), true, 10_000);
    Future<PeerTlsStream> s = PeerTlsStream.handshake(pair[1], bob, alice.peerId(), false, 10_000);
    assertThatThrownBy(() -> await(s)).hasMessageContaining("peer id mismatch: expected " + alice.peerId());
    assertThatThrownBy(() -> await(c)).isInstanceOf(ExecutionException.class);
  }
}
