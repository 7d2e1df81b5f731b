package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * Sits in front of a QUIC codec while a handshake is in progress and makes the codec notice a handshake
 * that completed while it was sending.
 *
 * <p>Why: BoringSSL's certificate callbacks (our identity check of the dialer) run as SSL tasks, so the
 * listener's handshake completes only after the packet carrying the dialer's Finished was processed,
 * and Netty checks for an established connection on receive only. The listener's channelActive, and
 * with it the control byte the dialer waits for (see {@link QuicPeerConnection}), then waited for the
 * dialer's next packet: one extra round trip, seen in the NAT lab captures (connect to first echoed
 * byte 735 ms before, 600 ms after, at 80 ms RTT). After the codec writes, this handler replays a copy
 * of the last inbound datagram; quiche drops it as a duplicate and Netty's receive path then sees the
 * established connection.
 *
 * <p>Server: each inbound datagram is replayed at most once, a replay is never stored again, and a
 * datagram that starts with an Initial packet is never replayed (it may carry the dialer's original
 * connection id and would look like a new connection).
 *
 * <p>Client (the dialer): the same gap kept its connect waiting for the listener's HANDSHAKE_DONE flight,
 * two round trips, although quiche completes the handshake in the send that carries the client's Finished
 * (one round trip). The client's handshake takes two tasks (verifying the listener's certificate, then
 * choosing our own for the listener's CertificateRequest), each resumed in a later send, so a single
 * replay came too early: a client replays a copy of the last inbound datagram after every write while
 * the handshake lasts (quiche decrypts in place, hence copies). The listener's first flight starts with
 * an Initial packet; on a client that is harmless (its connection ids are its own), only version
 * negotiation packets are never replayed. Removed once the connection is up.
 */
final class HandshakeCompletionNudge extends ChannelDuplexHandler {
  static final String NAME = "quic-handshake-nudge";

  /** Replays of one stored datagram a client makes at most: its handshake resumes twice; a replay may itself cause a write. */
  static final int CLIENT_REPLAYS = 3;

  private final boolean client;
  private DatagramPacket last;
  private int replays;
  private boolean replaying;

  /** In front of a server codec. */
  HandshakeCompletionNudge() {
    this(false);
  }

  HandshakeCompletionNudge(boolean client) {
    this.client = client;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!replaying && msg instanceof DatagramPacket p && (client ? !versionNegotiation(p.content()) : replayable(p.content()))) {
      release();
      last = new DatagramPacket(p.content().copy(), p.recipient(), p.sender());
      replays = 0;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    DatagramPacket stored = last;
    if (stored != null) {
      DatagramPacket replay = client ? new DatagramPacket(stored.content().copy(), stored.recipient(), stored.sender()) : stored;
      if (!client || ++replays >= CLIENT_REPLAYS) {
        last = null;
        if (client) {
          stored.release();
        }
      }
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

  /** A long header with version 0 (RFC 9000 section 17.2.1). */
  static boolean versionNegotiation(ByteBuf b) {
    return b.readableBytes() >= 5 && (b.getUnsignedByte(b.readerIndex()) & 0x80) != 0 && b.getInt(b.readerIndex() + 1) == 0;
  }

  private void release() {
    if (last != null) {
      last.release();
      last = null;
    }
  }
}
