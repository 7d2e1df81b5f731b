package io.p2pquic.puncher.ice.virtual;

import io.p2pquic.api.net.SocketAddresses;
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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory IPv4 network for ICE tests: public hosts, private hosts behind {@link VirtualNat}s of
 * the four RFC 4787 behaviours, optional one-way latency on each NAT's WAN link. No root, no sockets.
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
  private final Map<InetSocketAddress, VirtualUdpEndpoint> bound = new ConcurrentHashMap<>();
  private final Map<InetAddress, Integer> nextPort = new HashMap<>();
  private final Map<String, AtomicLong> drops = new ConcurrentHashMap<>();
  private final AtomicLong delivered = new AtomicLong();

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
  public synchronized VirtualUdpEndpoint bind(String ip, int port) throws IOException {
    InetAddress a = SocketAddresses.parseIp(ip);
    if (!hosts.containsKey(a)) {
      throw new IOException("no virtual host " + ip);
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
    VirtualUdpEndpoint e = new VirtualUdpEndpoint(this, local);
    if (bound.putIfAbsent(local, e) != null) {
      throw new IOException("address in use: " + local);
    }
    return e;
  }

  void unbind(VirtualUdpEndpoint e) {
    bound.remove(e.localAddress(), e);
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

  void send(VirtualUdpEndpoint from, byte[] data, InetSocketAddress to) {
    byte[] copy = data.clone();
    InetSocketAddress src = from.localAddress();
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
    later(nat.latencyMillis(), () -> {
      InetSocketAddress internal = nat.inbound(src, to.getPort());
      if (internal == null) {
        drop("filtered");
        return;
      }
      deliver(data, src, internal);
    });
  }

  private void deliver(byte[] data, InetSocketAddress from, InetSocketAddress to) {
    VirtualUdpEndpoint e = bound.get(to);
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
