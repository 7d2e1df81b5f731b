package io.p2pquic.rendezvous.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.TransactionId;
import io.p2pquic.stun.turn.TurnRestCredentials;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A blocking TURN client for tests, speaking through our codec over UDP or TCP (STUN frames as they are,
 * ChannelData padded to four bytes). It does the 401 dance and signs requests with the long-term key.
 * Public for tests of other packages (the relay directory's cluster test).
 */
public final class TurnTestClient implements AutoCloseable {
  static final StunMessageEncoder ENCODER = new StunMessageEncoder();
  static final StunMessageDecoder DECODER = new StunMessageDecoder();
  static final StunMessageType ALLOCATE = StunMessageType.of(StunMethod.ALLOCATE, StunClass.REQUEST);
  static final StunMessageType REFRESH = StunMessageType.of(StunMethod.REFRESH, StunClass.REQUEST);
  static final StunMessageType CREATE_PERMISSION = StunMessageType.of(StunMethod.CREATE_PERMISSION, StunClass.REQUEST);
  static final StunMessageType CHANNEL_BIND = StunMessageType.of(StunMethod.CHANNEL_BIND, StunClass.REQUEST);
  static final StunMessageType SEND = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION);

  private final InetSocketAddress server;
  private final DatagramSocket udp;
  private final Socket tcp;
  private final DataInputStream tcpIn;
  String username;
  String password;
  String realm;
  String nonce;

  private TurnTestClient(InetSocketAddress server, boolean useTcp) throws IOException {
    this.server = server;
    if (useTcp) {
      tcp = new Socket(server.getAddress(), server.getPort());
      tcp.setSoTimeout(3000);
      tcpIn = new DataInputStream(tcp.getInputStream());
      udp = null;
    } else {
      udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      udp.setSoTimeout(3000);
      tcp = null;
      tcpIn = null;
    }
  }

  public static TurnTestClient udp(InetSocketAddress server) throws IOException {
    return new TurnTestClient(server, false);
  }

  public static TurnTestClient tcp(InetSocketAddress server) throws IOException {
    return new TurnTestClient(server, true);
  }

  /** use-auth-secret credentials for {@code user}, valid for an hour. */
  TurnTestClient secret(String secret, String user) {
    TurnRestCredentials c = TurnRestCredentials.issue(secret.getBytes(StandardCharsets.UTF_8), user,
        Instant.now().plusSeconds(3600));
    return credentials(c.username(), c.password());
  }

  public TurnTestClient credentials(String username, String password) {
    this.username = username;
    this.password = password;
    return this;
  }

  InetSocketAddress localAddress() {
    return udp != null ? (InetSocketAddress) udp.getLocalSocketAddress()
        : (InetSocketAddress) tcp.getLocalSocketAddress();
  }

  byte[] key() {
    return StunCredentials.longTermKey(username, realm, password);
  }

  /** Sends an unauthenticated Allocate to learn REALM and NONCE; returns the 401. */
  StunMessage challenge() throws IOException {
    StunMessage r = exchange(StunMessage.builder(ALLOCATE).add(StunAttributes.requestedTransport(17)).build());
    assertThat(r.errorCode()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo(401));
    realm = r.string(StunAttributeType.REALM).orElseThrow();
    nonce = r.string(StunAttributeType.NONCE).orElseThrow();
    return r;
  }

  /** Adds USERNAME, REALM, NONCE and MESSAGE-INTEGRITY. */
  StunMessage signed(StunMessage.Builder b) {
    return b.add(StunAttributes.username(username)).add(StunAttributes.realm(realm)).add(StunAttributes.nonce(nonce))
        .messageIntegrity(key()).build();
  }

  /** Challenge (if needed) then an authenticated Allocate; returns the response. */
  StunMessage allocate(StunMessage.Builder extra) throws IOException {
    if (nonce == null) {
      challenge();
    }
    return exchange(signed(extra));
  }

  public StunMessage allocate() throws IOException {
    return allocate(StunMessage.builder(ALLOCATE).add(StunAttributes.requestedTransport(17)));
  }

  StunMessage createPermission(InetSocketAddress... peers) throws IOException {
    StunMessage.Builder b = StunMessage.builder(CREATE_PERMISSION);
    for (InetSocketAddress p : peers) {
      b.add(xorPeer(p));
    }
    return exchange(signed(b));
  }

  StunMessage channelBind(int channel, InetSocketAddress peer) throws IOException {
    return exchange(signed(StunMessage.builder(CHANNEL_BIND)
        .add(StunAttributes.channelNumber(channel)).add(xorPeer(peer))));
  }

  StunMessage refresh(long lifetime) throws IOException {
    return exchange(signed(StunMessage.builder(REFRESH).add(StunAttributes.lifetime(lifetime))));
  }

  static io.p2pquic.stun.AddressAttribute xorPeer(InetSocketAddress p) {
    return new io.p2pquic.stun.AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, p);
  }

  void sendIndication(InetSocketAddress peer, byte[] data) throws IOException {
    sendRaw(ENCODER.encodeToBytes(StunMessage.builder(SEND).add(xorPeer(peer))
        .add(new io.p2pquic.stun.RawAttribute(StunAttributeType.DATA, data)).build()));
  }

  /** ChannelData, padded to four bytes over TCP. */
  void sendChannelData(int channel, byte[] data) throws IOException {
    int len = 4 + data.length;
    byte[] frame = new byte[tcp != null ? (len + 3) & ~3 : len];
    frame[0] = (byte) (channel >>> 8);
    frame[1] = (byte) channel;
    frame[2] = (byte) (data.length >>> 8);
    frame[3] = (byte) data.length;
    System.arraycopy(data, 0, frame, 4, data.length);
    sendRaw(frame);
  }

  void sendRaw(byte[] bytes) throws IOException {
    if (udp != null) {
      udp.send(new DatagramPacket(bytes, bytes.length, server));
    } else {
      OutputStream out = tcp.getOutputStream();
      out.write(bytes);
      out.flush();
    }
  }

  /** The next message or ChannelData frame from the server, or null after the timeout. */
  byte[] receiveRaw(int timeoutMs) throws IOException {
    try {
      if (udp != null) {
        udp.setSoTimeout(timeoutMs);
        byte[] buf = new byte[70000];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        return Arrays.copyOf(buf, p.getLength());
      }
      tcp.setSoTimeout(timeoutMs);
      byte[] head = new byte[4];
      tcpIn.readFully(head);
      int length = ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
      boolean channelData = (head[0] & 0xC0) == 0x40;
      int total = channelData ? (4 + length + 3) & ~3 : 20 + length;
      byte[] frame = Arrays.copyOf(head, total);
      tcpIn.readFully(frame, 4, total - 4);
      return frame;
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  StunMessage exchange(StunMessage request) throws IOException {
    return exchangeRaw(ENCODER.encodeToBytes(request), request.transactionId());
  }

  StunMessage exchangeRaw(byte[] bytes, TransactionId tid) throws IOException {
    sendRaw(bytes);
    long deadline = System.currentTimeMillis() + 3000;
    while (System.currentTimeMillis() < deadline) {
      byte[] in = receiveRaw(3000);
      if (in == null) {
        break;
      }
      if ((in[0] & 0xC0) != 0) {
        continue; // ChannelData
      }
      try {
        StunMessage m = DECODER.decode(in);
        if (m.transactionId().equals(tid)) {
          return m;
        }
      } catch (io.p2pquic.stun.StunDecodeException e) {
        throw new AssertionError("server sent undecodable bytes", e);
      }
    }
    throw new AssertionError("no response to " + tid);
  }

  boolean tcpClosedByServer() throws IOException {
    try {
      tcp.setSoTimeout(3000);
      return tcpIn.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    if (udp != null) {
      udp.close();
    }
    if (tcp != null) {
      tcp.close();
    }
  }
}
