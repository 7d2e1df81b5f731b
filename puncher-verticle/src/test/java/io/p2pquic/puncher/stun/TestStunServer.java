package io.p2pquic.puncher.stun;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.TransactionId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small UDP STUN responder for client tests, built on the codec, with knobs the real server does
 * not have: ignore the first N requests, answer late, answer with an error, ignore CHANGE-REQUEST.
 * With an alternate IP it listens on (A1,P1), (A1,P2), (A2,P1), (A2,P2) like an RFC 5780 server.
 */
public final class TestStunServer {
  /** One request as it arrived. */
  public record Received(long nanos, TransactionId tid, InetSocketAddress from, InetSocketAddress on) {}

  private final Vertx vertx;
  private final StunMessageDecoder decoder = new StunMessageDecoder();
  private final StunMessageEncoder encoder = new StunMessageEncoder();
  private final List<DatagramSocket> sockets = new ArrayList<>();
  private final List<InetSocketAddress> addresses = new ArrayList<>(); // index: 0 A1P1, 1 A1P2, 2 A2P1, 3 A2P2
  private final boolean rfc5780;
  public final List<Received> received = new CopyOnWriteArrayList<>();
  /** Requests still to be ignored (no answer at all). */
  public final AtomicInteger ignore = new AtomicInteger();
  public volatile long delayMillis;
  /** Non-zero: answer every request with this error code. */
  public volatile int errorCode;
  /** False: answer CHANGE-REQUEST from the receiving socket, as a broken server would. */
  public volatile boolean honourChangeRequest = true;

  /**
   * NAT emulation, mapping side: the XOR-MAPPED-ADDRESS reported. REAL reports the true source;
   * the others report 203.0.113.1 with a port that depends on nothing, on the server IP contacted, or
   * on the server IP and port contacted.
   */
  public enum EmulatedMapping { REAL, ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT }

  /**
   * NAT emulation, filtering side: a response is delivered only if the client (by source address) has
   * sent to the response's origin IP (ADDRESS) or origin IP and port (ADDRESS_AND_PORT) before.
   */
  public enum EmulatedFilter { NONE, ADDRESS, ADDRESS_AND_PORT }

  public volatile EmulatedMapping mapping = EmulatedMapping.REAL;
  public volatile EmulatedFilter filter = EmulatedFilter.NONE;
  private final java.util.Map<InetSocketAddress, java.util.Set<Integer>> contacted = new java.util.concurrent.ConcurrentHashMap<>();

  private TestStunServer(Vertx vertx, boolean rfc5780) {
    this.vertx = vertx;
    this.rfc5780 = rfc5780;
  }

  /** A plain server on {@code ip}, or an RFC 5780 one when {@code alternateIp} is not null. */
  public static Future<TestStunServer> start(Vertx vertx, String ip, String alternateIp) {
    TestStunServer s = new TestStunServer(vertx, alternateIp != null);
    return s.bind(ip, 0)
        .compose(v -> s.bind(ip, 0))
        .compose(v -> alternateIp == null ? Future.succeededFuture() : s.bind(alternateIp, s.addresses.get(0).getPort()))
        .compose(v -> alternateIp == null ? Future.succeededFuture() : s.bind(alternateIp, s.addresses.get(1).getPort()))
        .map(v -> s);
  }

  private Future<Void> bind(String ip, int port) {
    DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions());
    return socket.listen(port, ip).map(sock -> {
      int index = sockets.size();
      sockets.add(sock);
      addresses.add(SocketAddresses.toInet(sock.localAddress()));
      sock.handler(p -> onPacket(index, p.data().getBytes(), SocketAddresses.toInet(p.sender())));
      return null;
    });
  }

  public InetSocketAddress primary() {
    return addresses.get(0);
  }

  /** (A2,P2), or null without an alternate IP. */
  public InetSocketAddress other() {
    return rfc5780 ? addresses.get(3) : null;
  }

  public InetSocketAddress address(int index) {
    return addresses.get(index);
  }

  public Future<Void> stop() {
    List<Future<Void>> f = new ArrayList<>();
    sockets.forEach(s -> f.add(s.close()));
    return Future.join(f).mapEmpty();
  }

  private void onPacket(int on, byte[] bytes, InetSocketAddress from) {
    StunMessage req;
    try {
      req = decoder.decode(bytes);
    } catch (StunDecodeException e) {
      return;
    }
    if (req.messageClass() != StunClass.REQUEST) {
      return;
    }
    received.add(new Received(System.nanoTime(), req.transactionId(), from, addresses.get(on)));
    contacted.computeIfAbsent(from, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(on);
    if (ignore.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return;
    }
    int out = on;
    StunMessage resp;
    long change = req.uint32(StunAttributeType.CHANGE_REQUEST).orElse(0L);
    if (errorCode != 0) {
      resp = req.responseBuilder(false).add(StunAttributes.errorCode(errorCode, "test error")).build();
    } else if (change != 0 && !rfc5780) {
      resp = req.responseBuilder(false)
          .add(StunAttributes.errorCode(ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, "Unknown Attribute"))
          .add(StunAttributes.unknownAttributes(List.of(StunAttributeType.CHANGE_REQUEST)))
          .build();
    } else {
      if (honourChangeRequest) {
        boolean changeIp = (change & StunAttributes.CHANGE_IP) != 0;
        boolean changePort = (change & StunAttributes.CHANGE_PORT) != 0;
        // index bits: bit 1 = alternate IP, bit 0 = alternate port
        out = on ^ ((changeIp ? 2 : 0) | (changePort ? 1 : 0));
      }
      StunMessage.Builder b = req.responseBuilder(true)
          .add(StunAttributes.xorMappedAddress(mappedFor(from, on)))
          .add(StunAttributes.responseOrigin(addresses.get(out)));
      if (rfc5780) {
        b.add(StunAttributes.otherAddress(addresses.get(on ^ 3)));
      }
      resp = b.build();
    }
    if (!passesFilter(from, out)) {
      return;
    }
    DatagramSocket socket = sockets.get(out);
    Buffer data = Buffer.buffer(encoder.encodeToBytes(resp));
    Runnable send = () -> socket.send(data, from.getPort(), from.getAddress().getHostAddress());
    if (delayMillis > 0) {
      vertx.setTimer(delayMillis, id -> send.run());
    } else {
      send.run();
    }
  }

  private InetSocketAddress mappedFor(InetSocketAddress from, int on) {
    return switch (mapping) {
      case REAL -> from;
      case ENDPOINT_INDEPENDENT -> new InetSocketAddress("203.0.113.1", 40_000);
      case ADDRESS_DEPENDENT -> new InetSocketAddress("203.0.113.1", 40_000 + (on >> 1));
      case ADDRESS_AND_PORT_DEPENDENT -> new InetSocketAddress("203.0.113.1", 40_000 + on);
    };
  }

  private boolean passesFilter(InetSocketAddress client, int out) {
    java.util.Set<Integer> sent = contacted.getOrDefault(client, java.util.Set.of());
    return switch (filter) {
      case NONE -> true;
      case ADDRESS -> sent.stream().anyMatch(i -> (i >> 1) == (out >> 1));
      case ADDRESS_AND_PORT -> sent.contains(out);
    };
  }
}
