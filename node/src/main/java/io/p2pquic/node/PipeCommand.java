package io.p2pquic.node;

import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.quic.QuicPeerStream;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.quic.session.PeerSession;
import io.p2pquic.quic.session.StreamKind;
import io.p2pquic.quic.session.StreamPreamble;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "pipe",
    mixinStandardHelpOptions = true,
    description = {
      "Connect stdin and stdout to another peer over one QUIC stream, like nc.",
      "'pipe PEER' connects to a peer running 'pipe --listen'; stdin goes to the other side's stdout and back. "
          + "End of stdin ends our direction (FIN); the command exits 0 once both directions have ended. stdout "
          + "carries only the data: the timeline, progress and errors go to stderr. The listening side prints its "
          + "peer id on stderr and serves one pipe.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node pipe --listen > received.tar                     (machine A; prints its peer id on stderr)",
      "  tar c dir | p2p-node pipe pq1... --rendezvous ws://203.0.113.10:8088/signal    (machine B)",
    })
final class PipeCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "PEER_ID", description = "The peer running 'pipe --listen'.")
  String peer;

  @Option(names = "--listen", description = "Wait for one incoming pipe instead of connecting.")
  boolean listen;

  @Mixin PeerOptions peerOptions;

  @Option(names = "--identity", paramLabel = "FILE", defaultValue = "${env:P2P_IDENTITY}",
      description = "Identity file (--listen: created if missing, default p2p-identity.json; else a fresh key).")
  String identity;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto",
      description = "Connect method: auto (default), ice, relay, dcutr, quic-native (not tcp: a pipe is a QUIC stream).")
  String method;

  @Option(names = "--timeout", paramLabel = "MS", description = "Give up connecting after MS (default connectTimeoutMs).")
  Long timeoutMs;

  @Option(names = "--quiet", description = "No progress or timeline on stderr.")
  boolean quiet;

  @Spec CommandSpec spec;

  /** stdin and stdout as raw bytes (tests replace them). */
  InputStream in = System.in;
  OutputStream out = System.out;

  @Override
  public Integer call() throws Exception {
    if (listen == (peer != null)) {
      throw new ConfigException(listen ? "pipe --listen takes no PEER_ID" : "pipe needs PEER_ID, or --listen");
    }
    ConnectMethod connectMethod = ForwardCommand.parseStreamMethod(method);
    PeerConfig cfg = peerOptions.resolve(identity, null, j -> ConfigFiles.with(j, "control.port", 0));
    PrintWriter err = spec.commandLine().getErr();
    Timeline timeline = quiet ? new Timeline() : NodeRuntime.printingTimeline(err);
    Vertx vertx = NodeRuntime.vertx();
    try {
      PeerIdentity me = !listen && identity == null ? PeerIdentity.generate() : null;
      PeerNode node = NodeRuntime.await(PeerNode.start(vertx, cfg, me, NodeRuntime.metrics(), timeline, "pipe", false,
          listen), Duration.ofSeconds(30), "starting the peer");
      Future<QuicPeerStream> stream;
      Promise<PeerSession[]> sessionOf = Promise.promise();
      if (listen) {
        err.println("peer id: " + node.puncher.peerId().value());
        err.println("waiting for 'p2p-node pipe " + node.puncher.peerId().value() + "'");
        err.flush();
        Promise<QuicPeerStream> first = Promise.promise();
        AtomicBoolean taken = new AtomicBoolean();
        node.quic.streamService(StreamKind.PIPE, (session, s, preamble, early) -> {
          if (!taken.compareAndSet(false, true)) {
            s.reset(io.p2pquic.quic.session.PeerSession.STREAM_REFUSED); // one pipe per listener
            return;
          }
          sessionOf.tryComplete(new PeerSession[] {session});
          if (early.length() > 0) {
            try {
              writeOut(early);
            } catch (IOException e) {
              s.reset(io.p2pquic.quic.session.PeerSession.STREAM_REFUSED);
              return;
            }
          }
          first.complete(s);
        });
        stream = first.future();
      } else {
        PeerId target = ForwardCommand.parsePeer(peer);
        long timeout = timeoutMs != null ? timeoutMs : cfg.connectTimeoutMs();
        stream = node.session(vertx, target, connectMethod, timeout)
            .compose(s -> {
              sessionOf.tryComplete(new PeerSession[] {s});
              return s.openStream(StreamPreamble.of(StreamKind.PIPE));
            });
      }
      QuicPeerStream s = NodeRuntime.await(stream, Duration.ofDays(365), "waiting for the pipe");
      TransferProgress progress = TransferProgress.start(vertx, err, quiet, () -> null);
      CountDownLatch outDone = new CountDownLatch(1);
      // stream -> stdout on a writer thread of its own, paused only while megabytes wait (OutputPump)
      OutputPump.start(s, out, progress::received, "pipe-stdout")
          .done().onComplete(ar -> outDone.countDown());
      s.closeHandler(v -> outDone.countDown());
      s.resume();
      // stdin -> stream through direct buffers, back-pressured (InputPump); writes are not awaited one by one
      // (a round trip to the event loop per 64 KiB chunk capped a pipe at a third of the stream's speed).
      InputPump.send(in, s, progress::sent);
      NodeRuntime.await(s.end(), Duration.ofSeconds(30), "ending the stream");
      outDone.await();
      progress.finish(!quiet);
      PeerSession session = sessionOf.future().result()[0];
      // Both directions are done here, but the peer may not have read all we sent yet (it is in its QUIC
      // stack): say we have read everything, and close only once the peer says the same (or closes).
      session.announceReadAll(s.id());
      Promise<Void> peerDone = Promise.promise();
      session.peerReadAll(s.id()).onComplete(peerDone);
      session.connection().closeFuture().onComplete(x -> peerDone.tryComplete());
      try {
        NodeRuntime.await(peerDone.future(), Duration.ofSeconds(60), "waiting for the peer to read everything");
      } catch (IllegalStateException timedOut) {
        err.println("note: the peer did not confirm it read everything within 60 s; closing anyway");
      }
      NodeRuntime.await(session.close("pipe done").otherwiseEmpty(), Duration.ofSeconds(5), "closing the session");
      return ExitCodes.OK;
    } finally {
      NodeRuntime.awaitCleanup(vertx.close(), Duration.ofSeconds(10), "stopping");
    }
  }

  private void writeOut(Buffer data) throws IOException {
    out.write(data.getBytes());
  }
}
