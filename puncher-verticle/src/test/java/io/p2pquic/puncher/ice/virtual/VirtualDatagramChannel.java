package io.p2pquic.puncher.ice.virtual;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramChannelConfig;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;

/**
 * A Netty datagram channel on a {@link VirtualNetwork} (modelled on Netty's LocalChannel): it
 * registers on any event loop, hands a copy of each written {@link DatagramPacket} to the network
 * and fires what the network delivers as {@code channelRead(DatagramPacket)} plus {@code
 * channelReadComplete} on its own event loop. A bind to a wildcard takes the virtual host's IP; an
 * IPv6 bind fails (the network is IPv4). Multicast is not supported.
 */
public final class VirtualDatagramChannel extends AbstractChannel implements DatagramChannel, VirtualSocket {
  private static final ChannelMetadata METADATA = new ChannelMetadata(false);

  private final VirtualNetwork network;
  private final InetAddress hostIp;
  private final Config config = new Config(this);
  private volatile InetSocketAddress local;
  private volatile boolean open = true;

  VirtualDatagramChannel(VirtualNetwork network, InetAddress hostIp) {
    super(null);
    this.network = network;
    this.hostIp = hostIp;
  }

  @Override
  public void deliver(byte[] data, InetSocketAddress from) {
    if (!open || local == null) {
      return;
    }
    InetSocketAddress to = local;
    eventLoop().execute(() -> {
      if (!isActive()) {
        return;
      }
      pipeline().fireChannelRead(new DatagramPacket(Unpooled.wrappedBuffer(data), to, from));
      pipeline().fireChannelReadComplete();
    });
  }

  @Override
  protected AbstractUnsafe newUnsafe() {
    return new AbstractUnsafe() {
      @Override
      public void connect(SocketAddress remote, SocketAddress localAddress, ChannelPromise promise) {
        promise.setFailure(new UnsupportedOperationException("a virtual datagram channel does not connect"));
      }
    };
  }

  @Override
  protected boolean isCompatible(EventLoop loop) {
    return true;
  }

  @Override
  protected SocketAddress localAddress0() {
    return local;
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return null;
  }

  @Override
  protected void doBind(SocketAddress localAddress) throws Exception {
    InetSocketAddress want = (InetSocketAddress) localAddress;
    InetAddress ip = want.getAddress();
    if (ip instanceof java.net.Inet6Address) {
      throw new IOException("no IPv6 on the virtual network: " + want);
    }
    if (!ip.isAnyLocalAddress() && !ip.equals(hostIp)) {
      throw new IOException("cannot assign " + want + " on virtual host " + hostIp.getHostAddress());
    }
    network.attach(hostIp, want.getPort(), a -> {
      local = a;
      return this;
    });
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  protected void doDisconnect() {
    // never connected
  }

  @Override
  protected void doClose() {
    open = false;
    if (local != null) {
      network.unbind(this);
    }
  }

  @Override
  protected void doBeginRead() {
    // delivery is pushed by the network
  }

  @Override
  protected void doWrite(ChannelOutboundBuffer in) throws Exception {
    for (;;) {
      Object msg = in.current();
      if (msg == null) {
        return;
      }
      if (!open) {
        in.remove(new ClosedChannelException());
        continue;
      }
      if (msg instanceof DatagramPacket p && p.recipient() != null) {
        ByteBuf content = p.content();
        network.send(local, ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes()), p.recipient());
        in.remove();
      } else {
        in.remove(new UnsupportedOperationException("a virtual datagram channel writes addressed DatagramPackets only: " + msg));
      }
    }
  }

  @Override
  protected Object filterOutboundMessage(Object msg) {
    if (msg instanceof DatagramPacket) {
      return msg;
    }
    throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName());
  }

  @Override
  public DatagramChannelConfig config() {
    return config;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isActive() {
    return open && local != null;
  }

  @Override
  public ChannelMetadata metadata() {
    return METADATA;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return null;
  }

  @Override
  public boolean isConnected() {
    return false;
  }

  @Override
  public String toString() {
    return "virtual UDP channel " + (local == null ? hostIp.getHostAddress() + " (unbound)" : local);
  }

  private static UnsupportedOperationException noMulticast() {
    return new UnsupportedOperationException("no multicast on the virtual network");
  }

  @Override
  public ChannelFuture joinGroup(InetAddress multicastAddress) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
      ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress source) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress source,
      ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetAddress multicastAddress) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
      ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress source) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress source,
      ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress sourceToBlock) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface, InetAddress sourceToBlock,
      ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  @Override
  public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
    return newFailedFuture(noMulticast());
  }

  @Override
  public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise future) {
    return future.setFailure(noMulticast());
  }

  /** Socket options are accepted and remembered, and mean nothing here. */
  private static final class Config extends DefaultChannelConfig implements DatagramChannelConfig {
    private int sendBufferSize = 1 << 20;
    private int receiveBufferSize = 1 << 20;
    private int trafficClass;
    private boolean reuseAddress;
    private boolean broadcast;
    private boolean loopbackModeDisabled;
    private int timeToLive = 64;

    Config(VirtualDatagramChannel channel) {
      super(channel);
    }

    @Override
    public int getSendBufferSize() {
      return sendBufferSize;
    }

    @Override
    public DatagramChannelConfig setSendBufferSize(int v) {
      sendBufferSize = v;
      return this;
    }

    @Override
    public int getReceiveBufferSize() {
      return receiveBufferSize;
    }

    @Override
    public DatagramChannelConfig setReceiveBufferSize(int v) {
      receiveBufferSize = v;
      return this;
    }

    @Override
    public int getTrafficClass() {
      return trafficClass;
    }

    @Override
    public DatagramChannelConfig setTrafficClass(int v) {
      trafficClass = v;
      return this;
    }

    @Override
    public boolean isReuseAddress() {
      return reuseAddress;
    }

    @Override
    public DatagramChannelConfig setReuseAddress(boolean v) {
      reuseAddress = v;
      return this;
    }

    @Override
    public boolean isBroadcast() {
      return broadcast;
    }

    @Override
    public DatagramChannelConfig setBroadcast(boolean v) {
      broadcast = v;
      return this;
    }

    @Override
    public boolean isLoopbackModeDisabled() {
      return loopbackModeDisabled;
    }

    @Override
    public DatagramChannelConfig setLoopbackModeDisabled(boolean v) {
      loopbackModeDisabled = v;
      return this;
    }

    @Override
    public int getTimeToLive() {
      return timeToLive;
    }

    @Override
    public DatagramChannelConfig setTimeToLive(int v) {
      timeToLive = v;
      return this;
    }

    @Override
    public InetAddress getInterface() {
      return null;
    }

    @Override
    public DatagramChannelConfig setInterface(InetAddress v) {
      throw noMulticast();
    }

    @Override
    public NetworkInterface getNetworkInterface() {
      return null;
    }

    @Override
    public DatagramChannelConfig setNetworkInterface(NetworkInterface v) {
      throw noMulticast();
    }

    @Override
    public DatagramChannelConfig setMaxMessagesPerRead(int v) {
      super.setMaxMessagesPerRead(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setWriteSpinCount(int v) {
      super.setWriteSpinCount(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setConnectTimeoutMillis(int v) {
      super.setConnectTimeoutMillis(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setAllocator(ByteBufAllocator v) {
      super.setAllocator(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator v) {
      super.setRecvByteBufAllocator(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setAutoRead(boolean v) {
      super.setAutoRead(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setAutoClose(boolean v) {
      super.setAutoClose(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator v) {
      super.setMessageSizeEstimator(v);
      return this;
    }

    @Override
    public DatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark v) {
      super.setWriteBufferWaterMark(v);
      return this;
    }
  }
}
