package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.socket.DatagramChannel;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.quicnative.QuicNativeOptions;
import io.p2pquic.puncher.session.SessionOptions;
import io.p2pquic.puncher.PuncherVerticle;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.ice.virtual.VirtualNatType;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.quic.session.QuicVerticle;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the loopback tests share: one Vert.x, a rendezvous on 127.0.0.1 with ephemeral ports, and peers
 * of it (loopback host candidates, IPv4), with one registry and one timeline (printed to the test's
 * output file). A test class holds one as a JUnit extension: the rendezvous is up before its
 * {@code @BeforeAll} methods run and everything is closed after its last test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LoopbackCast cast = LoopbackCast.forClass();
 * }</pre>
 *
 * <p>The NAT-lab tests have {@code lab.LabCast} for the same role across namespaces.
 */
final class LoopbackCast implements BeforeAllCallback, AfterAllCallback {
  final Vertx vertx = Vertx.vertx();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final Timeline timeline = new Timeline();
  /** Every {@code p2p.session.events} event, when made with {@link #recordingEvents()}. */
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final JsonObject rendezvousConfig;
  private boolean recordEvents;
  /** Makes the rendezvous's UDP sockets when set ({@link #rendezvousUdp}). */
  private Function<String, DatagramChannel> rendezvousUdp;
  /** Deployed before the class's first test. */
  RendezvousVerticle rendezvous;

  private LoopbackCast(JsonObject rendezvousConfig) {
    this.rendezvousConfig = rendezvousJson(rendezvousConfig);
  }

  /**
   * A loopback rendezvous's configuration: {@code config} merged (deeply) over bind 127.0.0.1 and ephemeral
   * HTTP and STUN ports. For tests that deploy their own (another registry, or a Vert.x of their own).
   */
  static JsonObject rendezvousJson(JsonObject config) {
    return new JsonObject().put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0)).mergeIn(config, true);
  }

  /** A rendezvous with the defaults (relay closed). */
  static LoopbackCast forClass() {
    return new LoopbackCast(new JsonObject());
  }

  /** A rendezvous with {@code config} merged (deeply) over bind 127.0.0.1 and ephemeral HTTP and STUN ports. */
  static LoopbackCast forClass(JsonObject config) {
    return new LoopbackCast(config);
  }

  /** Records every {@code p2p.session.events} event into {@link #events} from the start. */
  LoopbackCast recordingEvents() {
    recordEvents = true;
    return this;
  }

  /**
   * The rendezvous's UDP sockets (STUN, TURN relays, QUIC signalling) come from {@code sockets}, e.g. a
   * virtual network's channels; its HTTP signalling stays on loopback TCP.
   */
  LoopbackCast rendezvousUdp(Function<String, DatagramChannel> sockets) {
    rendezvousUdp = sockets;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    timeline.listener(e -> System.out.println(e.format()));
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(rendezvousConfig), metrics);
    if (rendezvousUdp != null) {
      rendezvous.udpSockets(rendezvousUdp);
    }
    await(vertx.deployVerticle(rendezvous));
    if (recordEvents) {
      await(vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> events.add(m.body())).completion());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    await(vertx.close());
  }

  String signalUrl() {
    return signalUrl(rendezvous);
  }

  /** The signalling URL of a rendezvous deployed on 127.0.0.1 ({@link #rendezvousJson}). */
  static String signalUrl(RendezvousVerticle rendezvous) {
    return "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
  }

  /** Loopback host candidates, IPv4 only; with the rendezvous's STUN server when {@code stun}. */
  GatheringOptions gathering(boolean stun) {
    return gathering(stun ? rendezvous : null);
  }

  /** Loopback host candidates, IPv4 only; with {@code stunFrom}'s STUN server unless null. */
  static GatheringOptions gathering(RendezvousVerticle stunFrom) {
    return new GatheringOptions().setStunServers(stunFrom != null ? List.of(SocketAddresses.format(stunFrom.stunAddress())) : List.of())
        .setIncludeLoopback(true).setIpv6(false);
  }

  /** A peer configuration for this rendezvous (see {@link #gathering}). */
  PeerConfig peerConfig(boolean stun) {
    return new PeerConfig().setRendezvous(signalUrl()).setGathering(gathering(stun));
  }

  /** A peer configuration for a rendezvous a test deployed on 127.0.0.1 itself, with its STUN server. */
  static PeerConfig peerConfig(RendezvousVerticle rendezvous) {
    return new PeerConfig().setRendezvous(signalUrl(rendezvous)).setGathering(gathering(rendezvous));
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

  /** Asks {@code from} over the event bus to connect to {@code to}; the session description. */
  JsonObject connect(PeerNode from, PeerNode to, String method, long timeoutMs) throws Exception {
    return connect(from.puncher, to.puncher, method, timeoutMs);
  }

  /** As {@link #connect(PeerNode, PeerNode, String, long)}, for bare puncher verticles. */
  JsonObject connect(PuncherVerticle from, PuncherVerticle to, String method, long timeoutMs) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(from.peerId()),
            new JsonObject().put("peer", to.peerId().value()).put("method", method).put("timeoutMs", timeoutMs),
            new DeliveryOptions().setSendTimeout(timeoutMs + 5_000))
        .map(m -> m.body()));
  }

  /**
   * An echoing peer (PuncherVerticle and QuicVerticle) on virtual host {@code hostIp} of {@code net}, behind
   * a NAT of {@code type} with public IP {@code natIp}, using the virtual STUN server at 198.51.100.1:3478;
   * it learns any TURN relay from the rendezvous's grant at registration, as in production.
   */
  /** How long a virtual peer's quic-native dialer probes the peer's candidates before it gives up. */
  static final long VIRTUAL_PROBE_TIMEOUT_MS = 3_000;

  PuncherVerticle virtualPeer(VirtualNetwork net, String name, String natIp, String hostIp, VirtualNatType type)
      throws Exception {
    net.addHost(hostIp, net.addNat(natIp, type));
    PeerConfig config = peerConfig(false)
        .setGathering(new GatheringOptions().setStunServers(List.of("198.51.100.1:3478")).setIpv6(false))
        // Checks give up after 3 s instead of the default, so a pair of NATs without a path fails fast
        // (and auto falls back to the relay fast).
        .setIce(new IceAgentOptions().setCheckingTimeoutMillis(3_000))
        // quic-native's probing likewise (session.quicNative.probeTimeoutMs, default 8 s).
        .setSession(new SessionOptions().setQuicNative(new QuicNativeOptions().setProbeTimeoutMs(VIRTUAL_PROBE_TIMEOUT_MS)));
    PuncherVerticle puncher = new PuncherVerticle(config, PeerIdentity.generate(), metrics, timeline, name)
        .datagramChannels(net.channels(hostIp));
    await(vertx.deployVerticle(puncher));
    await(vertx.deployVerticle(new QuicVerticle(puncher.identity(), config.quic(), true)));
    return puncher;
  }

}
