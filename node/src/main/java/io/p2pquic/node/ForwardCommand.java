package io.p2pquic.node;

import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.quic.session.StreamKind;
import io.p2pquic.quic.session.StreamPreamble;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {
      "Forward a local TCP port to a port another peer exposes: each accepted connection is one QUIC stream.",
      "Listens on --listen [ADDR:]PORT (default address 127.0.0.1) and keeps one session to PEER (opened at "
          + "start, opened again when needed after it closed); every TCP connection accepted becomes a stream to "
          + "the peer's 'p2p-node expose' target, with back-pressure both ways and half-close passed on. Bytes "
          + "are neither lost nor reordered when the session moves between the relay and a direct path. Runs "
          + "until Ctrl-C; the peer's sessions are closed with a goodbye.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node forward pq1... --listen 2222 --rendezvous ws://203.0.113.10:8088/signal   then: ssh -p 2222 localhost",
      "  p2p-node forward pq1... --listen 0.0.0.0:8080 --method relay                        LAN-wide, relayed only",
    })
final class ForwardCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardCommand.class);

  @Parameters(index = "0", paramLabel = "PEER_ID", description = "The peer running 'p2p-node expose'.")
  String peer;

  @Mixin PeerOptions peerOptions;

  @Mixin LongRunningPeerOptions longRunning;


  @Option(names = "--listen", required = true, paramLabel = "[ADDR:]PORT",
      description = "Where to accept TCP connections (a port alone means 127.0.0.1).")
  String listen;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto",
      description = "Connect method of the session: auto (default), ice, relay, dcutr, quic-native (not tcp: each "
          + "forwarded connection is a QUIC stream).")
  String method;

  @Option(names = "--timeout", paramLabel = "MS", description = "Give up connecting after MS (default connectTimeoutMs).")
  Long timeoutMs;


  @Option(names = "--quiet", description = "No per-connection lines on stderr.")
  boolean quiet;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PeerId target = parsePeer(peer);
    ConnectMethod connectMethod = parseStreamMethod(method);
    TcpEndpoint at = TcpEndpoint.parse("--listen", listen);
    PeerConfig cfg = peerOptions.resolve(longRunning.identity, null, longRunning::apply);
    long timeout = timeoutMs != null ? timeoutMs : cfg.connectTimeoutMs();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Timeline timeline = NodeRuntime.printingTimeline(out);
    Vertx vertx = NodeRuntime.vertx(cfg.cluster(), null);
    PeerNode node = NodeRuntime.await(PeerNode.start(vertx, cfg, null, NodeRuntime.metrics(), timeline, "forward", false,
        true), Duration.ofSeconds(30), "starting the peer");
    AtomicLong connections = new AtomicLong();
    java.util.Set<String> noted = java.util.concurrent.ConcurrentHashMap.newKeySet();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      socket.pause();
      long n = connections.incrementAndGet();
      node.puncher.registered()
          .compose(r -> node.session(vertx, target, connectMethod, timeout))
          .compose(session -> session.openStream(StreamPreamble.of(StreamKind.TCP)))
          .onSuccess(stream -> {
            stream.pause();
            if (!quiet) {
              LOG.info("forward: connection {} from {} -> stream {} to {}", n, socket.remoteAddress(), stream.id(),
                  target.shortId());
            }
            TcpStreamBridge.join(socket, stream, null, x -> { }, x -> { });
            String sessionId = stream.connection() == null ? null : sessionOf(node, stream);
            if (sessionId != null && noted.add(sessionId)) {
              node.relayLimitNote(sessionId).onSuccess(note -> {
                if (note != null) {
                  err.println("note: " + note);
                  err.flush();
                }
              });
            }
          })
          .onFailure(e -> {
            err.println("error: connection " + n + " not forwarded: " + e.getMessage());
            err.flush();
            socket.close();
          });
    });
    NodeRuntime.await(server.listen(at.port(), at.host()), Duration.ofSeconds(10),
        "listening on " + at + " (is the port free? pick another with --listen)");
    node.startControl(vertx);
    out.println("peer id: " + node.puncher.peerId().value());
    out.println("forwarding tcp " + at.host() + ":" + server.actualPort() + " -> " + target.value());
    out.flush();
    // The session is opened at once, so the first connection does not wait for the punch.
    node.puncher.registered().compose(r -> node.session(vertx, target, connectMethod, timeout))
        .onFailure(e -> LOG.warn("forward: no session to {} yet ({}); trying again on the first connection",
            target.shortId(), e.getMessage()));
    return NodeRuntime.runUntilStopped(vertx, node, err);
  }

  private static String sessionOf(PeerNode node, io.p2pquic.quic.QuicPeerStream stream) {
    for (var s : node.quic.quicSessions()) {
      if (s.connection() == stream.connection()) {
        return s.sessionId();
      }
    }
    return null;
  }

  static PeerId parsePeer(String value) {
    try {
      return PeerId.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PEER_ID " + value + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #parseMethod}, for commands that carry QUIC streams: method tcp is a usage error. */
  static ConnectMethod parseStreamMethod(String value) {
    ConnectMethod m = parseMethod(value);
    if (m == ConnectMethod.TCP) {
      throw new ConfigException("--method tcp: " + PeerNode.STREAMS_NEED_QUIC);
    }
    return m;
  }

  static ConnectMethod parseMethod(String value) {
    try {
      return ConnectMethod.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--method: " + e.getMessage(), e);
    }
  }
}
