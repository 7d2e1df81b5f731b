package io.p2pquic.puncher.portmap;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import java.net.InetSocketAddress;

/**
 * One live port mapping on the gateway: {@link #external()} forwards to this host's {@link #internalPort()}.
 * The {@link PortMapper} renews it at half its lifetime; {@link #close()} deletes it. A session owns
 * the mappings of its socket.
 */
public final class PortMapping {
  private final PortMapper mapper;
  private final PortMapper.Protocol protocol;
  private final byte[] nonce;
  private final int internalPort;
  private final InetSocketAddress base;
  private volatile InetSocketAddress external;
  private volatile long lifetimeSeconds;
  private long renewTimer = -1;
  private boolean closed;

  PortMapping(PortMapper mapper, PortMapper.Protocol protocol, byte[] nonce, InetSocketAddress base,
      InetSocketAddress external, long lifetimeSeconds) {
    this.mapper = mapper;
    this.protocol = protocol;
    this.nonce = nonce.clone();
    this.internalPort = base.getPort();
    this.base = base;
    this.external = external;
    this.lifetimeSeconds = lifetimeSeconds;
  }

  /** The public address the gateway forwards to this host. */
  public InetSocketAddress external() {
    return external;
  }

  /** This host's address toward the gateway and the mapped port: the candidate's base. */
  public InetSocketAddress base() {
    return base;
  }

  public int internalPort() {
    return internalPort;
  }

  public PortMapper.Protocol protocol() {
    return protocol;
  }

  public long lifetimeSeconds() {
    return lifetimeSeconds;
  }

  byte[] nonce() {
    return nonce.clone();
  }

  /** On the mapper's context. */
  void renewed(InetSocketAddress external, long lifetimeSeconds, long timer) {
    this.external = external;
    this.lifetimeSeconds = lifetimeSeconds;
    this.renewTimer = timer;
  }

  long renewTimer() {
    return renewTimer;
  }

  boolean closed() {
    return closed;
  }

  /** Deletes the mapping on the gateway (best effort: completes when the gateway answered or timed out). */
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return mapper.delete(this);
  }

  /** e.g. {@code 198.51.100.7:40000 -> 10.1.0.2:5000 by PCP for 7200 s}. */
  public String describe() {
    return SocketAddresses.format(external) + " -> " + SocketAddresses.format(base) + " by " + protocol.label()
        + " for " + lifetimeSeconds + " s";
  }
}
