package io.p2pquic.quic;

import static io.p2pquic.quic.QuicTestSupport.await;
import static io.p2pquic.quic.QuicTestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificateException.Reason;
import io.p2pquic.quic.QuicTestSupport.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two loopback UDP channels with a STUN demultiplexer in front, QUIC adopted on both. */
class QuicPeerEndpointTest {
  @RegisterExtension
  static final TestVertx VERTX = TestVertx.perClass();
  private static final Vertx vertx = VERTX.vertx();
  private final PeerIdentity alice = PeerIdentity.generate();
  private final PeerIdentity bob = PeerIdentity.generate();
  private Endpoint a;
  private Endpoint b;

  @BeforeEach
  void bind() throws Exception {
    a = QuicTestSupport.bind(vertx);
    b = QuicTestSupport.bind(vertx);
  }

  @AfterEach
  void unbind() throws Exception {
    a.channel().close().sync();
    b.channel().close().sync();
  }

  private QuicPeerServer bobServer(Predicate<PeerId> allowed, QuicOptions options,
      CompletableFuture<QuicPeerConnection> accepted) throws Exception {
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, b.channel(), bob, allowed, options)
        .connectionHandler(accepted::complete);
    await(server.start());
    return server;
  }

  /** The dialer's connect waits for the listener's accept byte: a refused dialer sees a failed connect. */
  private static QuicOptions untilAccepted() {
    return new QuicOptions().setDialerReady(QuicOptions.DIALER_READY_ACCEPTED);
  }

  private Future<QuicPeerConnection> aliceDials(PeerId expected, QuicOptions options) {
    return QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice, expected, options);
  }

  @Test
  void handshakePinsIdentitiesBothWays() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    bobServer(id -> id.equals(alice.peerId()), new QuicOptions(), accepted);
    // Until accepted: the application close checked below needs a confirmed handshake (before that a close
    // is a transport close, see QuicPeerConnection#closeChannel).
    QuicPeerConnection client = await(aliceDials(bob.peerId(), untilAccepted()));
    QuicPeerConnection server = accepted.get(5, TimeUnit.SECONDS);

    assertThat(client.remotePeerId()).isEqualTo(bob.peerId());
    assertThat(server.remotePeerId()).isEqualTo(alice.peerId());
    assertThat(client.isClient()).isTrue();
    assertThat(server.isClient()).isFalse();
    assertThat(client.applicationProtocol()).isEqualTo(QuicOptions.ALPN);
    assertThat(server.applicationProtocol()).isEqualTo(QuicOptions.ALPN);
    assertThat(client.remoteAddress()).isEqualTo(b.address());
    assertThat(server.remoteAddress().getPort()).isEqualTo(a.address().getPort());
    assertThat(client.handshakeDuration()).isLessThan(Duration.ofSeconds(5));
    System.out.printf("handshake (dial to accepted, loopback): client %d us, server %d us%n",
        client.handshakeDuration().toNanos() / 1000, server.handshakeDuration().toNanos() / 1000);

    QuicStats stats = await(client.stats());
    assertThat(stats.rtt()).isGreaterThan(Duration.ZERO).isLessThan(Duration.ofSeconds(1));
    assertThat(stats.recvBytes()).isPositive();

    CompletableFuture<QuicCloseReason> serverSaw = new CompletableFuture<>();
    server.closeHandler(serverSaw::complete);
    await(client.close(42, "bye"));
    QuicCloseReason r = serverSaw.get(5, TimeUnit.SECONDS);
    assertThat(r.kind()).isEqualTo(QuicCloseReason.Kind.PEER);
    assertThat(r.applicationClose()).isTrue();
    assertThat(r.errorCode()).isEqualTo(42);
    assertThat(r.reason()).isEqualTo("bye");
    assertThat(client.closeReason().kind()).isEqualTo(QuicCloseReason.Kind.LOCAL);
  }

  @Test
  void wrongExpectedPeerIdFailsOnTheClient() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    bobServer(id -> true, new QuicOptions(), accepted);
    PeerId someoneElse = PeerIdentity.generate().peerId();
    Throwable t = awaitFailure(aliceDials(someoneElse, new QuicOptions()));
    assertThat(t).isInstanceOf(QuicHandshakeException.class)
        .hasMessageContaining("peer id mismatch")
        .hasMessageContaining(someoneElse.value())
        .hasMessageContaining(bob.peerId().value());
    assertThat(((QuicHandshakeException) t).certificateReason()).isEqualTo(Reason.PEER_ID_MISMATCH);
    assertThat(accepted).isNotDone();
  }

  @Test
  void serverRejectsAPeerItDoesNotAllow() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    CompletableFuture<QuicRejection> rejected = new CompletableFuture<>();
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> false, new QuicOptions())
        .connectionHandler(accepted::complete)
        .rejectionHandler(rejected::complete);
    await(server.start());

    Throwable t = awaitFailure(aliceDials(bob.peerId(), untilAccepted()));
    assertThat(t).isInstanceOf(QuicHandshakeException.class).hasMessageContaining("rejected our certificate");
    QuicCloseReason r = ((QuicHandshakeException) t).closeReason();
    assertThat(r.kind()).isEqualTo(QuicCloseReason.Kind.PEER);
    assertThat(r.peerRejectedCertificate()).isTrue();

    QuicRejection rej = rejected.get(5, TimeUnit.SECONDS);
    assertThat(rej.cause().reason()).isEqualTo(Reason.PEER_NOT_ALLOWED);
    assertThat(rej.cause()).hasMessageContaining(alice.peerId().value());
    assertThat(rej.remote().getPort()).isEqualTo(a.address().getPort());
    assertThat(accepted).isNotDone();
  }

  /**
   * By default the dialer is connected with its own handshake, one round trip before the listener could say
   * whether it accepts: a refused dialer is connected to the peer it asked for and then closed with the reason.
   */
  @Test
  void aDialerRefusedAfterItsHandshakeIsClosedWithTheReason() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    CompletableFuture<QuicRejection> rejected = new CompletableFuture<>();
    await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> false, new QuicOptions())
        .connectionHandler(accepted::complete).rejectionHandler(rejected::complete).start());

    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions()));
    assertThat(client.remotePeerId()).as("the listener proved its identity").isEqualTo(bob.peerId());
    QuicCloseReason r = await(client.closeFuture());
    assertThat(r.kind()).isEqualTo(QuicCloseReason.Kind.PEER);
    assertThat(r.peerRejectedCertificate()).as(r.describe()).isTrue();
    assertThat(rejected.get(5, TimeUnit.SECONDS).cause().reason()).isEqualTo(Reason.PEER_NOT_ALLOWED);
    assertThat(accepted).isNotDone();
  }

  @Test
  void forgedCertificateIsRejectedByTheServer() throws Exception {
    // Mallory presents a certificate claiming Alice's identity key, signed by Mallory's key.
    PeerIdentity mallory = PeerIdentity.generate();
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    var tls = g.generateKeyPair();
    byte[] sig = mallory.sign(PeerCertificates.signedPayload(tls.getPublic().getEncoded()));
    byte[] ext = PeerCertificates.encodeExtension(io.p2pquic.identity.Ed25519Keys.rawPublicKey(alice.publicKey()), sig);
    var forged = new PeerCertificates.PeerCertificate(tls.getPrivate(),
        PeerCertificates.build(alice.peerId(), tls, ext, Duration.ofHours(1)), alice.peerId());

    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    CompletableFuture<QuicRejection> rejected = new CompletableFuture<>();
    await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> id.equals(alice.peerId()), new QuicOptions())
        .connectionHandler(accepted::complete).rejectionHandler(rejected::complete).start());
    Throwable t = awaitFailure(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), mallory, bob.peerId(),
        untilAccepted(), forged));
    assertThat(t).isInstanceOf(QuicHandshakeException.class);
    assertThat(rejected.get(5, TimeUnit.SECONDS).cause().reason()).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(accepted).isNotDone();
  }

  @Test
  void expiredClientCertificateIsRejectedWithCertificateExpired() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    var tls = g.generateKeyPair();
    var expired = new PeerCertificates.PeerCertificate(tls.getPrivate(), PeerCertificates.build(alice.peerId(), tls,
        PeerCertificates.extensionValue(alice, tls.getPublic()), Duration.ofMillis(-1)), alice.peerId());
    CompletableFuture<QuicRejection> rejected = new CompletableFuture<>();
    await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
        .connectionHandler(c -> {}).rejectionHandler(rejected::complete).start());
    Throwable t = awaitFailure(QuicPeerEndpoint.connect(vertx, a.channel(), b.address(), alice, bob.peerId(),
        untilAccepted(), expired));
    assertThat(((QuicHandshakeException) t).closeReason().tlsAlert()).isEqualTo(45);
    assertThat(t).hasMessageContaining("certificate_expired");
    assertThat(rejected.get(5, TimeUnit.SECONDS).cause().reason()).isEqualTo(Reason.NOT_VALID_NOW);
  }

  @Test
  void forgedServerCertificateIsRejectedByTheClient() throws Exception {
    PeerIdentity mallory = PeerIdentity.generate();
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    var tls = g.generateKeyPair();
    byte[] sig = mallory.sign(PeerCertificates.signedPayload(tls.getPublic().getEncoded()));
    byte[] ext = PeerCertificates.encodeExtension(io.p2pquic.identity.Ed25519Keys.rawPublicKey(bob.publicKey()), sig);
    var forged = new PeerCertificates.PeerCertificate(tls.getPrivate(),
        PeerCertificates.build(bob.peerId(), tls, ext, Duration.ofHours(1)), bob.peerId());
    await(QuicPeerEndpoint.server(vertx, b.channel(), mallory, id -> true, new QuicOptions())
        .certificate(forged).connectionHandler(c -> {}).start());
    Throwable t = awaitFailure(aliceDials(bob.peerId(), new QuicOptions()));
    assertThat(((QuicHandshakeException) t).certificateReason()).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(t).hasMessageContaining("does not verify");
  }

  /**
   * A FIN written after every byte before it was sent and acknowledged (a half-close after a pause, as
   * TCP clients do) must still reach the peer, in both directions of a bidirectional stream.
   */
  @Test
  void aFinWrittenAfterTheDataWasAcknowledgedStillArrives() throws Exception {
    CompletableFuture<Buffer> atServer = new CompletableFuture<>();
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
        .connectionHandler(conn -> conn.streamHandler(st -> {
          Buffer all = Buffer.buffer();
          st.handler(d -> {
            all.appendBuffer(d);
            st.write(d); // echo at once; our own FIN comes only after a pause
          });
          st.endHandler(v -> {
            atServer.complete(all);
            vertx.setTimer(500, t -> st.end()); // data long acknowledged by now
          });
        }));
    await(server.start());
    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions()));
    QuicPeerStream s = await(client.openBidiStream());
    Buffer echoed = Buffer.buffer();
    CompletableFuture<Buffer> ended = new CompletableFuture<>();
    s.handler(echoed::appendBuffer).endHandler(v -> ended.complete(echoed));
    await(s.write(Buffer.buffer("request")));
    Thread.sleep(500); // acknowledged
    s.end();
    assertThat(atServer.get(5, TimeUnit.SECONDS).toString()).isEqualTo("request");
    assertThat(ended.get(5, TimeUnit.SECONDS).toString()).isEqualTo("request");
  }

  /**
   * quiche can lose a FIN written without data (StreamFinalSizeNotice); the peer's final-size notice ends
   * the stream anyway, whether it arrives after the data, before the stream's first byte, or not at all
   * for a notice that contradicts what already arrived.
   */
  @Test
  void aStreamWhoseFinNeverCameEndsOnTheFinalSizeNotice() throws Exception {
    java.util.Map<Long, CompletableFuture<Buffer>> endedAtServer = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Map<Long, Buffer> receivedAtServer = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.List<Buffer> appDatagrams = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
        .connectionHandler(conn -> {
          conn.datagramHandler(appDatagrams::add);
          conn.streamHandler(st -> {
            Buffer all = receivedAtServer.computeIfAbsent(st.id(), id -> Buffer.buffer());
            CompletableFuture<Buffer> ended = endedAtServer.computeIfAbsent(st.id(), id -> new CompletableFuture<>());
            st.handler(all::appendBuffer);
            st.endHandler(v -> {
              if (!ended.complete(all.copy())) {
                ended.completeExceptionally(new AssertionError("end delivered twice"));
              }
            });
          });
          accepted.complete(conn);
        });
    await(server.start());
    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions()));
    QuicPeerConnection serverSide = accepted.get(5, TimeUnit.SECONDS);

    // 1. Data, no FIN, then the notice: the stream ends with exactly that data.
    QuicPeerStream first = await(client.openBidiStream());
    await(first.write(Buffer.buffer("hello")));
    await(client.sendDatagram(new StreamFinalSizeNotice(first.id(), 5).encode()));
    assertThat(endedAtServer.computeIfAbsent(first.id(), id -> new CompletableFuture<>()).get(5, TimeUnit.SECONDS)
        .toString()).isEqualTo("hello");
    assertThat(serverSide.streamsEndedByNotice()).isEqualTo(1);

    // 2. The notice overtakes the stream's first byte: the stream ends once all 10 bytes are there.
    QuicPeerStream second = await(client.openBidiStream());
    await(client.sendDatagram(new StreamFinalSizeNotice(second.id(), 10).encode()));
    Thread.sleep(200);
    await(second.write(Buffer.buffer("01234")));
    Thread.sleep(200);
    CompletableFuture<Buffer> secondEnded = endedAtServer.computeIfAbsent(second.id(), id -> new CompletableFuture<>());
    assertThat(secondEnded).isNotDone();
    await(second.write(Buffer.buffer("56789")));
    assertThat(secondEnded.get(5, TimeUnit.SECONDS).toString()).isEqualTo("0123456789");

    // 3. A notice below what already arrived is ignored; the real FIN ends the stream once.
    QuicPeerStream third = await(client.openBidiStream());
    await(third.write(Buffer.buffer("abcdef")));
    Thread.sleep(200);
    await(client.sendDatagram(new StreamFinalSizeNotice(third.id(), 3).encode()));
    Thread.sleep(200);
    CompletableFuture<Buffer> thirdEnded = endedAtServer.computeIfAbsent(third.id(), id -> new CompletableFuture<>());
    assertThat(thirdEnded).isNotDone();
    third.end(Buffer.buffer("g"));
    assertThat(thirdEnded.get(5, TimeUnit.SECONDS).toString()).isEqualTo("abcdefg");

    // 4. An ordinary bare FIN sends notices too; none of them reaches the application's datagram handler,
    // and the stream ends once.
    QuicPeerStream fourth = await(client.openBidiStream());
    await(fourth.write(Buffer.buffer("xyz")));
    await(fourth.end());
    assertThat(endedAtServer.computeIfAbsent(fourth.id(), id -> new CompletableFuture<>()).get(5, TimeUnit.SECONDS)
        .toString()).isEqualTo("xyz");
    Thread.sleep(1200); // the copies at 0, 250 and 1000 ms have arrived
    assertThat(appDatagrams).isEmpty();
    assertThat(endedAtServer.values()).allSatisfy(f -> assertThat(f).isCompleted());
  }

  @Test
  void bidiEchoUniStreamAndDatagrams() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    CompletableFuture<Buffer> uniReceived = new CompletableFuture<>();
    CompletableFuture<Buffer> datagramAtServer = new CompletableFuture<>();
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions())
        .connectionHandler(conn -> {
          conn.datagramHandler(d -> {
            datagramAtServer.complete(d);
            conn.sendDatagram(Buffer.buffer("pong:").appendBuffer(d));
          });
          conn.streamHandler(s -> {
            if (s.isBidirectional()) {
              s.handler(s::write);           // echo
              s.endHandler(v -> s.end());
            } else {
              Buffer all = Buffer.buffer();
              s.handler(all::appendBuffer);
              s.endHandler(v -> uniReceived.complete(all));
            }
          });
          accepted.complete(conn);
        });
    await(server.start());
    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions()));

    // bidi echo
    QuicPeerStream s = await(client.openBidiStream());
    assertThat(s.isBidirectional()).isTrue();
    assertThat(s.isLocalCreated()).isTrue();
    Buffer echoed = Buffer.buffer();
    CompletableFuture<Buffer> ended = new CompletableFuture<>();
    s.handler(echoed::appendBuffer).endHandler(v -> ended.complete(echoed));
    s.write(Buffer.buffer("hello "));
    s.end(Buffer.buffer("world"));
    assertThat(ended.get(5, TimeUnit.SECONDS).toString()).isEqualTo("hello world");

    // uni
    QuicPeerStream u = await(client.openUniStream());
    assertThat(u.isBidirectional()).isFalse();
    assertThat(u.isReadable()).isFalse();
    u.write(Buffer.buffer("one-way"));
    u.end();
    assertThat(uniReceived.get(5, TimeUnit.SECONDS).toString()).isEqualTo("one-way");

    // datagrams
    assertThat(client.maxDatagramLength()).isGreaterThan(1000);
    System.out.println("max datagram length: " + client.maxDatagramLength());
    CompletableFuture<Buffer> pong = new CompletableFuture<>();
    client.datagramHandler(pong::complete);
    await(client.sendDatagram(Buffer.buffer("ping")));
    assertThat(datagramAtServer.get(5, TimeUnit.SECONDS).toString()).isEqualTo("ping");
    assertThat(pong.get(5, TimeUnit.SECONDS).toString()).isEqualTo("pong:ping");
    Throwable tooBig = awaitFailure(client.sendDatagram(Buffer.buffer(new byte[client.maxDatagramLength() + 1])));
    assertThat(tooBig).hasMessageContaining("exceeds the maximum");

    // server opens a stream toward the client as well
    CompletableFuture<Buffer> atClient = new CompletableFuture<>();
    client.streamHandler(in -> {
      Buffer all = Buffer.buffer();
      in.handler(all::appendBuffer).endHandler(v -> atClient.complete(all));
    });
    QuicPeerConnection serverSide = accepted.get(5, TimeUnit.SECONDS);
    QuicPeerStream push = await(serverSide.openUniStream());
    push.end(Buffer.buffer("from bob"));
    assertThat(atClient.get(5, TimeUnit.SECONDS).toString()).isEqualTo("from bob");

    await(server.close());
    assertThat(await(client.closeFuture()).reason()).isEqualTo("server closing");
  }

  @Test
  void datagramsOffFailsClearly() throws Exception {
    await(QuicPeerEndpoint.server(vertx, b.channel(), bob, id -> true, new QuicOptions().setDatagrams(false))
        .connectionHandler(c -> {}).start());
    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions()));
    assertThat(client.maxDatagramLength()).isZero();
    assertThat(awaitFailure(client.sendDatagram(Buffer.buffer("x")))).hasMessageContaining("did not enable");
  }

  @Test
  void idleTimeoutClosesWithReason() throws Exception {
    CompletableFuture<QuicPeerConnection> accepted = new CompletableFuture<>();
    bobServer(id -> true, new QuicOptions().setIdleTimeoutMs(400), accepted);
    QuicPeerConnection client = await(aliceDials(bob.peerId(), new QuicOptions().setIdleTimeoutMs(400)));
    CompletableFuture<QuicCloseReason> clientClosed = new CompletableFuture<>();
    client.closeHandler(clientClosed::complete);
    QuicCloseReason r = clientClosed.get(5, TimeUnit.SECONDS);
    assertThat(r.kind()).isEqualTo(QuicCloseReason.Kind.IDLE_TIMEOUT);
    assertThat(r.describe()).contains("idle timeout").contains("400 ms");
    assertThat(await(accepted.get(1, TimeUnit.SECONDS).closeFuture()).kind()).isEqualTo(QuicCloseReason.Kind.IDLE_TIMEOUT);
  }

  @Test
  void handshakeTimesOutWhenNobodyAnswers() throws Exception {
    // b has no QUIC codec: its demux passes QUIC packets to the pipeline tail, which drops them.
    Throwable t = awaitFailure(aliceDials(bob.peerId(), new QuicOptions().setHandshakeTimeoutMs(500)));
    assertThat(t).isInstanceOf(QuicHandshakeException.class).hasMessageContaining("timed out after 500 ms");
  }
}
