package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The replay rules: at most once per inbound datagram, only after the codec wrote, never an Initial. */
class HandshakeCompletionNudgeTest {
  static final InetSocketAddress PEER = new InetSocketAddress("203.0.113.7", 4000);
  static final InetSocketAddress ME = new InetSocketAddress("10.0.0.2", 5000);

  @Test
  void classifiesByFirstByte() {
    assertThat(HandshakeCompletionNudge.replayable(buf(0xc3))).as("Initial").isFalse();
    assertThat(HandshakeCompletionNudge.replayable(buf(0xe1))).as("Handshake").isTrue();
    assertThat(HandshakeCompletionNudge.replayable(buf(0x41))).as("short header").isTrue();
    assertThat(HandshakeCompletionNudge.replayable(Unpooled.EMPTY_BUFFER)).isFalse();
  }

  @Test
  void replaysTheLastHandshakeDatagramOnceAfterAWrite() {
    EmbeddedChannel ch = new EmbeddedChannel(new HandshakeCompletionNudge());
    ch.writeInbound(new DatagramPacket(buf(0xe1, 1, 2), ME, PEER));
    assertThat(((DatagramPacket) ch.readInbound()).content().getByte(1)).isEqualTo((byte) 1);

    ch.writeOutbound(new DatagramPacket(buf(0x41), PEER, ME));
    ch.runPendingTasks();
    DatagramPacket replay = ch.readInbound();
    assertThat(replay).as("replayed after the codec wrote").isNotNull();
    assertThat(replay.sender()).isEqualTo(PEER);
    assertThat(replay.content().getByte(2)).isEqualTo((byte) 2);
    replay.release();

    ch.writeOutbound(new DatagramPacket(buf(0x41), PEER, ME));
    ch.runPendingTasks();
    assertThat((Object) ch.readInbound()).as("only once").isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void neverReplaysAnInitial() {
    EmbeddedChannel ch = new EmbeddedChannel(new HandshakeCompletionNudge());
    ch.writeInbound(new DatagramPacket(buf(0xc3, 9), ME, PEER));
    ((DatagramPacket) ch.readInbound()).release();
    ch.writeOutbound(new DatagramPacket(buf(0x41), PEER, ME));
    ch.runPendingTasks();
    assertThat((Object) ch.readInbound()).isNull();
    ch.finishAndReleaseAll();
  }

  /**
   * A client is nudged with a Version Negotiation packet to its own connection id that lists v1 (which
   * quiche discards untouched), never with a copy of the listener's packets, a few times at most.
   */
  @Test
  void aClientIsNudgedWithVersionNegotiationForItsConnectionIdOnly() {
    EmbeddedChannel ch = new EmbeddedChannel(new HandshakeCompletionNudge(true));
    ch.writeOutbound(new DatagramPacket(buf(0xc3), PEER, ME));
    ch.runPendingTasks();
    assertThat((Object) ch.readInbound()).as("no ids known before the listener answers").isNull();
    // The listener's Initial: long header v1, DCID = ours (2 bytes 0xAA 0xBB), SCID = its own (1 byte 0x77).
    ch.writeInbound(new DatagramPacket(buf(0xc3, 0, 0, 0, 1, 2, 0xaa, 0xbb, 1, 0x77, 9, 9), ME, PEER));
    ((DatagramPacket) ch.readInbound()).release();
    for (int i = 0; i < HandshakeCompletionNudge.CLIENT_NUDGES; i++) {
      ch.writeOutbound(new DatagramPacket(buf(0xe1), PEER, ME));
      ch.runPendingTasks();
      DatagramPacket nudge = ch.readInbound();
      assertThat(nudge).as("nudge %d", i + 1).isNotNull();
      assertThat(nudge.sender()).isEqualTo(PEER);
      assertThat(nudge.recipient()).isEqualTo(ME);
      assertThat(io.netty.buffer.ByteBufUtil.getBytes(nudge.content())).containsExactly(
          0x80, 0, 0, 0, 0, 2, 0xaa, 0xbb, 1, 0x77, 0, 0, 0, 1);
      nudge.release();
    }
    ch.writeOutbound(new DatagramPacket(buf(0xe1), PEER, ME));
    ch.runPendingTasks();
    assertThat((Object) ch.readInbound()).as("no more than " + HandshakeCompletionNudge.CLIENT_NUDGES).isNull();
    ch.finishAndReleaseAll();
  }

  private static ByteBuf buf(int... bytes) {
    ByteBuf b = Unpooled.buffer(bytes.length);
    for (int x : bytes) {
      b.writeByte(x);
    }
    return b;
  }
}
