package io.p2pquic.rendezvous.stun;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Vertx;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server on real loopback sockets, driven by a plain blocking client. */
class StunServerTest {
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private Vertx vertx;
  private StunServer server;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      await(server.stop());
    }
    await(vertx.close());
  }

  @Test
  void udpBindingReturnsTheClientAddress() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0));
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      StunMessage resp = exchange(client, server.udpAddress(), StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
      assertThat(resp.type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
      assertThat(resp.mappedAddress()).hasValue((InetSocketAddress) client.getLocalSocketAddress());
    }
    assertThat(metrics.counter("p2p.stun.requests", "transport", "udp").count()).isEqualTo(1);
  }

  /**
   * Issue 15: Binding answers over UDP were unlimited (a reflector for spoofed sources). A source beyond
   * its rate gets nothing and the drop is counted. Needs a non-loopback address of this host (loopback
   * sources are exempt); this machine's containers have one.
   */
  @Test
  void bindingAnswersToOneSourceAreRationed() throws Exception {
    InetAddress own = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .filter(n -> {
          try {
            return n.isUp() && !n.isLoopback();
          } catch (java.net.SocketException e) {
            return false;
          }
        })
        .flatMap(n -> java.util.Collections.list(n.getInetAddresses()).stream())
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLinkLocalAddress())
        .findFirst().orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(own != null, "no non-loopback IPv4 address on this host");
    server = start(new StunServerConfig().setBind(own.getHostAddress()).setPort(0).setBindingRates(5, 1000));
    int answered = 0;
    try (DatagramSocket client = new DatagramSocket(0, own)) {
      // The end of the answers is a quiet second: on a loaded machine the first answer can take 300 ms.
      client.setSoTimeout(1000);
      for (int i = 0; i < 30; i++) {
        byte[] req = encoder.encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
        client.send(new java.net.DatagramPacket(req, req.length, server.udpAddress()));
      }
      byte[] buf = new byte[1500];
      try {
        while (true) {
          client.receive(new java.net.DatagramPacket(buf, buf.length));
          answered++;
        }
      } catch (java.net.SocketTimeoutException done) {
        // no more answers
      }
    }
    assertThat(answered).as("the burst (twice the rate of 5/s), give or take the refill").isBetween(10, 12);
    assertThat(metrics.counter("p2p.stun.dropped", "reason", "rate-limited").count()).isBetween(18.0, 20.0);
  }

  @Test
  void tcpBindingHandlesAFrameSplitAcrossWritesAndTwoFramesInOneWrite() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0));
    try (Socket s = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
      s.setSoTimeout(5000);
      StunMessage r1 = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
      StunMessage r2 = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
      byte[] a = encoder.encodeToBytes(r1);
      byte[] b = encoder.encodeToBytes(r2);
      OutputStream out = s.getOutputStream();
      out.write(Arrays.copyOf(a, 7));
      out.flush();
      Thread.sleep(50);
      byte[] rest = new byte[a.length - 7 + b.length];
      System.arraycopy(a, 7, rest, 0, a.length - 7);
      System.arraycopy(b, 0, rest, a.length - 7, b.length);
      out.write(rest);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      for (StunMessage expected : new StunMessage[] {r1, r2}) {
        byte[] header = new byte[20];
        in.readFully(header);
        byte[] frame = Arrays.copyOf(header, 20 + (((header[2] & 0xFF) << 8) | (header[3] & 0xFF)));
        in.readFully(frame, 20, frame.length - 20);
        StunMessage resp = decoder.decode(frame);
        assertThat(resp.transactionId()).isEqualTo(expected.transactionId());
        assertThat(resp.mappedAddress()).hasValue((InetSocketAddress) s.getLocalSocketAddress());
      }
    }
    assertThat(metrics.counter("p2p.stun.requests", "transport", "tcp").count()).isEqualTo(2);
  }

  @Test
  void garbageIsCountedAndDroppedAndTheServerKeepsAnswering() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcp(false));
    SplittableRandom random = new SplittableRandom(7);
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      byte[] valid = encoder.encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
      for (int i = 0; i < 2000; i++) {
        byte[] junk = i % 2 == 0 ? new byte[random.nextInt(1, 600)] : valid.clone();
        for (int k = 0; k < 3; k++) {
          junk[random.nextInt(junk.length)] = (byte) random.nextInt(256);
        }
        if (i % 2 == 0) {
          random.nextBytes(junk);
        }
        client.send(new DatagramPacket(junk, junk.length, server.udpAddress()));
        if (i % 50 == 49) {
          Thread.sleep(2); // stay under the socket buffers: this test is about parsing, not kernel drops
        }
      }
      // Drain whatever the mutated-but-valid requests earned, then check a clean request still works.
      client.setSoTimeout(200);
      try {
        while (true) {
          client.receive(new DatagramPacket(new byte[1500], 1500));
        }
      } catch (SocketTimeoutException drained) {
        // nothing left
      }
      StunMessage resp = exchange(client, server.udpAddress(), StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
      assertThat(resp.mappedAddress()).hasValue((InetSocketAddress) client.getLocalSocketAddress());
    }
    double dropped = metrics.find("p2p.stun.dropped").counters().stream().mapToDouble(c -> c.count()).sum();
    assertThat(dropped).isGreaterThanOrEqualTo(950); // (nearly) every random datagram
  }

  @Test
  void rfc5780ChangeRequestsAreAnsweredFromTheOtherAddressAndPort() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(freeUdpPort()).setAlternateAddress("127.0.0.2").setTcp(false));
    int p1 = server.udpAddress().getPort();
    InetSocketAddress a1p1 = new InetSocketAddress("127.0.0.1", p1);
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      for (boolean[] change : new boolean[][] {{false, false}, {false, true}, {true, false}, {true, true}}) {
        StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST)
            .add(StunAttributes.changeRequest(change[0], change[1])).build();
        DatagramPacket got = send(client, a1p1, req);
        InetSocketAddress expectedFrom =
            new InetSocketAddress(change[0] ? "127.0.0.2" : "127.0.0.1", change[1] ? p1 + 1 : p1);
        assertThat(got.getSocketAddress()).as("origin for change ip=%s port=%s", change[0], change[1]).isEqualTo(expectedFrom);
        StunMessage resp = decoder.decode(Arrays.copyOf(got.getData(), got.getLength()));
        assertThat(resp.address(StunAttributeType.RESPONSE_ORIGIN)).hasValue(expectedFrom);
        assertThat(resp.address(StunAttributeType.OTHER_ADDRESS)).hasValue(new InetSocketAddress("127.0.0.2", p1 + 1));
      }
    }
  }

  /**
   * Issue 15: a client that pipelines requests and never reads its answers is paused once its answers
   * fill the write queue; before, the server read everything and queued every reply in the heap.
   */
  @Test
  void aClientThatNeverReadsIsPausedInsteadOfQueueingRepliesInTheHeap() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0));
    byte[] one = encoder.encodeToBytes(StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
    byte[] chunk = new byte[one.length * 4096];
    for (int i = 0; i < 4096; i++) {
      System.arraycopy(one, 0, chunk, i * one.length, one.length);
    }
    long offered = 64L << 20;
    long accepted = 0;
    try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open()) {
      c.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 64 * 1024);
      c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 64 * 1024);
      c.connect(server.tcpAddress());
      c.configureBlocking(false);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(chunk);
      while (accepted < offered && System.nanoTime() < deadline) {
        if (!buf.hasRemaining()) {
          buf.rewind();
        }
        int n = c.write(buf);
        accepted += n;
        if (n == 0) {
          Thread.sleep(5);
        }
      }
    }
    // Kernel buffers on both sides and one write queue's worth of replies, not the 64 MiB offered.
    assertThat(accepted).isLessThan(24L << 20);
    assertThat(metrics.counter("p2p.stun.tcp.paused").count()).isGreaterThanOrEqualTo(1);
  }

  /** Issue 15: a TCP connection that sends nothing (and holds no allocation) is closed after the idle limit. */
  @Test
  void anIdleTcpConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcpIdleTimeoutSeconds(1));
    try (Socket s = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
      s.setSoTimeout(10_000);
      long start = System.nanoTime();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 6_000L);
    }
    assertThat(metrics.counter("p2p.stun.dropped", "reason", "tcp-idle").count()).isEqualTo(1);
  }

  /** Issue 15: connections beyond the per-IP cap are closed at once and counted; the others keep working. */
  @Test
  void connectionsBeyondThePerIpCapAreClosedAndCounted() throws Exception {
    server = start(new StunServerConfig().setBind("127.0.0.1").setPort(0).setTcpMaxConnectionsPerIp(3));
    java.util.List<Socket> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort()));
      }
      try (Socket fourth = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
        fourth.setSoTimeout(5_000);
        assertThat(fourth.getInputStream().read()).isEqualTo(-1);
      }
      Socket first = open.get(0);
      first.setSoTimeout(5_000);
      StunMessage req = StunMessage.builder(StunMessageType.BINDING_REQUEST).build();
      first.getOutputStream().write(encoder.encodeToBytes(req));
      DataInputStream in = new DataInputStream(first.getInputStream());
      byte[] header = new byte[20];
      in.readFully(header);
      byte[] whole = Arrays.copyOf(header, 20 + ((header[2] & 0xff) << 8 | header[3] & 0xff));
      in.readFully(whole, 20, whole.length - 20);
      assertThat(decoder.decode(whole).transactionId()).isEqualTo(req.transactionId());
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    assertThat(metrics.counter("p2p.stun.dropped", "reason", "tcp-connection-limit").count()).isEqualTo(1);
  }

  private StunServer start(StunServerConfig config) throws Exception {
    StunServer s = new StunServer(vertx, config, metrics);
    await(s.start());
    return s;
  }

  private StunMessage exchange(DatagramSocket client, InetSocketAddress to, StunMessage req) throws Exception {
    DatagramPacket p = send(client, to, req);
    StunMessage resp = decoder.decode(Arrays.copyOf(p.getData(), p.getLength()));
    assertThat(resp.transactionId()).isEqualTo(req.transactionId());
    return resp;
  }

  private DatagramPacket send(DatagramSocket client, InetSocketAddress to, StunMessage req) throws Exception {
    byte[] bytes = encoder.encodeToBytes(req);
    client.setSoTimeout(5000);
    client.send(new DatagramPacket(bytes, bytes.length, to));
    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
    client.receive(p);
    return p;
  }

  static int freeUdpPort() throws Exception {
    for (int i = 0; i < 50; i++) {
      try (DatagramSocket a = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        int p = a.getLocalPort();
        if (p < 65535) {
          try (DatagramSocket b = new DatagramSocket(p + 1, InetAddress.getLoopbackAddress())) {
            return p;
          } catch (java.net.BindException taken) {
            // try another pair
          }
        }
      }
    }
    throw new IllegalStateException("no free pair of UDP ports");
  }
}
