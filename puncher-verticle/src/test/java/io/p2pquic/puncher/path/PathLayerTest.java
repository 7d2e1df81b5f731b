package io.p2pquic.puncher.path;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.p2pquic.puncher.transport.RelayInbound;
import io.p2pquic.puncher.transport.RelayTransport;
import io.p2pquic.puncher.transport.RelayedDatagramPacket;
import io.p2pquic.stun.turn.ChannelDataEncoder;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathLayerTest {
  static final InetSocketAddress ME = new InetSocketAddress("10.0.0.2", 5000);
  static final InetSocketAddress PEER_DIRECT = new InetSocketAddress("203.0.113.9", 4000);
  static final InetSocketAddress PEER_AT_RELAY = new InetSocketAddress("203.0.113.9", 4000);
  static final InetSocketAddress STRANGER = new InetSocketAddress("198.51.100.66", 1234);
  static final InetSocketAddress TURN = new InetSocketAddress("203.0.113.10", 3478);
  static final InetSocketAddress VIRTUAL = PathLayer.virtualAddress("session-1");

  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  /** A relay that wraps into channel 0x4001 (the TURN client's real wrapping is tested with coturn). */
  static final RelayTransport RELAY = new RelayTransport() {
    @Override
    public InetSocketAddress server() {
      return TURN;
    }

    @Override
    public InetSocketAddress relayedAddress() {
      return new InetSocketAddress("203.0.113.10", 50000);
    }

    @Override
    public RelayInbound unwrap(ByteBuf datagram) {
      return RelayInbound.PASS;
    }

    @Override
    public DatagramPacket wrap(ByteBuf payload, InetSocketAddress peer) {
      ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
      ChannelDataEncoder.encode(0x4001, payload, false, out);
      payload.release();
      return new DatagramPacket(out, TURN);
    }

    @Override
    public Future<Void> send(Buffer data, InetSocketAddress peer) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void virtualAddressIsStableAndNeverRoutable() {
    assertThat(PathLayer.virtualAddress("session-1")).isEqualTo(VIRTUAL);
    byte[] a = VIRTUAL.getAddress().getAddress();
    assertThat(a[0] & 0xff).isEqualTo(198);
    assertThat(a[1] & 0xff).isBetween(18, 19);
    assertThat(PathLayer.virtualAddress("session-2")).isNotEqualTo(VIRTUAL);
  }

  @Test
  void codecTalksToTheVirtualPeerWhilePacketsUseTheCurrentPath() {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    List<PathChange> changes = new ArrayList<>();
    layer.changeHandler(changes::add);
    EmbeddedChannel ch = new EmbeddedChannel(layer);

    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 1));
    assertThat((Object) ch.readOutbound()).as("no path yet: dropped").isNull();
    assertThat(metrics.counter("p2p.path.dropped", "reason", "no-path").count()).isEqualTo(1);

    layer.use(new PeerPath.Direct(PEER_DIRECT), "nominated pair");
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 2));
    DatagramPacket out = ch.readOutbound();
    assertThat(out.recipient()).isEqualTo(PEER_DIRECT);
    assertThat(hex(out.content())).isEqualTo("4102");
    out.release();

    ch.writeInbound(packet(ME, PEER_DIRECT, 0x42, 3));
    DatagramPacket in = ch.readInbound();
    assertThat(in.sender()).as("the codec sees the virtual peer").isEqualTo(VIRTUAL);
    assertThat(hex(in.content())).isEqualTo("4203");
    in.release();

    layer.use(new PeerPath.ViaRelay(PEER_AT_RELAY, RELAY), "direct path lost");
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 4));
    out = ch.readOutbound();
    assertThat(out.recipient()).isEqualTo(TURN);
    assertThat(hex(out.content())).as("ChannelData header then the QUIC bytes").isEqualTo("400100024104");
    out.release();

    assertThat(changes).extracting(c -> c.to().describe())
        .containsExactly("direct 203.0.113.9:4000", "relay 203.0.113.9:4000 via 203.0.113.10:3478");
    assertThat(changes.get(1).from()).isEqualTo(new PeerPath.Direct(PEER_DIRECT));
    ch.finishAndReleaseAll();
  }

  @Test
  void aPunchedSocketsPacketsAreFollowedAndAnswersLeaveThroughThatSocket() {
    PathLayer layer = new PathLayer(VIRTUAL, true, metrics);
    layer.allowSource(PEER_DIRECT);
    EmbeddedChannel session = new EmbeddedChannel(layer);
    EmbeddedChannel punched = new EmbeddedChannel();

    session.writeInbound(new io.p2pquic.puncher.transport.PunchedDatagramPacket(
        Unpooled.wrappedBuffer(new byte[] {0x42, 7}), ME, PEER_DIRECT, punched));
    DatagramPacket in = session.readInbound();
    assertThat(in.sender()).isEqualTo(VIRTUAL);
    in.release();
    assertThat(layer.path()).as("the follower answers the way the packet came")
        .isEqualTo(new PeerPath.ViaSocket(PEER_DIRECT, punched));

    session.writeOutbound(packet(VIRTUAL, null, 0x41, 8));
    assertThat((Object) session.readOutbound()).as("nothing leaves the session socket").isNull();
    punched.runPendingTasks();
    DatagramPacket out = punched.readOutbound();
    assertThat(out).as("written and flushed on the punched socket").isNotNull();
    assertThat(out.recipient()).isEqualTo(PEER_DIRECT);
    assertThat(hex(out.content())).isEqualTo("4108");
    out.release();
    assertThat(metrics.counter("p2p.path.outbound", "path", "direct").count()).isEqualTo(1);
    session.finishAndReleaseAll();
    punched.finishAndReleaseAll();
  }

  @Test
  void aMoveSaysHowLongTheOldPathHadBeenQuiet() throws Exception {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    List<PathChange> changes = new ArrayList<>();
    layer.changeHandler(changes::add);
    EmbeddedChannel ch = new EmbeddedChannel(layer);
    layer.use(new PeerPath.ViaRelay(PEER_AT_RELAY, RELAY), "first valid pair");
    Thread.sleep(150);
    layer.use(new PeerPath.Direct(PEER_DIRECT), "the relay went silent");
    ch.writeInbound(packet(ME, PEER_DIRECT, 0x42, 1));
    ((DatagramPacket) ch.readInbound()).release();
    layer.use(new PeerPath.ViaRelay(PEER_AT_RELAY, RELAY), "upgrade");

    assertThat(changes.get(0).quietMillis()).as("the first path has no predecessor").isZero();
    assertThat(changes.get(1).quietMillis()).as("nothing arrived on the relay for 150 ms").isBetween(150L, 5_000L);
    assertThat(changes.get(2).quietMillis()).as("a packet had just arrived on the direct path").isLessThan(100L);
    ch.finishAndReleaseAll();
  }

  @Test
  void strangersAreDroppedAndOtherTrafficPassesUntouched() {
    PathLayer layer = new PathLayer(VIRTUAL, true, metrics);
    EmbeddedChannel ch = new EmbeddedChannel(layer);
    ch.writeInbound(packet(ME, STRANGER, 0x41, 1));
    assertThat((Object) ch.readInbound()).isNull();
    assertThat(layer.path()).as("a stranger cannot steer a follower").isNull();
    assertThat(metrics.counter("p2p.path.dropped", "reason", "unknown-source").count()).isEqualTo(1);

    ch.writeOutbound(packet(STRANGER, null, 0x00, 1)); // not for the virtual peer: e.g. a STUN request
    DatagramPacket out = ch.readOutbound();
    assertThat(out.recipient()).isEqualTo(STRANGER);
    out.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void followerAnswersOnThePathThePeerChose() {
    PathLayer layer = new PathLayer(VIRTUAL, true, metrics);
    layer.allowSource(PEER_DIRECT);
    List<PathChange> changes = new ArrayList<>();
    layer.changeHandler(changes::add);
    EmbeddedChannel ch = new EmbeddedChannel(layer);

    ch.writeInbound(new RelayedDatagramPacket(buf(0xc0, 1), ME, PEER_AT_RELAY, RELAY));
    ((DatagramPacket) ch.readInbound()).release();
    assertThat(layer.path()).isEqualTo(new PeerPath.ViaRelay(PEER_AT_RELAY, RELAY));
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 2));
    DatagramPacket out = ch.readOutbound();
    assertThat(out.recipient()).isEqualTo(TURN);
    out.release();

    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 3));
    ((DatagramPacket) ch.readInbound()).release();
    assertThat(layer.path()).isEqualTo(new PeerPath.Direct(PEER_DIRECT));
    assertThat(changes).extracting(PathChange::reason)
        .containsExactly("the peer's first packet arrived on it", "the peer's packets now arrive on it");
    ch.finishAndReleaseAll();
  }

  /**
   * After an idle spell the first packet sent (QUIC's keepalive PING) gets a whole silence period to be
   * answered: a check between the PING and its ACK is no silence. (It was counted from the last packet
   * received, so on an idle session one check in three landed there and moved or restarted a live path.)
   */
  @Test
  void aKeepaliveAfterIdlingIsNotSilence() throws Exception {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    List<PeerPath> silences = new ArrayList<>();
    layer.silenceHandler(silences::add, 60);
    EmbeddedChannel ch = new EmbeddedChannel(layer);
    layer.use(new PeerPath.Direct(PEER_DIRECT), "test");
    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 1));
    ((DatagramPacket) ch.readInbound()).release();
    Thread.sleep(150); // idle: longer than the silence period, nothing sent
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 2)); // the keepalive
    ((DatagramPacket) ch.readOutbound()).release();
    layer.checkSilence(); // the periodic check, before the answer
    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 3)); // the ACK
    ((DatagramPacket) ch.readInbound()).release();
    assertThat(silences).isEmpty();
    ch.finishAndReleaseAll();
  }

  /**
   * The idle session's last packet was ours (the ACK of the peer's last one: nothing answers an ACK). The
   * keepalive after the idle spell opens a fresh window; silence counted from that ACK called the path dead
   * at the first check after the keepalive (NatRebindingLabTest, one CI run in a few).
   */
  @Test
  void anAckBeforeIdlingIsNotWhereSilenceStarts() throws Exception {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    List<PeerPath> silences = new ArrayList<>();
    layer.silenceHandler(silences::add, 60);
    EmbeddedChannel ch = new EmbeddedChannel(layer);
    layer.use(new PeerPath.Direct(PEER_DIRECT), "test");
    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 1)); // the peer's last packet
    ((DatagramPacket) ch.readInbound()).release();
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 2)); // our ACK of it
    ((DatagramPacket) ch.readOutbound()).release();
    Thread.sleep(150); // idle: longer than the silence period
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 3)); // the keepalive
    ((DatagramPacket) ch.readOutbound()).release();
    layer.checkSilence(); // the periodic check, before the answer
    assertThat(silences).isEmpty();
    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 4)); // the answer
    ((DatagramPacket) ch.readInbound()).release();

    // And a path that stops answering is still reported: keep sending, nothing back.
    long end = System.nanoTime() + 2_000_000_000L;
    for (int i = 0; silences.isEmpty() && System.nanoTime() < end; i++) {
      ch.writeOutbound(packet(VIRTUAL, null, 0x41, i & 0x7f));
      ((DatagramPacket) ch.readOutbound()).release();
      Thread.sleep(20);
      layer.checkSilence();
    }
    assertThat(silences).hasSize(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void reportsAPathThatSwallowsWhatWeSendOncePerSilence() throws Exception {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    List<PeerPath> silences = new ArrayList<>();
    layer.silenceHandler(silences::add, 60);
    EmbeddedChannel ch = new EmbeddedChannel(layer);
    layer.use(new PeerPath.Direct(PEER_DIRECT), "test");

    Thread.sleep(100);
    ch.runScheduledPendingTasks();
    assertThat(silences).as("nothing sent: an idle path is not a dead one").isEmpty();

    // Keep sending every 20 ms with nothing back; the periodic check reports the silence once it has
    // lasted 60 ms (polled up to 2 s: on a loaded machine a sleep can outlast the whole silence).
    long end = System.nanoTime() + 2_000_000_000L;
    for (int i = 0; silences.isEmpty() && System.nanoTime() < end; i++) {
      ch.writeOutbound(packet(VIRTUAL, null, 0x41, i & 0x7f));
      ((DatagramPacket) ch.readOutbound()).release();
      Thread.sleep(20);
      ch.runScheduledPendingTasks();
    }
    for (int i = 0; i < 3; i++) {
      ch.writeOutbound(packet(VIRTUAL, null, 0x41, 9));
      ((DatagramPacket) ch.readOutbound()).release();
      Thread.sleep(25);
      ch.runScheduledPendingTasks();
    }
    assertThat(silences).as("sending for longer than the silence with nothing back").containsExactly(new PeerPath.Direct(PEER_DIRECT));
    assertThat(metrics.counter("p2p.path.silent").count()).isEqualTo(1);

    ch.writeInbound(packet(ME, PEER_DIRECT, 0x41, 1)); // the peer answers again
    ((DatagramPacket) ch.readInbound()).release();
    ch.writeOutbound(packet(VIRTUAL, null, 0x41, 10));
    ((DatagramPacket) ch.readOutbound()).release();
    ch.runScheduledPendingTasks();
    assertThat(silences).as("an answer ends the silence").hasSize(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void aSegmentationBatchStaysOneSendDirectAndIsSplitPacketByPacketForTheRelay() {
    PathLayer layer = new PathLayer(VIRTUAL, false, metrics);
    EmbeddedChannel ch = new EmbeddedChannel(layer);

    layer.use(new PeerPath.Direct(PEER_DIRECT), "nominated pair");
    ch.writeOutbound(new SegmentedDatagramPacket(buf(0x41, 1, 0x41, 2, 0x41), 2, VIRTUAL));
    DatagramPacket out = ch.readOutbound();
    assertThat(out).isInstanceOf(SegmentedDatagramPacket.class);
    assertThat(((SegmentedDatagramPacket) out).segmentSize()).isEqualTo(2);
    assertThat(out.recipient()).isEqualTo(PEER_DIRECT);
    assertThat(hex(out.content())).isEqualTo("4101410241");
    assertThat((Object) ch.readOutbound()).isNull();
    out.release();
    assertThat(metrics.counter("p2p.path.outbound", "path", "direct").count())
        .as("counted as the three packets the kernel sends").isEqualTo(3);

    layer.use(new PeerPath.ViaRelay(PEER_AT_RELAY, RELAY), "direct path lost");
    ByteBuf batch = buf(0x41, 1, 0x41, 2, 0x41);
    ch.writeOutbound(new SegmentedDatagramPacket(batch, 2, VIRTUAL));
    List<String> relayed = new ArrayList<>();
    for (DatagramPacket p; (p = ch.readOutbound()) != null; ) {
      assertThat(p).isNotInstanceOf(SegmentedDatagramPacket.class);
      assertThat(p.recipient()).isEqualTo(TURN);
      relayed.add(hex(p.content()));
      p.release();
    }
    assertThat(relayed).as("one ChannelData message per QUIC packet, the short last one too")
        .containsExactly("400100024101", "400100024102", "4001000141");
    assertThat(batch.refCnt()).as("the batch is released once split").isZero();
    ch.finishAndReleaseAll();
  }

  private static DatagramPacket packet(InetSocketAddress recipient, InetSocketAddress sender, int... bytes) {
    return new DatagramPacket(buf(bytes), recipient, sender);
  }

  private static ByteBuf buf(int... bytes) {
    ByteBuf b = Unpooled.buffer();
    for (int x : bytes) {
      b.writeByte(x);
    }
    return b;
  }

  private static String hex(ByteBuf b) {
    byte[] x = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), x);
    return HexFormat.of().formatHex(x);
  }
}
