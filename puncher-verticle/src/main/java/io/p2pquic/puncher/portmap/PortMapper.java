package io.p2pquic.puncher.portmap;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's port-mapping client: finds out once whether the gateway speaks PCP (RFC 6887), NAT-PMP
 * (RFC 6886) or UPnP-IGD, remembers the answer (a "none" for {@link PortMappingOptions#recheckMillis()}), and maps UDP
 * ports for sessions ({@link #map(int)}), renewing each {@link PortMapping} at half its granted lifetime
 * until it is closed. One small socket of its own talks to the gateway's port 5351; packets from anyone
 * else, or answering nothing asked, are dropped and counted ({@code p2p.portmap.dropped{reason}}).
 *
 * <p>Why three protocols: PCP is the standard (and what miniupnpd prefers), NAT-PMP and UPnP-IGD are what
 * many consumer gateways still speak alone. The probe sends PCP's ANNOUNCE and NAT-PMP's external-address
 * request together and keeps PCP when both answer; when neither does it searches for a UPnP gateway
 * ({@link UpnpIgd}).
 *
 * <p>All state lives on the Vert.x context of {@link #start()}.
 */
public final class PortMapper {
  private static final Logger LOG = LoggerFactory.getLogger(PortMapper.class);
  public static final int SERVER_PORT = 5351;
  private static final int OPCODE_ANNOUNCE = 0;
  /** A renewal that failed is tried again this much later (while the mapping has lifetime left). */
  private static final long RENEW_RETRY_MILLIS = 30_000;

  /** The protocol a gateway answered. */
  public enum Protocol {
    PCP("PCP"), NAT_PMP("NAT-PMP"), UPNP("UPnP-IGD");

    private final String label;

    Protocol(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Vertx vertx;
  private final int serverPort;
  private final PortMappingOptions options;
  private final MeterRegistry registry;
  private final SecureRandom random = new SecureRandom();
  private final List<Pending> pending = new ArrayList<>();
  private Context context;
  private DatagramSocket socket;
  private InetSocketAddress gateway;
  private InetAddress localIp;
  private Protocol protocol;
  private String unavailable = "not probed yet";
  private long checkedAtNanos;
  private boolean checked;
  private Future<Void> probing;
  private InetAddress natPmpExternal;
  private UpnpIgd upnp;
  private InetAddress upnpExternal;
  private boolean closed;
  /** Mappings granted and not deleted yet: close() deletes them, whoever forgot to. */
  private final java.util.Set<PortMapping> live = new java.util.HashSet<>();
  /** Deletions on the way: close() waits for them before it closes the socket they need. */
  private final List<Future<Void>> deleting = new ArrayList<>();

  public PortMapper(Vertx vertx, PortMappingOptions options, MeterRegistry registry) {
    this(vertx, options, registry, SERVER_PORT);
  }

  /** For tests: a gateway listening on {@code serverPort}. */
  PortMapper(Vertx vertx, PortMappingOptions options, MeterRegistry registry, int serverPort) {
    this.serverPort = serverPort;
    this.vertx = vertx;
    this.options = new PortMappingOptions(options);
    this.registry = registry;
  }

  /** One request awaiting its answer. */
  private record Pending(BiPredicate<byte[], Integer> accepts, Promise<byte[]> promise) {}

  /**
   * Finds the gateway (off the event loop), opens the socket and probes. Completes when the probe has an
   * answer (a protocol, or none); fails only when port mapping cannot run at all here.
   */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    return vertx.executeBlocking(() -> {
      InetAddress g = options.gateway() != null ? InetAddress.getByName(options.gateway())
          : DefaultGateway.find().orElse(null);
      if (g == null) {
        return null;
      }
      InetSocketAddress gw = new InetSocketAddress(g, serverPort);
      return new InetSocketAddress[] {gw, new InetSocketAddress(SocketAddresses.routeSource(gw), 0)};
    }, false).compose(found -> {
      if (found == null) {
        markUnavailable("this host has no IPv4 default gateway");
        return Future.succeededFuture();
      }
      gateway = found[0];
      localIp = found[1].getAddress();
      socket = vertx.createDatagramSocket(new DatagramSocketOptions());
      socket.handler(this::onPacket);
      return socket.listen(0, SocketAddresses.formatIp(localIp)).compose(s -> ensureProbed());
    }).recover(err -> {
      markUnavailable("cannot talk to the gateway: " + err.getMessage());
      return Future.succeededFuture();
    });
  }

  /** The gateway asked, or null when none was found. */
  public InetSocketAddress gateway() {
    return gateway;
  }

  /** The protocol the gateway answered, or null (none found, or not asked yet). */
  public Protocol protocol() {
    return protocol;
  }

  /** Whether the last probe is fresh enough to trust: then {@link #protocol()} is the answer. */
  public boolean known() {
    return checked && (protocol != null || System.nanoTime() - checkedAtNanos < options.recheckMillis() * 1_000_000);
  }

  /** Why there is no port mapping, when {@link #protocol()} is null. */
  public String unavailableReason() {
    return unavailable;
  }

  /**
   * Maps UDP {@code internalPort} of this host (its address toward the gateway) to a public port. Fails
   * with a {@link PortMappingException} naming the gateway and what it said.
   */
  public Future<PortMapping> map(int internalPort) {
    return onContext(() -> ensureProbed().compose(v -> {
      if (closed) {
        return Future.failedFuture(new PortMappingException("the port mapper is closed"));
      }
      if (protocol == null) {
        return Future.failedFuture(new PortMappingException(unavailable));
      }
      byte[] nonce = new byte[12];
      random.nextBytes(nonce);
      InetSocketAddress base = new InetSocketAddress(localIp, internalPort);
      return request(protocol, nonce, internalPort, internalPort, options.lifetimeSeconds()).map(granted -> {
        PortMapping m = new PortMapping(this, protocol, nonce, base, granted.external(), granted.lifetime());
        live.add(m);
        registry.counter("p2p.portmap.mapped", "protocol", protocol.label()).increment();
        m.renewed(granted.external(), granted.lifetime(), scheduleRenew(m, granted.lifetime() * 500));
        LOG.debug("port mapped: {}", m.describe());
        return m;
      });
    }));
  }

  /**
   * Deletes the mappings still live (a session closing as the peer shuts down may not have got to it),
   * waits for deletions on the way, then closes the socket: a process that exits leaves no port open on the
   * gateway. Bounded by the request timeout.
   */
  public Future<Void> close() {
    return onContext(() -> {
      closed = true;
      List<Future<Void>> all = new ArrayList<>(deleting);
      List.copyOf(live).forEach(m -> all.add(delete(m)));
      return Future.join(all).transform(ar -> {
        if (upnp != null) {
          upnp.close();
        }
        return socket == null ? Future.succeededFuture() : socket.close();
      });
    });
  }

  // ---- probing ----

  private Future<Void> ensureProbed() {
    if (closed || gateway == null) {
      return Future.succeededFuture();
    }
    if (known()) {
      return Future.succeededFuture();
    }
    if (probing != null) {
      return probing;
    }
    byte[] announce = ByteBuffer.allocate(24).put((byte) PcpMap.VERSION).put((byte) OPCODE_ANNOUNCE)
        .putShort((short) 0).putInt(0).put(PcpMap.sixteen(localIp)).array();
    Future<byte[]> pcp = send(announce, (d, n) -> n >= 24 && PcpMap.version(d, n) == PcpMap.VERSION
        && (d[1] & 0xff) == (0x80 | OPCODE_ANNOUNCE));
    Future<byte[]> pmp = send(NatPmp.externalAddressRequest(), (d, n) -> {
      NatPmp.ExternalAddress a = NatPmp.decodeExternalAddress(d, n);
      return a != null && a.resultCode() == 0;
    });
    probing = Future.join(pcp, pmp).transform(ar -> {
      if (pcp.succeeded() && (pcp.result()[3] & 0xff) == 0) {
        protocol = Protocol.PCP;
      } else if (pmp.succeeded()) {
        protocol = Protocol.NAT_PMP;
        byte[] d = pmp.result();
        natPmpExternal = NatPmp.decodeExternalAddress(d, d.length).address();
      } else {
        // neither: the gateway may speak UPnP-IGD alone (many consumer routers)
        return probeUpnp(pcp.succeeded()
            ? "the gateway " + SocketAddresses.formatIp(gateway.getAddress()) + " refused PCP: "
                + PcpMap.describe(pcp.result()[3] & 0xff)
            : "no PCP, NAT-PMP or UPnP-IGD answer from the gateway " + SocketAddresses.formatIp(gateway.getAddress())
                + " (port mapping is off or unsupported there)");
      }
      return probed();
    });
    return probing;
  }

  /** The probe's answer is in: remembered from now on. */
  private void answered() {
    probing = null;
    checked = true;
    checkedAtNanos = System.nanoTime();
  }

  /** UPnP-IGD: an SSDP search (gateways answer within the MX second) and the device description. */
  private Future<Void> probeUpnp(String whyNot) {
    if (upnp != null) {
      upnp.close();
      upnp = null;
    }
    return UpnpIgd.discover(vertx, gateway.getAddress(), Math.max(options.timeoutMillis(), 1_500))
        .compose(igd -> igd.externalAddress().map(ip -> {
          upnp = igd;
          upnpExternal = ip;
          protocol = Protocol.UPNP;
          return (Void) null;
        }).onFailure(err -> igd.close()))
        .recover(err -> {
          protocol = null;
          unavailable = whyNot;
          LOG.debug("no UPnP-IGD: {}", err.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> probed());
  }

  private Future<Void> probed() {
    answered();
    registry.counter("p2p.portmap.probes", "result", protocol == null ? "none" : protocol.label()).increment();
    LOG.info("port mapping: {}", protocol == null ? unavailable : "gateway "
        + SocketAddresses.formatIp(gateway.getAddress()) + " speaks " + protocol.label()
        + (upnp != null && protocol == Protocol.UPNP ? " (" + upnp.describe() + ")" : ""));
    return Future.succeededFuture();
  }

  private void markUnavailable(String why) {
    protocol = null;
    unavailable = why;
    checked = true;
    checkedAtNanos = System.nanoTime();
  }

  // ---- mapping requests ----

  private record Granted(InetSocketAddress external, long lifetime) {}

  private Future<Granted> request(Protocol p, byte[] nonce, int internalPort, int suggestedPort, long lifetime) {
    registry.counter("p2p.portmap.requests", "protocol", p.label()).increment();
    if (p == Protocol.UPNP) {
      // SOAP over HTTP: no nonce; a deletion names the external port (passed as the suggested one)
      if (lifetime == 0) {
        return upnp.delete(suggestedPort).map(v -> new Granted(null, 0));
      }
      return upnp.map(localIp, internalPort, lifetime)
          .map(port -> new Granted(new InetSocketAddress(upnpExternal, port), lifetime));
    }
    if (p == Protocol.PCP) {
      PcpMap.Request req = new PcpMap.Request(lifetime, localIp, nonce, PcpMap.UDP, internalPort, suggestedPort);
      return send(req.encode(), (d, n) -> {
        PcpMap.Response r = PcpMap.decode(d, n);
        // an error answer to a request too short to parse carries no nonce; every other answer names its mapping
        return r != null && (r.matches(req) || r.externalIp() == null && r.resultCode() != 0);
      }).compose(d -> {
        PcpMap.Response r = PcpMap.decode(d, d.length);
        if (r.resultCode() != 0) {
          return refused("PCP", PcpMap.describe(r.resultCode()));
        }
        return Future.succeededFuture(new Granted(new InetSocketAddress(r.externalIp(), r.externalPort()),
            r.lifetimeSeconds()));
      });
    }
    byte[] req = NatPmp.mapRequest(NatPmp.OPCODE_MAP_UDP, internalPort, suggestedPort, lifetime);
    return send(req, (d, n) -> {
      NatPmp.Mapping m = NatPmp.decodeMapping(d, n);
      return m != null && m.opcode() == NatPmp.OPCODE_MAP_UDP && (m.resultCode() != 0 || m.internalPort() == internalPort);
    }).compose(d -> {
      NatPmp.Mapping m = NatPmp.decodeMapping(d, d.length);
      if (m.resultCode() != 0) {
        return refused("NAT-PMP", NatPmp.describe(m.resultCode()));
      }
      if (natPmpExternal == null) {
        return refused("NAT-PMP", "no external address known");
      }
      return Future.succeededFuture(new Granted(new InetSocketAddress(natPmpExternal, m.externalPort()),
          m.lifetimeSeconds()));
    });
  }

  private <T> Future<T> refused(String protocolName, String what) {
    registry.counter("p2p.portmap.failed", "reason", "refused").increment();
    return Future.failedFuture(new PortMappingException("the gateway " + SocketAddresses.formatIp(gateway.getAddress())
        + " refused the " + protocolName + " mapping: " + what));
  }

  private long scheduleRenew(PortMapping m, long delayMillis) {
    return vertx.setTimer(Math.max(1_000, delayMillis), id -> {
      if (m.closed() || closed) {
        return;
      }
      request(m.protocol(), m.nonce(), m.internalPort(), m.external().getPort(), options.lifetimeSeconds())
          .onSuccess(g -> {
            if (!g.external().equals(m.external())) {
              LOG.warn("port mapping moved on renewal: {} is now {}", SocketAddresses.format(m.external()),
                  SocketAddresses.format(g.external()));
            }
            m.renewed(g.external(), g.lifetime(), scheduleRenew(m, g.lifetime() * 500));
          })
          .onFailure(err -> {
            LOG.warn("port mapping {} not renewed: {}", m.describe(), err.getMessage());
            m.renewed(m.external(), m.lifetimeSeconds(), scheduleRenew(m, RENEW_RETRY_MILLIS));
          });
    });
  }

  /** Deletes a mapping: lifetime 0 with its nonce (PCP section 15) or its port (NAT-PMP section 3.4). */
  Future<Void> delete(PortMapping m) {
    return onContext(() -> {
      vertx.cancelTimer(m.renewTimer());
      if (!live.remove(m) || socket == null) {
        return Future.succeededFuture();
      }
      Future<Void> f = request(m.protocol(), m.nonce(), m.internalPort(),
          m.protocol() == Protocol.UPNP ? m.external().getPort() : 0, 0)
          .<Void>mapEmpty()
          .recover(err -> {
            LOG.debug("port mapping {} not deleted: {}", m.describe(), err.getMessage());
            return Future.succeededFuture();
          });
      deleting.add(f);
      return f.onComplete(x -> deleting.remove(f));
    });
  }

  // ---- the socket ----

  /** Sends {@code payload} to the gateway at 0 and after a quarter of the timeout; the first packet accepted wins. */
  private Future<byte[]> send(byte[] payload, BiPredicate<byte[], Integer> accepts) {
    Promise<byte[]> promise = Promise.promise();
    Pending p = new Pending(accepts, promise);
    pending.add(p);
    String host = SocketAddresses.formatIp(gateway.getAddress());
    socket.send(Buffer.buffer(payload), serverPort, host);
    long retry = vertx.setTimer(Math.max(1, options.timeoutMillis() / 3), id -> {
      if (!promise.future().isComplete()) {
        socket.send(Buffer.buffer(payload), serverPort, host);
      }
    });
    long timeout = vertx.setTimer(options.timeoutMillis(), id -> {
      if (pending.remove(p)) {
        checked = false; // a gateway that stopped answering is asked again before the next session waits on it
        registry.counter("p2p.portmap.failed", "reason", "timeout").increment();
        promise.tryFail(new PortMappingException("no answer from the gateway " + host + ":" + serverPort + " within "
            + options.timeoutMillis() + " ms"));
      }
    });
    return promise.future().onComplete(ar -> {
      vertx.cancelTimer(retry);
      vertx.cancelTimer(timeout);
    });
  }

  private void onPacket(DatagramPacket packet) {
    InetSocketAddress from = new InetSocketAddress(packet.sender().host(), packet.sender().port());
    if (!from.equals(gateway)) {
      registry.counter("p2p.portmap.dropped", "reason", "not-gateway").increment();
      return;
    }
    byte[] d = packet.data().getBytes();
    if (d.length > 1100) {
      registry.counter("p2p.portmap.dropped", "reason", "oversized").increment();
      return;
    }
    for (Pending p : pending) {
      if (p.accepts().test(d, d.length)) {
        pending.remove(p);
        p.promise().tryComplete(d);
        return;
      }
    }
    registry.counter("p2p.portmap.dropped", "reason", "unsolicited").increment();
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> work) {
    if (context == null || Vertx.currentContext() == context) {
      return work.get();
    }
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(p));
    return p.future();
  }
}
