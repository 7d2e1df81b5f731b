package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * Sits in front of a QUIC codec while a handshake is in progress and makes the codec notice a
 * handshake that completed while it was sending.
 *
 * <p>Why: BoringSSL's certificate callbacks (our identity checks) run as SSL tasks, so a handshake
 * completes inside the codec's send, and Netty checks for an established connection on receive only.
 *
 * <p>Server (the listener): its channelActive, and with it the control byte the dialer waits for (see
 * {@link QuicPeerConnection}), waited for the dialer's next packet: one extra round trip, seen in the NAT
 * lab captures (connect to first echoed byte 735 ms before, 600 ms after, at 80 ms RTT). After the codec
 * writes, this handler replays a copy of the last inbound datagram once; quiche drops it as a duplicate
 * and Netty's receive path then sees the established connection. A replay is never stored again, and a
 * datagram that starts with an Initial packet is never replayed (it may carry the dialer's original
 * connection id and would look like a new connection).
 *
 * <p>Client (the dialer): quiche completes its handshake in the send that carries its Finished, one
 * round trip after its Initial, but Netty completed the connect only when the listener's HANDSHAKE_DONE
 * flight arrived, a round trip later. Replaying the listener's real packets here, as the server side
 * does, drove quiche into an endless run of ACK-only Handshake packets inside one send call when a probe
 * timeout fired during the handshake (the event loop never returned; {@code HandshakeUnderLoadTest}).
 * So a client is nudged with a packet quiche never acts on: after each codec write, a Version
 * Negotiation packet addressed to our connection id that lists QUIC v1, the version in use (RFC 9000
 * section 6.2: a client discards such a packet, and quiche does before touching any state). Netty's
 * receive path runs all the same and completes the connect. At most {@link #CLIENT_NUDGES} per
 * connection. Removed once the connection is up.
 */
final class HandshakeCompletionNudge extends ChannelDuplexHandler {
  static final String NAME = "quic-handshake-nudge";

  /** Client nudges per connection at most: its handshake resumes twice (two certificate tasks), plus slack. */
  static final int CLIENT_NUDGES = 8;

  private final boolean client;
  /** Server: the datagram to replay after the next write. */
  private DatagramPacket last;
  private boolean replaying;
  /** Client: our connection id and the listener's, from the listener's long-header packets; where from. */
  private byte[] localCid;
  private byte[] remoteCid;
  private java.net.InetSocketAddress listener;
  private java.net.InetSocketAddress self;
  private int nudges;

  /** In front of a server codec. */
  HandshakeCompletionNudge() {
    this(false);
  }

  HandshakeCompletionNudge(boolean client) {
    this.client = client;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!replaying && msg instanceof DatagramPacket p) {
      if (client) {
        learnConnectionIds(p);
      } else if (replayable(p.content())) {
        release();
        last = new DatagramPacket(p.content().copy(), p.recipient(), p.sender());
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    DatagramPacket replay = client ? clientNudge(ctx) : last;
    if (replay != null) {
      last = null;
      ctx.channel().eventLoop().execute(() -> {
        if (ctx.isRemoved()) {
          replay.release();
          return;
        }
        replaying = true;
        try {
          ctx.fireChannelRead(replay);
          ctx.fireChannelReadComplete();
        } finally {
          replaying = false;
        }
      });
    }
    ctx.write(msg, promise);
  }

  /**
   * The connection ids of the first long-header packet that arrives (RFC 9000 section 17.2), and its
   * addresses, learned together and once: a forged first packet yields ids Netty routes to no connection,
   * so its nudges are dropped and cannot point the connection at the forger's address. Reads 7 + 40 bytes
   * at most.
   */
  private void learnConnectionIds(DatagramPacket p) {
    if (localCid != null) {
      return;
    }
    ByteBuf b = p.content();
    int at = b.readerIndex();
    if (b.readableBytes() < 7 || (b.getUnsignedByte(at) & 0x80) == 0 || b.getInt(at + 1) == 0) {
      return; // short header or version negotiation: not what we learn from
    }
    int dcidLen = b.getUnsignedByte(at + 5);
    if (dcidLen > 20 || b.readableBytes() < 7 + dcidLen) {
      return;
    }
    int scidLen = b.getUnsignedByte(at + 6 + dcidLen);
    if (scidLen > 20 || b.readableBytes() < 7 + dcidLen + scidLen) {
      return;
    }
    localCid = new byte[dcidLen];
    b.getBytes(at + 6, localCid);
    remoteCid = new byte[scidLen];
    b.getBytes(at + 7 + dcidLen, remoteCid);
    listener = p.sender();
    self = p.recipient();
  }

  /** A Version Negotiation packet to our connection id listing v1, or null (ids unknown, or nudged enough). */
  private DatagramPacket clientNudge(ChannelHandlerContext ctx) {
    if (localCid == null || nudges >= CLIENT_NUDGES) {
      return null;
    }
    nudges++;
    ByteBuf vn = ctx.alloc().directBuffer(1 + 4 + 1 + localCid.length + 1 + remoteCid.length + 4);
    vn.writeByte(0x80).writeInt(0)
        .writeByte(localCid.length).writeBytes(localCid)
        .writeByte(remoteCid.length).writeBytes(remoteCid)
        .writeInt(1); // QUIC v1: the version in use, so the packet asks for no change (RFC 9000 section 6.2)
    return new DatagramPacket(vn, self, listener);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  /** Short headers and non-Initial long headers (RFC 9000 section 17.2: type bits 0b00 are Initial). */
  static boolean replayable(ByteBuf b) {
    if (!b.isReadable()) {
      return false;
    }
    int first = b.getUnsignedByte(b.readerIndex());
    boolean initial = (first & 0x80) != 0 && (first & 0x30) == 0x00;
    return !initial;
  }

  private void release() {
    if (last != null) {
      last.release();
      last = null;
    }
  }
}
