package io.p2pquic.examples;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A service on another cluster node that uses a peer it does not run. Two peers run elsewhere with
 * {@code p2p-node peer --cluster} (one of them with {@code --echo}); this program joins their Hazelcast
 * cluster and, only through the clustered event bus:
 * <ol>
 *   <li>asks peer FROM to open a session to peer TO ({@code p2p.peer.connect.<FROM>});
 *   <li>sends each message on the session ({@code p2p.session.<FROM>.<id>.send}) and reads what comes back
 *       ({@code p2p.session.<FROM>.<id>.data});
 *   <li>closes the session ({@code p2p.session.<FROM>.<id>.close}) and waits for its {@code closed} event.
 * </ol>
 *
 * <pre>
 * java -cp ... io.p2pquic.examples.ClusteredServiceExample --cluster-config conf/cluster.xml \
 *     --from pq1... --to pq1... [--message hello]... [--method auto] [--timeout-ms 20000]
 * </pre>
 *
 * Exit code 0 when every message came back unchanged, 1 otherwise, 2 for bad arguments.
 */
public final class ClusteredServiceExample {
  private ClusteredServiceExample() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** The command line: joins the cluster, talks, leaves. Blocks (call it from main, not from an event loop). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    ExampleArgs a;
    PeerId from;
    PeerId to;
    try {
      a = new ExampleArgs(args, Set.of("--cluster-config", "--from", "--to", "--message", "--method", "--timeout-ms"),
          Set.of());
      from = PeerId.parse(a.required("--from"));
      to = PeerId.parse(a.required("--to"));
    } catch (IllegalArgumentException e) {
      err.println("usage error: " + e.getMessage());
      err.println("usage: ClusteredServiceExample --cluster-config conf/cluster.xml --from PEER_ID --to PEER_ID "
          + "[--message TEXT]... [--method auto] [--timeout-ms 20000]");
      return 2;
    }
    List<String> messages = a.values("--message").isEmpty() ? List.of("hello from another node") : a.values("--message");
    Vertx vertx;
    try {
      vertx = joinCluster(Path.of(a.value("--cluster-config", "conf/cluster.xml")));
    } catch (Exception e) {
      err.println("could not join the cluster: " + e.getMessage());
      return 1;
    }
    try {
      List<String> echoed = converse(vertx, from, to, messages, a.value("--method", "auto"),
          Long.parseLong(a.value("--timeout-ms", "20000")), out::println).await();
      boolean same = echoed.equals(messages);
      out.println(same ? "every message came back unchanged" : "the echo differs: sent " + messages + ", got " + echoed);
      return same ? 0 : 1;
    } catch (Exception e) {
      // A connect failure's message says what happened and what to do next (docs/api.md, failure codes).
      err.println("error: " + e.getMessage());
      return 1;
    } finally {
      vertx.close().await(); // leaves the cluster
    }
  }

  /**
   * A clustered Vert.x with the same Hazelcast file the peers use (conf/cluster.xml: same cluster name and
   * members). {@code await()} blocks: fine on the main thread, never on an event loop.
   */
  public static Vertx joinCluster(Path clusterXml) throws java.io.IOException {
    Config hz = new XmlConfigBuilder(clusterXml.toString()).build();
    // Listen only on the interfaces the file names, as p2p-node's members do (Hazelcast binds every address otherwise).
    hz.setProperty("hazelcast.socket.bind.any", "false");
    return Vertx.builder().withClusterManager(new HazelcastClusterManager(hz)).buildClustered().await();
  }

  /**
   * The service itself: open a session from {@code from} to {@code to}, send each message and wait for its
   * echo, close. Completes with the echoed messages, in order.
   *
   * <p>Everything runs on one Vert.x context: the data consumer and the request callbacks then never run at the
   * same time, so the shared state below needs no locks.
   *
   * @param print gets one line per step (session up, each echo, closed)
   */
  public static Future<List<String>> converse(Vertx vertx, PeerId from, PeerId to, List<String> messages,
      String method, long timeoutMs, Consumer<String> print) {
    Context context = vertx.getOrCreateContext();
    Promise<List<String>> result = Promise.promise();
    context.runOnContext(v -> new Conversation(vertx, from, print, timeoutMs)
        .run(to, messages, method).onComplete(result));
    return result.future();
  }

  /** One session's worth of state: the bytes echoed so far and who waits for how many. */
  private static final class Conversation {
    private final Vertx vertx;
    private final EventBus bus;
    private final PeerId from;
    private final Consumer<String> print;
    private final long timeoutMs;
    private final Buffer echoed = Buffer.buffer();
    private int awaitedBytes;
    private Promise<Void> awaited;

    Conversation(Vertx vertx, PeerId from, Consumer<String> print, long timeoutMs) {
      this.vertx = vertx;
      this.bus = vertx.eventBus();
      this.from = from;
      this.print = print;
      this.timeoutMs = timeoutMs;
    }

    Future<List<String>> run(PeerId to, List<String> messages, String method) {
      // 1. Connect. The scoped address names the peer, so it reaches that peer's node from anywhere in the
      //    cluster (plain p2p.peer.connect stays in each peer's own JVM). The reply is the session description.
      JsonObject request = new JsonObject().put("peer", to.value()).put("method", method).put("timeoutMs", timeoutMs);
      return bus.<JsonObject>request(Addresses.peerConnect(from), request,
              new DeliveryOptions().setSendTimeout(timeoutMs + 10_000))
          .compose(reply -> {
            JsonObject session = reply.body();
            String id = session.getString("sessionId");
            print.accept("session " + id + " from " + from.shortId() + " to " + to.shortId() + ": path "
                + session.getString("path") + ", " + session.getValue("rttMs") + " ms round trip");
            return talk(id, messages)
                .compose(echoes -> close(id).map(echoes),
                    err -> close(id).transform(x -> Future.failedFuture(err)));
          });
    }

    /** 2. Every message in turn: send it, wait until as many bytes came back. */
    private Future<List<String>> talk(String sessionId, List<String> messages) {
      // Subscribe before sending: .data is published, and whatever arrives before the consumer is registered
      // cluster-wide (completion) is lost to us.
      MessageConsumer<Buffer> data = bus.consumer(Addresses.sessionData(from, sessionId), m -> received(m.body()));
      List<String> echoes = new ArrayList<>();
      Future<Void> chain = data.completion();
      for (String message : messages) {
        chain = chain.compose(v -> exchange(sessionId, message)).map(echo -> {
          print.accept("sent \"" + message + "\", echoed \"" + echo + "\"");
          echoes.add(echo);
          return null;
        });
      }
      return chain.map(v -> echoes).onComplete(x -> data.unregister());
    }

    private Future<String> exchange(String sessionId, String message) {
      Buffer bytes = Buffer.buffer(message, StandardCharsets.UTF_8.name());
      int start = echoed.length();
      awaitedBytes = start + bytes.length();
      Promise<Void> echo = Promise.promise();
      awaited = echo;
      // A peer that does not echo (started without --echo) would leave us waiting: give up after timeoutMs.
      long timer = vertx.setTimer(timeoutMs, t -> echo.tryFail("no echo of \"" + message + "\" within " + timeoutMs
          + " ms (is the other peer running with --echo?)"));
      Future<Void> back = echo.future().onComplete(x -> vertx.cancelTimer(timer));
      // The reply to .send comes once the bytes are written to the QUIC stream: waiting for it before sending
      // more is the back-pressure. The echo then arrives on .data, maybe in several pieces.
      return bus.request(Addresses.sessionSend(from, sessionId), bytes)
          .compose(written -> back)
          .map(v -> echoed.getString(start, awaitedBytes, StandardCharsets.UTF_8.name()));
    }

    private void received(Buffer bytes) {
      echoed.appendBuffer(bytes);
      if (awaited != null && echoed.length() >= awaitedBytes) {
        awaited.tryComplete();
      }
    }

    /** 3. Close: the QUIC connection ends, both peers publish a "closed" event. We wait for ours. */
    private Future<Void> close(String sessionId) {
      Promise<Void> closed = Promise.promise();
      MessageConsumer<JsonObject> events = bus.consumer(Addresses.SESSION_EVENTS, m -> {
        JsonObject e = m.body();
        if ("closed".equals(e.getString("type")) && sessionId.equals(e.getString("sessionId"))
            && from.value().equals(e.getString("localPeer"))) {
          print.accept("closed: " + e.getString("reason"));
          closed.tryComplete();
        }
      });
      return events.completion()
          .compose(v -> bus.request(Addresses.sessionClose(from, sessionId),
              new JsonObject().put("reason", "done, said the service on another node")))
          .compose(v -> {
            long timer = vertx.setTimer(10_000, t -> closed.tryFail("closed, but no \"closed\" event within 10 s"));
            return closed.future().onComplete(x -> vertx.cancelTimer(timer));
          })
          .onComplete(x -> events.unregister());
    }
  }
}
