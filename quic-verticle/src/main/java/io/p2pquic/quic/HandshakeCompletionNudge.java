package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * Sits in front of a server QUIC codec while a handshake is in progress and makes the codec notice a
 * handshake that completed while it was sending.
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
 * <p>Each inbound datagram is replayed at most once, a replay is never stored again, and a datagram
 * that starts with an Initial packet is never replayed (it may carry the dialer's original connection
 * id and would look like a new connection).
 *
 * <p>Server codecs only. A client variant (replaying the listener's flight after each of the dialer's
 * writes, three times per datagram, to finish the dialer's connect one round trip earlier) drove quiche
 * into an endless run of ACK-only Handshake packets inside a single send call when a probe timeout
 * fired during the handshake: the event loop never returned, the connection never closed (seen in CI,
 * and in 5 of 5 runs of 400 loopback handshakes under CPU load, against none without it;
 * {@code HandshakeUnderLoadTest}). Removed once the connection is up.
 */
final class HandshakeCompletionNudge extends ChannelDuplexHandler {
  static final String NAME = "quic-handshake-nudge";

  private DatagramPacket last;
  private boolean replaying;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!replaying && msg instanceof DatagramPacket p && replayable(p.content())) {
      release();
      last = new DatagramPacket(p.content().copy(), p.recipient(), p.sender());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    DatagramPacket replay = last;
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
