package io.p2pquic.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.turn.ChannelDataDecoder;
import io.p2pquic.stun.turn.DataIndicationEncoder;
import io.p2pquic.stun.turn.SendIndicationDecoder;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The TURN relay's codec work per relayed packet, the way {@code TurnServer} does it now (in place:
 * {@link SendIndicationDecoder}, {@link ChannelDataDecoder#payloadLength}, {@link DataIndicationEncoder}
 * into a pooled buffer) next to the general path it replaced (copy the datagram, decode a whole
 * {@link StunMessage}, build and encode one for the Data indication). Payload sizes as in
 * run-turn-bench.sh.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RelayPathBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RelayPathBenchmark {
  private static final StunMessageType SEND = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION);
  private static final StunMessageType DATA = StunMessageType.of(StunMethod.DATA, StunClass.INDICATION);

  @Param({"100", "1000"})
  public int size;

  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final SendIndicationDecoder sendIndications = new SendIndicationDecoder();
  private final InetSocketAddress peer = new InetSocketAddress("198.51.100.7", 40000);
  private ByteBuf sendIndication;
  private ByteBuf channelData;
  private ByteBuf payload;

  @Setup
  public void setUp() throws StunDecodeException {
    byte[] data = new byte[size];
    ThreadLocalRandom.current().nextBytes(data);
    payload = Unpooled.directBuffer(size).writeBytes(data);
    byte[] wire = encoder.encodeToBytes(StunMessage.builder(SEND)
        .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer))
        .add(new RawAttribute(StunAttributeType.DATA, data)).build());
    // Direct, as the epoll transport delivers datagrams.
    sendIndication = Unpooled.directBuffer(wire.length).writeBytes(wire);
    channelData = Unpooled.directBuffer(4 + size).writeShort(0x4001).writeShort(size).writeBytes(data);
    if (!sendIndications.decode(sendIndication) || !sendIndications.peer().equals(peer)) {
      throw new IllegalStateException("the Send indication does not decode; the benchmark would measure a failure");
    }
  }

  /** Client to peer, now: the Send indication read in place; the data a retained slice. */
  @Benchmark
  public int sendIndicationInPlace() throws StunDecodeException {
    sendIndications.decode(sendIndication);
    ByteBuf slice = sendIndications.data(sendIndication).retainedSlice();
    int n = slice.readableBytes() + sendIndications.peer().getPort();
    slice.release();
    return n;
  }

  /** Client to peer, before: the datagram copied and decoded into a message; the data copied out. */
  @Benchmark
  public int sendIndicationDecoded() throws StunDecodeException {
    byte[] copy = new byte[sendIndication.readableBytes()];
    sendIndication.getBytes(sendIndication.readerIndex(), copy);
    StunMessage m = decoder.decode(copy);
    InetSocketAddress p = m.address(StunAttributeType.XOR_PEER_ADDRESS).orElseThrow();
    byte[] data = ((RawAttribute) m.attribute(StunAttributeType.DATA).orElseThrow()).value();
    return Unpooled.wrappedBuffer(data).readableBytes() + p.getPort();
  }

  /** Client to peer over a channel, now: checked in place. */
  @Benchmark
  public int channelDataInPlace() throws ChannelDataDecoder.ChannelDataException {
    return ChannelDataDecoder.payloadLength(channelData, true) + ChannelDataDecoder.peekChannel(channelData);
  }

  /** Client to peer over a channel, before: copied out of the datagram. */
  @Benchmark
  public int channelDataDecoded() throws ChannelDataDecoder.ChannelDataException {
    byte[] copy = new byte[channelData.readableBytes()];
    channelData.getBytes(channelData.readerIndex(), copy);
    return ChannelDataDecoder.decode(Unpooled.wrappedBuffer(copy), true).data().length;
  }

  /** Peer to client without a channel, now: the Data indication written into a pooled buffer. */
  @Benchmark
  public int dataIndicationInPlace() {
    ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(DataIndicationEncoder.encodedLength(peer, size));
    DataIndicationEncoder.encode(out, peer, payload, ThreadLocalRandom.current());
    int n = out.readableBytes();
    out.release();
    return n;
  }

  /** Peer to client without a channel, before: the data copied, a message built and encoded. */
  @Benchmark
  public int dataIndicationBuilt() {
    byte[] data = new byte[payload.readableBytes()];
    payload.getBytes(payload.readerIndex(), data);
    byte[] out = encoder.encodeToBytes(StunMessage.builder(DATA)
        .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer))
        .add(new RawAttribute(StunAttributeType.DATA, data)).build());
    return Unpooled.wrappedBuffer(out).readableBytes();
  }
}
