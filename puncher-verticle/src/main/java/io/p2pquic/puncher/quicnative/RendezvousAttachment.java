package io.p2pquic.puncher.quicnative;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.signalling.frame.ClientFrame;
import io.p2pquic.api.signalling.frame.PingRequest;
import io.p2pquic.api.signalling.frame.RelayRequest;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.frame.AckReply;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.PongReply;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.api.signalling.frame.ServerFrame;
import io.p2pquic.api.signalling.frame.ServerFrameDecoder;
import io.p2pquic.api.signalling.frame.SignallingFrameException;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.signalling.RegistrationHandshake;
import io.p2pquic.puncher.signalling.SignallingRequests;
import io.p2pquic.quic.SignallingQuicTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A per-session QUIC connection to the rendezvous, made FROM the session socket (method quic-native):
 * the peer proves its key ({@code register} with {@code "attach": true}, which leaves its main
 * WebSocket registration in place), learns the address the rendezvous sees (its server-reflexive
 * candidate on this very socket) and sends its offer or answer over it. Replies from the remote peer
 * still come through the main registration.
 *
 * <p>The client codec sits right after the demultiplexer while the attachment lives and is removed by
 * {@link #close()}, before the session installs its path layer and the peer's QUIC codec: one QUIC role
 * on the socket at a time (the signalling is complete by then: no trickle).
 */
final class RendezvousAttachment {
  static final String CODEC_NAME = "rendezvous-quic";
  private static final String HELLO_ID = "hello";
  private static final String ATTACH_ID = "attach";

  private final ContextInternal context;
  private final DatagramChannel channel;
  private final Promise<InetSocketAddress> attached;
  private final ServerFrameDecoder decoder = new ServerFrameDecoder();
  private final RegistrationHandshake handshake;
  private final SignallingRequests requests;
  private final long timeoutMs;
  private QuicChannel connection;
  private QuicStreamChannel stream;

  private RendezvousAttachment(ContextInternal context, DatagramChannel channel, PeerIdentity me, long timeoutMs) {
    this.context = context;
    this.channel = channel;
    this.attached = context.promise();
    this.handshake = new RegistrationHandshake(me, ATTACH_ID, true, null);
    this.requests = new SignallingRequests(context.owner(), "m");
    this.timeoutMs = timeoutMs;
  }

  /**
   * Connects from {@code channel} to the rendezvous at {@code rendezvous} (whose certificate must prove
   * {@code rendezvousId}, unless null) and attaches as {@code me}; completes with the observed address.
   */
  static Future<RendezvousAttachment> open(Vertx vertx, DatagramChannel channel, InetSocketAddress rendezvous,
      PeerId rendezvousId, PeerIdentity me, long timeoutMs) {
    return open(vertx, channel, rendezvous, rendezvousId, me, timeoutMs, Math.max(timeoutMs, 5_000));
  }

  /** As above; the QUIC connection closes after {@code idleTimeoutMs} without traffic (a pooled one lives longer). */
  static Future<RendezvousAttachment> open(Vertx vertx, DatagramChannel channel, InetSocketAddress rendezvous,
      PeerId rendezvousId, PeerIdentity me, long timeoutMs, long idleTimeoutMs) {
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    RendezvousAttachment a = new RendezvousAttachment(context, channel, me, timeoutMs);
    long timer = vertx.setTimer(timeoutMs, t -> a.attached.tryFail("no attachment to the rendezvous's QUIC signalling at "
        + SocketAddresses.format(rendezvous) + " within " + timeoutMs + " ms (is signalling.quicPort open on UDP?)"));
    channel.eventLoop().execute(() -> a.connect(rendezvous, rendezvousId, idleTimeoutMs));
    return a.attached.future().onComplete(x -> vertx.cancelTimer(timer)).map(x -> a)
        .onFailure(err -> a.close());
  }

  private void connect(InetSocketAddress rendezvous, PeerId rendezvousId, long idleTimeoutMs) {
    try {
      channel.pipeline().addAfter("demux", CODEC_NAME, new QuicClientCodecBuilder()
          .sslContext(SignallingQuicTls.client(rendezvousId))
          .maxIdleTimeout(idleTimeoutMs, TimeUnit.MILLISECONDS)
          .initialMaxData(1 << 20)
          .initialMaxStreamDataBidirectionalLocal(1 << 18)
          .initialMaxStreamDataBidirectionalRemote(1 << 18)
          .initialMaxStreamsBidirectional(1)
          .build());
    } catch (RuntimeException e) {
      attached.tryFail(e);
      return;
    }
    QuicChannel.newBootstrap(channel)
        .handler(new ChannelInboundHandlerAdapter())
        // Netty's connect-timeout task stays scheduled after a successful connect and holds the channel:
        // as long as the attach timeout, not Netty's 30 s default.
        .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMs))
        .remoteAddress(rendezvous)
        .connect().addListener(f -> {
          if (!f.isSuccess()) {
            attached.tryFail("QUIC to the rendezvous failed: " + f.cause());
            return;
          }
          connection = (QuicChannel) f.getNow();
          connection.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
              ch.pipeline()
                  .addLast(new LengthFieldBasedFrameDecoder(1 << 16, 0, 4, 0, 4))
                  .addLast(new LengthFieldPrepender(4))
                  .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      ByteBuf frame = (ByteBuf) msg;
                      String text = frame.toString(StandardCharsets.UTF_8);
                      frame.release();
                      context.execute(() -> onMessage(text));
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                      context.execute(() -> {
                        attached.tryFail("the rendezvous closed the QUIC signalling stream");
                        requests.failAll("the rendezvous closed the QUIC signalling stream");
                      });
                    }
                  });
            }
          }).addListener(s -> {
            if (!s.isSuccess()) {
              attached.tryFail("no stream to the rendezvous: " + s.cause());
              return;
            }
            stream = (QuicStreamChannel) s.getNow();
            // The server learns of the stream from its first bytes: say hello so it sends its challenge.
            write(new PingRequest(HELLO_ID));
          });
        });
  }

  private void onMessage(String text) {
    ServerFrame frame;
    try {
      frame = decoder.decode(text);
    } catch (SignallingFrameException refused) {
      if (refused.code() == ErrorCode.UNKNOWN_TYPE) {
        return; // a type this version does not know: a newer rendezvous may send more
      }
      if (refused.requestId() != null) {
        requests.fail(refused.requestId().toString(), ErrorCode.MALFORMED, "the rendezvous sent a malformed reply: "
            + refused.getMessage());
      }
      attached.tryFail("the rendezvous sent a malformed frame: " + refused.getMessage());
      return;
    }
    if (frame instanceof Challenge challenge) {
      write(handshake.answer(challenge));
    } else if (frame instanceof RegisteredReply registered) {
      try {
        attached.tryComplete(handshake.accept(registered));
      } catch (SignallingException e) {
        attached.tryFail(e.getMessage());
      }
    } else if (frame instanceof ErrorReply error) {
      if (!requests.fail(error) && handshake.refusedBy(error)) {
        attached.tryFail("attachment refused: " + error.code() + ": " + error.message());
      }
    } else if (frame instanceof AckReply ack) {
      requests.complete(ack);
    } else if (frame instanceof PongReply pong) {
      requests.complete(pong); // a keepalive's (the hello's pong has no request waiting)
    }
  }

  /** Attached and still connected: a session can send its offer or answer over it now. */
  boolean isOpen() {
    return attached.future().succeeded() && connection != null && connection.isActive() && stream != null && stream.isActive();
  }

  /** The address the rendezvous saw this session socket at: its server-reflexive candidate. */
  InetSocketAddress observed() {
    return attached.future().result();
  }

  /**
   * Sends a session message to {@code to} through the rendezvous; completes on its ack, fails with the
   * rendezvous's error, {@code timeout} or {@code closed}.
   */
  Future<Void> send(PeerId to, SessionSignal signal) {
    SignallingRequests.Request r = requests.issue(new RelayRequest(signal.type(), to, null, signal.toJson()), timeoutMs);
    write(r.frame());
    return r.reply().mapEmpty();
  }

  /**
   * A ping over the attachment, answered by the rendezvous: keeps the QUIC connection (the rendezvous
   * closes idle ones after 30 s) and the NAT mapping of the socket alive at the cost of one small packet
   * each way; fails when no pong comes within the timeout.
   */
  Future<Void> keepAlive() {
    if (!isOpen()) {
      return Future.failedFuture("attachment not open");
    }
    SignallingRequests.Request r = requests.issue(new PingRequest(null), timeoutMs);
    write(r.frame());
    return r.reply().mapEmpty();
  }

  private void write(ClientFrame frame) {
    write(frame.toJson());
  }

  private void write(JsonObject frame) {
    stream.writeAndFlush(ByteBufUtil.writeUtf8(stream.alloc(), frame.encode()));
  }

  /** Closes the connection to the rendezvous and takes the codec off the session socket. */
  Future<Void> close() {
    requests.failAll("attachment closed");
    Promise<Void> done = context.promise();
    channel.eventLoop().execute(() -> {
      Runnable remove = () -> {
        if (channel.pipeline().get(CODEC_NAME) != null) {
          channel.pipeline().remove(CODEC_NAME);
        }
        done.tryComplete();
      };
      if (connection != null && connection.isActive()) {
        // close() writes CONNECTION_CLOSE at once, but its future waits out the draining period
        // (3 PTO, hundreds of ms) during which the peer's QUIC could not reach its codec: take the
        // codec off on the next turn of the loop instead, once the close packet has left.
        // A transport close (NO_ERROR), safe even before the handshake is confirmed: an application close
        // then can send quiche into an endless ACK-only send (QuicPeerConnection#closeChannel).
        connection.close(false, 0, channel.alloc().buffer(0));
        channel.eventLoop().execute(remove);
      } else {
        remove.run();
      }
    });
    return done.future();
  }
}
