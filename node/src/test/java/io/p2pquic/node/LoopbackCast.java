package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the loopback tests share: one Vert.x, a rendezvous on 127.0.0.1 with ephemeral ports, and peers
 * of it (loopback host candidates, IPv4), with one registry and one timeline (printed to the test's
 * output file). The NAT-lab tests have {@code lab.LabCast} for the same role across namespaces.
 */
final class LoopbackCast implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final Timeline timeline = new Timeline();
  /** Every {@code p2p.session.events} event, once {@link #recordEvents()} was called. */
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
  final RendezvousVerticle rendezvous;

  private LoopbackCast(JsonObject rendezvousConfig) throws Exception {
    timeline.listener(e -> System.out.println(e.format()));
    JsonObject config = new JsonObject().put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0)).mergeIn(rendezvousConfig, true);
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(config), metrics);
    try {
      await(vertx.deployVerticle(rendezvous));
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  /** A rendezvous with the defaults (relay closed). */
  static LoopbackCast start() throws Exception {
    return new LoopbackCast(new JsonObject());
  }

  /** A rendezvous with {@code config} merged (deeply) over bind 127.0.0.1 and ephemeral HTTP and STUN ports. */
  static LoopbackCast start(JsonObject config) throws Exception {
    return new LoopbackCast(config);
  }

  String signalUrl() {
    return "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
  }

  /** Loopback host candidates, IPv4 only; with the rendezvous's STUN server when {@code stun}. */
  GatheringOptions gathering(boolean stun) {
    return new GatheringOptions().stunServers(stun ? List.of(SocketAddresses.format(rendezvous.stunAddress())) : List.of())
        .includeLoopback(true).ipv6(false);
  }

  /** A peer configuration for this rendezvous (see {@link #gathering}). */
  PeerConfig peerConfig(boolean stun) {
    return new PeerConfig().setRendezvous(signalUrl()).setGathering(gathering(stun));
  }

  /** A new peer with {@code peerConfig(true)}; {@code echo} makes it echo its streams. */
  PeerNode peer(String name, boolean echo) throws Exception {
    return peer(name, echo, peerConfig(true));
  }

  PeerNode peer(String name, boolean echo, PeerConfig config) throws Exception {
    return peer(name, echo, config, PeerIdentity.generate());
  }

  PeerNode peer(String name, boolean echo, PeerConfig config, PeerIdentity identity) throws Exception {
    return await(PeerNode.start(vertx, config, identity, metrics, timeline, name, echo));
  }

  /** Starts recording {@code p2p.session.events} into {@link #events}. */
  LoopbackCast recordEvents() throws Exception {
    await(vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> events.add(m.body())).completion());
    return this;
  }

  /** Asks {@code from} over the event bus to connect to {@code to}; the session description. */
  JsonObject connect(PeerNode from, PeerNode to, String method, long timeoutMs) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(from.puncher.peerId()),
            new JsonObject().put("peer", to.puncher.peerId().value()).put("method", method).put("timeoutMs", timeoutMs),
            new DeliveryOptions().setSendTimeout(timeoutMs + 5_000))
        .map(m -> m.body()));
  }

  @Override
  public void close() throws Exception {
    await(vertx.close());
  }
}
