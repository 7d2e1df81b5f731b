package io.p2pquic.puncher.ice.virtual;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.transport.DatagramChannels;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An in-memory IPv4 network for ICE tests: public hosts, private hosts behind {@link VirtualNat}s of
 * the four RFC 4787 behaviours, optional one-way latency on each NAT's WAN link and seeded loss
 * ({@link #loss}). No root, no sockets. Bound on it are {@link VirtualUdpEndpoint}s (for ICE agents)
 * and {@link VirtualDatagramChannel}s (Netty channels, so that session classes, the QUIC codec and
 * the path layer run on it unchanged: {@link #channels}); both are routed the same way.
 *
 * <p>Routing: a private host reaches hosts of its own private network directly; anything else goes
 * out through its NAT (source rewritten), then to the public host or NAT owning the destination IP
 * (NAT filtering decides); a private address of another network is unroutable and dropped. Every
 * drop is counted by reason ({@link #drops()}).
 *
 * <p>Determinism: all routing runs on one Vert.x context (created with the network); give the Vert.x
 * instance one event loop so agents, STUN clients and the network share one thread and one order.
 */
public final class VirtualNetwork {
  private final ContextInternal context;
  private final Map<InetAddress, VirtualNat> natByPublicIp = new ConcurrentHashMap<>();
  private final Map<InetAddress, VirtualNat> natOfHost = new ConcurrentHashMap<>();
  private final Map<InetAddress, Boolean> hosts = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, VirtualSocket> bound = new ConcurrentHashMap<>();
  private final Map<InetAddress, Integer> nextPort = new HashMap<>();
  private final Map<String, AtomicLong> drops = new ConcurrentHashMap<>();
  private final AtomicLong delivered = new AtomicLong();
  private double lossProbability;
  private Random lossRandom = new Random(0);

  public VirtualNetwork(Vertx vertx) {
    this.context = ((VertxInternal) vertx).createEventLoopContext();
  }

  /** The context routing runs on; build agents on it ({@link #call}) for a deterministic order. */
  public ContextInternal context() {
    return context;
  }

  /** Runs {@code body} on the network's context. */
  public <T> Future<T> call(Callable<Future<T>> body) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        body.call().onComplete(p);
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  public VirtualNat addNat(String publicIp, VirtualNatType type) {
    return addNat(publicIp, type, 0);
  }

  /** A NAT with a public IP; {@code latencyMillis} is added to every packet crossing its WAN link. */
  public VirtualNat addNat(String publicIp, VirtualNatType type, long latencyMillis) {
    InetAddress ip = SocketAddresses.parseIp(publicIp);
    VirtualNat nat = new VirtualNat(ip, type, latencyMillis);
    if (natByPublicIp.putIfAbsent(ip, nat) != null || hosts.containsKey(ip)) {
      throw new IllegalArgumentException(publicIp + " is taken");
    }
    return nat;
  }

  /** A host with {@code ip}, behind {@code nat} (a private address) or public when {@code nat} is null. */
  public InetAddress addHost(String ip, VirtualNat nat) {
    InetAddress a = SocketAddresses.parseIp(ip);
    if (hosts.putIfAbsent(a, Boolean.TRUE) != null || natByPublicIp.containsKey(a)) {
      throw new IllegalArgumentException(ip + " is taken");
    }
    if (nat != null) {
      natOfHost.put(a, nat);
    }
    return a;
  }

  /** Binds a UDP socket on a host's IP; port 0 picks the next free one from 5000. */
  public VirtualUdpEndpoint bind(String ip, int port) throws IOException {
    return (VirtualUdpEndpoint) attach(SocketAddresses.parseIp(ip), port, local -> new VirtualUdpEndpoint(this, local));
  }

  /**
   * Netty channels bound on the virtual host {@code ip} (a wildcard bind takes the host's IP; an IPv6
   * one fails, the network is IPv4), for {@code NettyUdpEndpoint.bind} and so the session classes.
   */
  public DatagramChannels channels(String ip) {
    InetAddress a = SocketAddresses.parseIp(ip);
    if (!hosts.containsKey(a)) {
      throw new IllegalArgumentException("no virtual host " + ip);
    }
    return host -> new VirtualDatagramChannel(this, a);
  }

  /** Binds what {@code make} makes for the chosen address; port 0 picks the next free one from 5000. */
  synchronized VirtualSocket attach(InetAddress a, int port, Function<InetSocketAddress, VirtualSocket> make) throws IOException {
    if (!hosts.containsKey(a)) {
      throw new IOException("no virtual host " + SocketAddresses.formatIp(a));
    }
    int p = port;
    if (p == 0) {
      p = nextPort.getOrDefault(a, 5000);
      while (bound.containsKey(new InetSocketAddress(a, p))) {
        p++;
      }
      nextPort.put(a, p + 1);
    }
    InetSocketAddress local = new InetSocketAddress(a, p);
    if (bound.containsKey(local)) {
      throw new IOException("address in use: " + local);
    }
    VirtualSocket s = make.apply(local);
    bound.put(local, s);
    return s;
  }

  void unbind(VirtualSocket s) {
    bound.remove(s.localAddress(), s);
  }

  /**
   * Drops each datagram crossing a NAT's WAN link with probability {@code probability}, decided by a
   * Random seeded with {@code seed} (so a run is repeatable); 0 turns loss off.
   */
  public void loss(double probability, long seed) {
    onContext(() -> {
      lossProbability = probability;
      lossRandom = new Random(seed);
    });
  }

  /** Datagrams dropped so far, by reason. */
  public Map<String, Long> drops() {
    Map<String, Long> m = new TreeMap<>();
    drops.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  public long delivered() {
    return delivered.get();
  }

  /** Routes a datagram from the socket bound at {@code src}; {@code data} is copied first. */
  void send(InetSocketAddress src, byte[] data, InetSocketAddress to) {
    byte[] copy = data.clone();
    onContext(() -> route(src, copy, to));
  }

  private void route(InetSocketAddress src, byte[] data, InetSocketAddress to) {
    VirtualNat srcNat = natOfHost.get(src.getAddress());
    if (srcNat == null) {
      toInternet(src, data, to);
      return;
    }
    VirtualNat dstNat = natOfHost.get(to.getAddress());
    if (dstNat == srcNat) {
      deliver(data, src, to); // same private network
      return;
    }
    if (dstNat != null || !hosts.containsKey(to.getAddress()) && !natByPublicIp.containsKey(to.getAddress())) {
      drop("unroutable");
      return;
    }
    if (lost()) {
      return;
    }
    InetSocketAddress translated = srcNat.outbound(src, to);
    later(srcNat.latencyMillis(), () -> toInternet(translated, data, to));
  }

  private void toInternet(InetSocketAddress src, byte[] data, InetSocketAddress to) {
    VirtualNat nat = natByPublicIp.get(to.getAddress());
    if (nat == null) {
      if (!hosts.containsKey(to.getAddress()) || natOfHost.containsKey(to.getAddress())) {
        drop("unroutable");
        return;
      }
      deliver(data, src, to);
      return;
    }
    if (lost()) {
      return;
    }
    later(nat.latencyMillis(), () -> {
      InetSocketAddress internal = nat.inbound(src, to.getPort());
      if (internal == null) {
        drop("filtered");
        return;
      }
      deliver(data, src, internal);
    });
  }

  private boolean lost() {
    if (lossProbability > 0 && lossRandom.nextDouble() < lossProbability) {
      drop("loss");
      return true;
    }
    return false;
  }

  private void deliver(byte[] data, InetSocketAddress from, InetSocketAddress to) {
    VirtualSocket e = bound.get(to);
    if (e == null) {
      drop("port-unreachable");
      return;
    }
    delivered.incrementAndGet();
    e.deliver(data, from);
  }

  private void drop(String reason) {
    drops.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  private void later(long delayMillis, Runnable r) {
    if (delayMillis <= 0) {
      r.run();
    } else {
      context.setTimer(delayMillis, id -> r.run());
    }
  }

  private void onContext(Runnable r) {
    if (context.isRunningOnContext()) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }
}
