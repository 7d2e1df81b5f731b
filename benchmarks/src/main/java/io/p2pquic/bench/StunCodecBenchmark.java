package io.p2pquic.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The STUN codec on the paths that run once per packet: decoding a request (the RFC 5769 section 2.1
 * vector, with and without checking its MESSAGE-INTEGRITY), encoding the Binding success response the
 * server sends, encoding an ICE connectivity check, and the demultiplexer's {@code looksLikeStun} test
 * on a QUIC packet (the most frequent packet on a peer's socket once QUIC runs).
 *
 * <p>Defaults are modest (one fork, 3 x 2 s warm-up, 5 x 2 s measurement) because the reference machine
 * has two cores; run-stun-bench.sh passes the same settings explicitly.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StunCodecBenchmark {
  /** RFC 5769 section 2.1 short-term password and sample request (padding bytes are spaces). */
  static final String RFC5769_PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";

  static final byte[] RFC5769_REQUEST = HexFormat.of().parseHex(
      "000100582112a442b7e7a701bc34d686fa87dfae"
          + "80220010" + "5354554e2074657374" + "20636c69656e74"
          + "00240004" + "6e0001ff"
          + "80290008" + "932ff9b151263b36"
          + "00060009" + "6576746a3a68367659202020"
          + "00080014" + "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
          + "80280004" + "e57a3bcf");

  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private byte[] request;
  private byte[] plainBindingRequest;
  private InetSocketAddress source;
  private byte[] shortTermKey;
  private StunMessage bindingSuccess;
  private StunMessage iceCheck;
  private ByteBuf quicShortHeader;
  private ByteBuf quicInitial;
  private ByteBuf stunOnWire;

  @Setup
  public void setUp() throws StunDecodeException, UnknownHostException {
    request = RFC5769_REQUEST.clone();
    shortTermKey = StunCredentials.shortTermKey(RFC5769_PASSWORD);
    // Guard: measure the path that succeeds, not an early failure.
    if (!decoder.decode(request).verifyMessageIntegrity(shortTermKey)) {
      throw new IllegalStateException("RFC 5769 request does not verify; the benchmark would measure a failure");
    }

    TransactionId tid = TransactionId.fromHex("b7e7a701bc34d686fa87dfae");
    InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853);
    source = mapped;
    // What most clients send (and StunLoad sends): a 20-byte Binding request without attributes.
    plainBindingRequest = encoder.encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST, tid).build());
    // What StunServer answers to a plain Binding request, minus SOFTWARE (see BindingRequestHandler).
    bindingSuccess = StunMessage.builder(StunMessageType.BINDING_SUCCESS, tid)
        .add(StunAttributes.xorMappedAddress(mapped))
        .fingerprint()
        .build();
    // An ICE connectivity check (RFC 8445 section 7.1): USERNAME, PRIORITY, ICE-CONTROLLING,
    // USE-CANDIDATE, then MESSAGE-INTEGRITY with the remote password and FINGERPRINT.
    iceCheck = StunMessage.builder(StunMessageType.BINDING_REQUEST, tid)
        .add(StunAttributes.username("evtj:h6vY"))
        .add(StunAttributes.priority(0x6e0001ffL))
        .add(StunAttributes.iceControlling(0x932ff9b151263b36L))
        .add(StunAttributes.useCandidate())
        .messageIntegrity(shortTermKey)
        .fingerprint()
        .build();
    if (!decoder.decode(encoder.encodeToBytes(iceCheck)).verifyMessageIntegrity(shortTermKey)) {
      throw new IllegalStateException("encoded ICE check does not verify");
    }

    // QUIC 1-RTT short header (first byte 0b01xxxxxx: fixed bit set, RFC 9000 section 17.3) with a
    // full-size payload, and a QUIC v1 Initial (long header, 0b11xxxxxx) padded to 1200 bytes.
    quicShortHeader = direct(quicPacket(0x43, 1200));
    quicInitial = direct(quicPacket(0xC3, 1200));
    stunOnWire = direct(RFC5769_REQUEST);
  }

  @TearDown
  public void tearDown() {
    quicShortHeader.release();
    quicInitial.release();
    stunOnWire.release();
  }

  private static byte[] quicPacket(int firstByte, int size) {
    byte[] p = new byte[size];
    for (int i = 0; i < size; i++) {
      p[i] = (byte) (i * 31 + 7); // arbitrary, but not zero: bytes 4-7 must not look like the cookie
    }
    p[0] = (byte) firstByte;
    return p;
  }

  /** Netty hands the demultiplexer direct buffers, so measure on one. */
  private static ByteBuf direct(byte[] bytes) {
    ByteBuf b = Unpooled.directBuffer(bytes.length);
    b.writeBytes(bytes);
    return b;
  }

  @Benchmark
  public StunMessage decodeRfc5769Request() throws StunDecodeException {
    return decoder.decode(request);
  }

  @Benchmark
  public boolean decodeRfc5769RequestAndVerifyIntegrity() throws StunDecodeException {
    return decoder.decode(request).verifyMessageIntegrity(shortTermKey);
  }

  @Benchmark
  public byte[] encodeBindingSuccessXorMappedFingerprint() {
    return encoder.encodeToBytes(bindingSuccess);
  }

  @Benchmark
  public byte[] encodeIceCheckIntegrityFingerprint() {
    return encoder.encodeToBytes(iceCheck);
  }

  /**
   * The codec's share of one StunServer datagram: decode a plain Binding request, build the success
   * response as BindingRequestHandler does (XOR-MAPPED-ADDRESS, SOFTWARE, FINGERPRINT) and encode it.
   */
  @Benchmark
  public byte[] serverCodecPathPlainBinding() throws StunDecodeException {
    StunMessage req = decoder.decode(plainBindingRequest);
    return encoder.encodeToBytes(req.responseBuilder(true)
        .add(StunAttributes.xorMappedAddress(source))
        .add(StunAttributes.software("p2p-quic"))
        .fingerprint()
        .build());
  }

  /**
   * Attribution baseline, not codec code: what StunMessageEncoder.encodeToBytes does besides encoding,
   * i.e. allocate a 64 KiB + 20 byte scratch array and copy the message out of it (52 bytes here).
   */
  @Benchmark
  public byte[] baselineScratch64KiBAllocateAndCopy() {
    byte[] scratch = new byte[64 * 1024 + StunMessage.HEADER_LENGTH];
    scratch[0] = 1;
    return Arrays.copyOf(scratch, 52);
  }

  @Benchmark
  public boolean looksLikeStunQuicShortHeader() {
    return StunMessageDecoder.looksLikeStun(quicShortHeader);
  }

  @Benchmark
  public boolean looksLikeStunQuicInitial() {
    return StunMessageDecoder.looksLikeStun(quicInitial);
  }

  @Benchmark
  public boolean looksLikeStunStunRequest() {
    return StunMessageDecoder.looksLikeStun(stunOnWire);
  }
}
