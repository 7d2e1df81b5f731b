package io.p2pquic.puncher.mdns;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This peer's mDNS responder (RFC 6762) for the names its sessions publish: listens on UDP 5353 (shared,
 * SO_REUSEADDR and SO_REUSEPORT, so avahi or another responder can run beside it), joined to 224.0.0.251
 * on every up, multicast-capable IPv4 interface, and answers A queries for its names only: by unicast to
 * a legacy resolver (source port not 5353, section 6.7) or when the question asks for it (QU bit),
 * else by multicast. Everything else is ignored and counted ({@code p2p.mdns.dropped{reason}}).
 * A name is a random UUID (draft-ietf-mmusic-mdns-ice-candidates): it says nothing about the host.
 */
public final class MdnsResponder {
  private static final Logger LOG = LoggerFactory.getLogger(MdnsResponder.class);
  public static final String GROUP = "224.0.0.251";
  public static final int PORT = 5353;

  private final Vertx vertx;
  private final MdnsOptions options;
  private final MeterRegistry registry;
  private final String bindHost;
  private final int bindPort;
  private final Map<String, Inet4Address> names = new ConcurrentHashMap<>();
  private DatagramSocket socket;

  public MdnsResponder(Vertx vertx, MdnsOptions options, MeterRegistry registry) {
    this(vertx, options, registry, "0.0.0.0", PORT);
  }

  /** For tests: a responder on another address and port (no multicast group joined unless it is 5353). */
  MdnsResponder(Vertx vertx, MdnsOptions options, MeterRegistry registry, String bindHost, int bindPort) {
    this.vertx = vertx;
    this.options = new MdnsOptions(options);
    this.registry = registry;
    this.bindHost = bindHost;
    this.bindPort = bindPort;
  }

  /** Binds and joins the group on each interface; fails when 5353 cannot be bound at all. */
  public Future<Void> start() {
    socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReuseAddress(true).setReusePort(true)
        .setMulticastTimeToLive(255).setIpV6(false));
    socket.handler(this::onPacket);
    return socket.listen(bindPort, bindHost).compose(s -> {
      if (bindPort != PORT) {
        return Future.succeededFuture();
      }
      List<Future<?>> joins = new ArrayList<>();
      for (String nif : multicastInterfaces()) {
        joins.add(socket.listenMulticastGroup(GROUP, nif, null)
            .onFailure(err -> LOG.debug("mDNS: cannot join {} on {}: {}", GROUP, nif, err.getMessage())));
      }
      return Future.join(joins).<Void>mapEmpty().recover(err -> Future.succeededFuture());
    });
  }

  /** Publishes {@code ip} under a fresh random name; returns the name ({@code <uuid>.local}). */
  public String register(Inet4Address ip) {
    String name = UUID.randomUUID() + ".local";
    names.put(name, ip);
    return name;
  }

  public void unregister(String name) {
    names.remove(MdnsMessages.normalize(name));
  }

  /** The port actually bound (tests bind 0). */
  public int port() {
    return socket.localAddress().port();
  }

  public Future<Void> close() {
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  private void onPacket(DatagramPacket packet) {
    byte[] data = packet.data().getBytes();
    if (data.length > MdnsMessages.MAX_DATAGRAM) {
      dropped("oversized");
      return;
    }
    if (data.length >= 3 && (data[2] & 0x80) != 0) {
      dropped("response"); // another responder's answer: we cache nothing
      return;
    }
    MdnsMessages.Query q = MdnsMessages.decodeQuery(data);
    if (q == null) {
      dropped("malformed");
      return;
    }
    boolean legacy = packet.sender().port() != PORT;
    boolean answered = false;
    for (String name : q.names()) {
      Inet4Address ip = names.get(name);
      if (ip == null) {
        continue;
      }
      answered = true;
      long ttl = legacy ? Math.min(10, options.ttlSeconds()) : options.ttlSeconds();
      byte[] answer = MdnsMessages.answer(q.id(), name, ip, ttl, legacy);
      if (legacy || q.unicastResponse()) {
        socket.send(Buffer.buffer(answer), packet.sender().port(), packet.sender().host());
      } else {
        socket.send(Buffer.buffer(answer), PORT, GROUP);
      }
      registry.counter("p2p.mdns.answered").increment();
    }
    if (!answered) {
      dropped("not-ours");
    }
  }

  private void dropped(String reason) {
    registry.counter("p2p.mdns.dropped", "reason", reason).increment();
  }

  private static List<String> multicastInterfaces() {
    List<String> out = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && nif.supportsMulticast() && !nif.isLoopback()
            && Collections.list(nif.getInetAddresses()).stream().anyMatch(a -> a instanceof Inet4Address)) {
          out.add(nif.getName());
        }
      }
    } catch (SocketException e) {
      LOG.debug("mDNS: cannot list interfaces: {}", e.getMessage());
    }
    return out;
  }
}
