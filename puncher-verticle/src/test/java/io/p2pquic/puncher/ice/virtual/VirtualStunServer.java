package io.p2pquic.puncher.ice.virtual;

import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMethod;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.InetSocketAddress;

/** A public STUN server on a {@link VirtualNetwork}: answers Binding requests with XOR-MAPPED-ADDRESS. */
public final class VirtualStunServer {
  private final VirtualUdpEndpoint endpoint;

  private VirtualStunServer(VirtualUdpEndpoint endpoint) {
    this.endpoint = endpoint;
    StunMessageDecoder decoder = new StunMessageDecoder();
    StunMessageEncoder encoder = new StunMessageEncoder();
    endpoint.stunHandler(d -> {
      StunMessage m;
      try {
        m = decoder.decode(d.data().getBytes());
      } catch (StunDecodeException e) {
        return;
      }
      if (m.method().equals(StunMethod.BINDING) && m.messageClass() == StunClass.REQUEST) {
        StunMessage r = m.responseBuilder(true).add(StunAttributes.xorMappedAddress(d.sender())).fingerprint().build();
        endpoint.send(Buffer.buffer(encoder.encodeToBytes(r)), d.sender());
      }
    });
  }

  /** Adds a public host {@code ip} and serves STUN on {@code ip:port}. */
  public static VirtualStunServer start(VirtualNetwork network, String ip, int port) throws IOException {
    network.addHost(ip, null);
    return startOnHost(network, ip, port);
  }

  /** Serves STUN on {@code ip:port} of a host already on the network. */
  public static VirtualStunServer startOnHost(VirtualNetwork network, String ip, int port) throws IOException {
    return new VirtualStunServer(network.bind(ip, port));
  }

  public InetSocketAddress address() {
    return endpoint.localAddress();
  }
}
