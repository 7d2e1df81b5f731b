package io.p2pquic.puncher.ice.virtual;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.agent.IceAgent;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.ice.agent.IceAgentState;
import io.p2pquic.puncher.ice.agent.IceEvent;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One ICE peer on a {@link VirtualNetwork}: a socket, its STUN client (with the agent behind it for
 * inbound checks), the agent, and a recording of its events and states. Create it on the network's
 * context ({@link VirtualNetwork#call}) so that everything shares that context.
 */
public final class VirtualPeer {
  private static final RetransmitPolicy GATHER = RetransmitPolicy.of(20, 3, 2);

  private final String name;
  private final VirtualNetwork network;
  private final VirtualUdpEndpoint endpoint;
  private final StunClient client;
  private final IceAgent agent;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final List<IceEvent> events = new CopyOnWriteArrayList<>();
  private final List<IceAgentState> states = new CopyOnWriteArrayList<>();
  private volatile IceCredentials credentials;

  private VirtualPeer(Vertx vertx, VirtualNetwork network, String name, VirtualUdpEndpoint endpoint, IceRole role,
      IceAgentOptions options) {
    this.name = name;
    this.network = network;
    this.endpoint = endpoint;
    this.credentials = IceCredentials.random();
    this.client = new StunClient(vertx, endpoint, metrics);
    this.agent = new IceAgent(vertx, options, role, credentials, metrics)
        .eventHandler(events::add)
        .stateHandler(states::add);
    client.installAsHandler(agent.incomingHandler(client));
  }

  /** A peer on host {@code ip} (already added to the network), socket on port 0. Call on the network context. */
  public static VirtualPeer create(Vertx vertx, VirtualNetwork network, String name, String ip, IceRole role,
      IceAgentOptions options) throws Exception {
    return new VirtualPeer(vertx, network, name, network.bind(ip, 0), role, options);
  }

  /**
   * Trickles towards {@code remote} as a signalling channel with a one-way delay would: credentials,
   * then the host candidate, then the server-reflexive one when STUN answers, then end-of-candidates.
   * Completes when gathering is done. Call on the network context.
   */
  public Future<Void> trickleTo(VirtualPeer remote, InetSocketAddress stunServer, long signallingDelayMillis) {
    IceCredentials mine = credentials;
    later(signallingDelayMillis, () -> remote.agent.setRemoteCredentials(mine));
    Candidate host = Candidate.host(endpoint.localAddress(), 65535, 1);
    agent.addLocalCandidate(host, client);
    later(signallingDelayMillis, () -> remote.agent.addRemoteCandidate(host));
    Promise<Void> done = Promise.promise();
    Future<InetSocketAddress> binding = stunServer == null
        ? Future.failedFuture("no STUN server")
        : client.binding(stunServer, GATHER);
    binding.onComplete(ar -> {
      if (ar.succeeded() && !SocketAddresses.sameEndpoint(ar.result(), host.address())) {
        Candidate srflx = Candidate.serverReflexive(ar.result(), host.address(), stunServer.getAddress(), 65535, 1);
        agent.addLocalCandidate(srflx, client);
        later(signallingDelayMillis, () -> remote.agent.addRemoteCandidate(srflx));
      }
      agent.localCandidatesComplete();
      later(signallingDelayMillis, remote.agent::remoteCandidatesComplete);
      done.complete();
    });
    return done.future();
  }

  /** ICE restart towards {@code remote}: new credentials here, signalled with the host and srflx candidates again. */
  public Future<Void> restartTowards(VirtualPeer remote, long signallingDelayMillis) {
    IceCredentials fresh = IceCredentials.random();
    credentials = fresh;
    agent.restart(fresh);
    List<Candidate> mine = agent.localCandidates().stream()
        .filter(c -> c.type() != io.p2pquic.puncher.ice.CandidateType.PEER_REFLEXIVE)
        .toList();
    later(signallingDelayMillis, () -> {
      remote.agent.setRemoteCredentials(fresh);
      mine.forEach(remote.agent::addRemoteCandidate);
      remote.agent.remoteCandidatesComplete();
    });
    return Future.succeededFuture();
  }

  private void later(long delay, Runnable r) {
    if (delay <= 0) {
      network.context().runOnContext(v -> r.run());
    } else {
      network.context().setTimer(delay, id -> r.run());
    }
  }

  public String name() {
    return name;
  }

  public IceAgent agent() {
    return agent;
  }

  public StunClient client() {
    return client;
  }

  public VirtualUdpEndpoint endpoint() {
    return endpoint;
  }

  public SimpleMeterRegistry metrics() {
    return metrics;
  }

  public IceCredentials credentials() {
    return credentials;
  }

  public List<IceEvent> events() {
    return List.copyOf(events);
  }

  public List<IceAgentState> states() {
    return List.copyOf(states);
  }

  /** The recorded events, one per line, for assertion messages. */
  public String timeline() {
    StringBuilder sb = new StringBuilder(name).append(":\n");
    events.forEach(e -> sb.append("  ").append(e).append('\n'));
    return sb.toString();
  }

  @Override
  public String toString() {
    return name + " " + agent;
  }
}
