package io.p2pquic.bench;

import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.AckReply;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.PingRequest;
import io.p2pquic.api.signalling.frame.RegisterRequest;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.api.signalling.frame.RelayRequest;
import io.p2pquic.api.signalling.frame.ServerFrame;
import io.p2pquic.api.signalling.frame.ServerFrameDecoder;
import io.p2pquic.api.signalling.frame.SignallingFrameException;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Rendezvous load generator: many simulated peers, each a real WebSocket connection that registers with
 * its own Ed25519 key (challenge, signature, {@code registered}: docs/signalling.md 2.1), then open-loop
 * traffic: at a fixed total rate, a random registered peer sends a {@code candidate} to another random
 * registered peer through the rendezvous. Measures registrations/s, the rendezvous's delivery rate and the
 * latency from the sender's write to the receiver's read (both ends are in this JVM, so one clock).
 *
 * <p>Peers are spread round-robin over the given rendezvous URLs (one per cluster node), so with several
 * nodes most messages cross nodes. Connections come from several loopback source addresses
 * (127.0.0.2, 127.0.0.3, ...) since one source address has about 28,000 ephemeral ports per server port.
 *
 * <p>Safety: only loopback targets; every phase is bounded in time; the run always ends. Phases print to
 * stderr; the result is one text block and one JSON line on stdout ({@code --out} appends the JSON line).
 * With {@code --registered-marker FILE} the generator writes FILE when registration is over and then holds
 * (pinging) for {@code --hold} seconds before sending, so a script can measure the server's heap.
 */
public final class SignallingLoad {

  static final int MAX_PEERS = 500_000;
  private static final String CANDIDATE = "candidate:1 1 udp 2130706431 192.0.2.7 50000 typ host";

  /** Parsed and bounds-checked options. */
  record Options(List<URI> targets, int peers, int firstSource, int sources, int connectRate, List<Integer> rates, int warmupS,
      int durationS, int holdS, int pingS, int eventLoops, int registerTimeoutS, String label, Path out,
      Path registeredMarker, Path goFile, List<Long> serverPids) {

    static Options parse(String... args) {
      List<URI> targets = new ArrayList<>();
      int peers = 1000;
      int sources = 0;
      int firstSource = 2;
      int connectRate = 2000;
      List<Integer> rates = new ArrayList<>(List.of(1000));
      List<Long> serverPids = new ArrayList<>();
      int warmup = 5;
      int duration = 20;
      int hold = 0;
      int ping = 20;
      int loops = 2;
      int registerTimeout = 300;
      String label = "rendezvous";
      Path out = null;
      Path marker = null;
      Path goFile = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value (try --help)");
        }
        String v = args[++i];
        switch (a) {
          case "--target" -> {
            for (String t : v.split(",")) {
              targets.add(loopbackTarget(t.trim()));
            }
          }
          case "--peers" -> peers = Integer.parseInt(v);
          case "--sources" -> sources = Integer.parseInt(v);
          case "--first-source" -> firstSource = Integer.parseInt(v);
          case "--connect-rate" -> connectRate = Integer.parseInt(v);
          case "--rate" -> {
            rates.clear();
            for (String r : v.split(",")) {
              rates.add(Integer.parseInt(r.trim()));
            }
          }
          case "--server-pids" -> {
            for (String pid : v.split(",")) {
              serverPids.add(Long.parseLong(pid.trim()));
            }
          }
          case "--warmup" -> warmup = Integer.parseInt(v);
          case "--duration" -> duration = Integer.parseInt(v);
          case "--hold" -> hold = Integer.parseInt(v);
          case "--ping" -> ping = Integer.parseInt(v);
          case "--event-loops" -> loops = Integer.parseInt(v);
          case "--register-timeout" -> registerTimeout = Integer.parseInt(v);
          case "--label" -> label = v;
          case "--out" -> out = Path.of(v);
          case "--registered-marker" -> marker = Path.of(v);
          case "--go-file" -> goFile = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
        }
      }
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("--target ws://127.0.0.1:PORT/signal is required");
      }
      check(peers, 2, MAX_PEERS, "--peers");
      // About 25,000 connections per source address and server port leaves room in the ephemeral range.
      int needed = (peers / targets.size() + 24_999) / 25_000;
      if (sources == 0) {
        sources = Math.max(1, needed);
      }
      check(firstSource, 2, 254, "--first-source");
      check(sources, 1, 255 - firstSource, "--sources");
      check(connectRate, 1, 100_000, "--connect-rate");
      if (rates.isEmpty() || rates.size() > 20) {
        throw new IllegalArgumentException("--rate takes 1-20 comma-separated rates");
      }
      for (int r : rates) {
        check(r, 0, 1_000_000, "--rate");
      }
      check(warmup, 0, 600, "--warmup");
      check(duration, 1, 3600, "--duration");
      check(hold, 0, 600, "--hold");
      check(ping, 1, 3600, "--ping");
      check(loops, 1, 64, "--event-loops");
      check(registerTimeout, 1, 3600, "--register-timeout");
      return new Options(List.copyOf(targets), peers, firstSource, sources, connectRate, List.copyOf(rates), warmup, duration, hold,
          ping, loops, registerTimeout, label, out, marker, goFile, List.copyOf(serverPids));
    }

    private static void check(int v, int min, int max, String name) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " must be " + min + "-" + max + ", is " + v);
      }
    }
  }

  /** Only loopback: a load generator must not be pointed at anyone else's server. */
  static URI loopbackTarget(String url) {
    URI u = URI.create(url);
    if (!"ws".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0) {
      throw new IllegalArgumentException("target must be ws://127.x.x.x:PORT/PATH, is " + url);
    }
    try {
      if (!InetAddress.getByName(u.getHost()).isLoopbackAddress() || u.getHost().chars().anyMatch(Character::isLetter)) {
        throw new IllegalArgumentException("target must be a loopback IP address, is " + u.getHost());
      }
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("target host " + u.getHost() + " unknown");
    }
    return u;
  }

  /** One simulated peer. Touched only on its loop's event loop after creation. */
  private static final class Peer {
    final int index;
    final PeerIdentity identity;
    final String peerIdText;
    WebSocket ws;
    volatile boolean registered;
    long connectStartNs;

    Peer(int index, PeerIdentity identity) {
      this.index = index;
      this.identity = identity;
      this.peerIdText = identity.peerId().value();
    }
  }

  /** What the run measured. */
  record Result(String label, int nodes, int peers, int registered, int registerFailed, double registerSeconds,
      double registrationsPerSecond, double registerP50Ms, double registerP99Ms, int offeredRate, double seconds,
      long sent, long delivered, long acked, long errors, Map<String, Long> errorCodes, double deliveredPerSecond,
      double p50Ms, double p99Ms, double p999Ms, double maxMs, long dropped, double loadCpuSeconds,
      double serverCpuSeconds) {

    JsonObject toJson() {
      return new JsonObject().put("label", label).put("nodes", nodes).put("peers", peers).put("registered", registered)
          .put("registerFailed", registerFailed).put("registerSeconds", round(registerSeconds))
          .put("registrationsPerSecond", round(registrationsPerSecond)).put("registerP50Ms", round(registerP50Ms))
          .put("registerP99Ms", round(registerP99Ms)).put("offeredRate", offeredRate).put("seconds", round(seconds))
          .put("sent", sent).put("delivered", delivered).put("acked", acked).put("errors", errors)
          .put("errorCodes", new JsonObject(new java.util.TreeMap<>(errorCodes)))
          .put("deliveredPerSecond", round(deliveredPerSecond)).put("p50Ms", round(p50Ms)).put("p99Ms", round(p99Ms))
          .put("p999Ms", round(p999Ms)).put("maxMs", round(maxMs)).put("dropped", dropped)
          .put("loadCpuSeconds", round(loadCpuSeconds)).put("serverCpuSeconds", round(serverCpuSeconds))
          .put("serverCores", round(serverCpuSeconds / seconds))
          .put("serverUsPerMessage", round(delivered == 0 ? -1 : serverCpuSeconds * 1e6 / delivered));
    }

    String text() {
      return String.format(Locale.ROOT, "%s: %d node(s), %d/%d peers registered in %.1f s (%.0f/s, p50 %.1f ms, p99 %.1f ms"
          + ", %d failed)%nmessages: offered %d/s for %.1f s: sent %d, delivered %d (%.0f/s), acked %d, errors %d %s, "
          + "not delivered %d%ndelivery latency: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; load generator "
          + "CPU %.1f s, rendezvous CPU %.1f s (%.2f cores, %.1f us a message)", label, nodes, registered, peers,
          registerSeconds, registrationsPerSecond, registerP50Ms, registerP99Ms, registerFailed, offeredRate, seconds,
          sent, delivered, deliveredPerSecond, acked, errors,
          errorCodes, dropped, p50Ms, p99Ms, p999Ms, maxMs, loadCpuSeconds, serverCpuSeconds, serverCpuSeconds / seconds,
          delivered == 0 ? -1 : serverCpuSeconds * 1e6 / delivered);
    }

    private static double round(double v) {
      return Double.isFinite(v) ? Math.round(v * 100) / 100.0 : -1;
    }
  }

  private final Options o;
  private final Peer[] peers;
  private final ServerFrameDecoder decoder = new ServerFrameDecoder();
  private final ConcurrentHistogram registerLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(600), 3);
  private final ConcurrentHistogram deliveryLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(600), 3);
  private final AtomicInteger registered = new AtomicInteger();
  private final AtomicInteger registerFailed = new AtomicInteger();
  private final LongAdder sent = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder acked = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Map<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
  /** Messages count toward the result only when sent at or after this time (System.nanoTime). */
  private volatile long measureFromNs = Long.MAX_VALUE;
  private volatile long measureUntilNs = Long.MAX_VALUE;
  private final LongAdder measuredSent = new LongAdder();
  private final LongAdder measuredDelivered = new LongAdder();

  SignallingLoad(Options o) {
    this.o = o;
    long t0 = System.nanoTime();
    // Key generation and signing dominate registration on the generator's side: do the keys first, on all cores.
    this.peers = IntStream.range(0, o.peers()).parallel().mapToObj(i -> new Peer(i, PeerIdentity.generate()))
        .toArray(Peer[]::new);
    log("%d Ed25519 identities in %.1f s", o.peers(), (System.nanoTime() - t0) / 1e9);
  }

  /** Runs the phases; returns when the run is over and every connection is closed. */
  List<Result> run() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.eventLoops()).setPreferNativeTransport(true)
        .setBlockedThreadCheckInterval(10_000));
    try {
      List<Loop> loops = new ArrayList<>();
      for (int k = 0; k < o.eventLoops(); k++) {
        Loop loop = new Loop(k);
        loops.add(loop);
        vertx.deployVerticle(loop).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      // Phase 1: connect and register at the connect rate.
      long r0 = System.nanoTime();
      for (Loop l : loops) {
        l.runOnLoop(l::startConnecting);
      }
      long deadline = r0 + TimeUnit.SECONDS.toNanos(o.registerTimeoutS());
      int lastShown = -1;
      while (registered.get() + registerFailed.get() < o.peers() && System.nanoTime() < deadline) {
        Thread.sleep(1000);
        int r = registered.get();
        if (r != lastShown) {
          log("registered %d/%d (%d failed), %.0f/s", r, o.peers(), registerFailed.get(), r / ((System.nanoTime() - r0) / 1e9));
          lastShown = r;
        }
      }
      double registerSeconds = (System.nanoTime() - r0) / 1e9;
      int registeredPeers = registered.get();
      log("registration over: %d registered, %d failed in %.1f s", registeredPeers, registerFailed.get(), registerSeconds);
      if (o.registeredMarker() != null) {
        Files.writeString(o.registeredMarker(), registeredPeers + "\n");
      }
      if (o.goFile() != null) {
        // Several generators start their traffic together: whoever runs them creates the file when all are ready.
        log("waiting for %s (at most %d s)", o.goFile(), o.holdS());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.holdS());
        while (!Files.exists(o.goFile()) && System.nanoTime() < until) {
          Thread.sleep(100);
        }
      } else if (o.holdS() > 0) {
        log("holding %d s (pings only)", o.holdS());
        Thread.sleep(TimeUnit.SECONDS.toMillis(o.holdS()));
      }
      // Phase 2: open-loop messages between random registered peers, one step per rate.
      List<Result> results = new ArrayList<>();
      for (int rate : o.rates()) {
        results.add(step(loops, rate, registeredPeers, registerSeconds));
      }
      return results;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private Result step(List<Loop> loops, int rate, int registeredPeers, double registerSeconds) throws Exception {
    deliveryLatency.reset();
    measuredSent.reset();
    measuredDelivered.reset();
    acked.reset();
    errors.reset();
    errorCodes.clear();
    long start = System.nanoTime();
    measureFromNs = start + TimeUnit.SECONDS.toNanos(o.warmupS());
    measureUntilNs = measureFromNs + TimeUnit.SECONDS.toNanos(o.durationS());
    log("step: %d messages/s, %d s warm-up, %d s measured", rate, o.warmupS(), o.durationS());
    long cpu0 = 0;
    long server0 = 0;
    if (rate > 0 && registeredPeers >= 2) {
      for (Loop l : loops) {
        l.runOnLoop(() -> l.startSending(start, rate));
      }
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(Math.max(0, measureFromNs - System.nanoTime())));
      cpu0 = ProcessCpu.thisJvmNanos();
      server0 = ProcessCpu.ticks(o.serverPids());
      long end = measureUntilNs;
      while (System.nanoTime() < end) {
        Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        log("sent %d, delivered %d, errors %d", sent.sum(), delivered.sum(), errors.sum());
      }
    }
    long cpu1 = ProcessCpu.thisJvmNanos();
    long server1 = ProcessCpu.ticks(o.serverPids());
    for (Loop l : loops) {
      l.runOnLoop(l::stopSending);
    }
    // Late deliveries of measured messages still count (their latency shows it), up to 2 s.
    Thread.sleep(2000);
    double seconds = o.durationS();
    Histogram reg = registerLatency.copy();
    Histogram del = deliveryLatency.copy();
    Map<String, Long> codes = new java.util.TreeMap<>();
    errorCodes.forEach((k, v) -> codes.put(k, v.sum()));
    long ms = measuredSent.sum();
    long md = measuredDelivered.sum();
    Result r = new Result(o.label(), o.targets().size(), o.peers(), registeredPeers, registerFailed.get(),
        registerSeconds, registeredPeers / registerSeconds, ms(reg, 50), ms(reg, 99), rate, seconds, ms, md,
        acked.sum(), errors.sum(), codes, md / seconds, ms(del, 50), ms(del, 99), ms(del, 99.9),
        del.getTotalCount() == 0 ? Double.NaN : del.getMaxValue() / 1000.0, ms - md, (cpu1 - cpu0) / 1e9,
        server0 < 0 || server1 < 0 ? -1 : (server1 - server0) / 100.0);
    log("%s", r.text());
    return r;
  }


  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  /** The peers with index % loops == k, their connections and their sending, all on one event loop. */
  private final class Loop extends VerticleBase {
    private final int k;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final SplittableRandom random;
    private int nextToConnect;
    private long connectTimer = -1;
    private long sendTimer = -1;
    private long pingTimer = -1;
    private int pingCursor;
    private long sendStartNs;
    private long sentByThisLoop;
    private long messageIds;

    Loop(int k) {
      this.k = k;
      this.random = new SplittableRandom(0x5eed + k);
      this.nextToConnect = k;
    }

    @Override
    public Future<?> start() {
      for (int s = 0; s < o.sources(); s++) {
        clients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
            .setLocalAddress("127.0.0." + (o.firstSource() + s))
            .setMaxConnections(MAX_PEERS)
            .setConnectTimeout(30_000)
            .setIdleTimeout(0)));
      }
      pingTimer = vertx.setPeriodic(1000, t -> pingSome());
      return Future.succeededFuture();
    }

    void runOnLoop(Runnable r) {
      context.runOnContext(v -> r.run());
    }

    void startConnecting() {
      // Every 10 ms, this loop's share of the connect rate.
      double perTick = o.connectRate() / 100.0 / o.eventLoops();
      double[] budget = {0};
      connectTimer = vertx.setPeriodic(10, t -> {
        budget[0] += perTick;
        while (budget[0] >= 1 && nextToConnect < peers.length) {
          budget[0] -= 1;
          connect(peers[nextToConnect]);
          nextToConnect += o.eventLoops();
        }
        if (nextToConnect >= peers.length) {
          vertx.cancelTimer(connectTimer);
        }
      });
    }

    private void connect(Peer p) {
      URI target = o.targets().get(p.index % o.targets().size());
      // Spread over source addresses so that no source runs out of ephemeral ports toward one server port.
      WebSocketClient client = clients.get((p.index / o.targets().size()) % clients.size());
      p.connectStartNs = System.nanoTime();
      client.connect(new WebSocketConnectOptions().setHost(target.getHost()).setPort(target.getPort())
              .setURI(target.getRawPath()))
          .onSuccess(ws -> {
            p.ws = ws;
            ws.textMessageHandler(text -> onText(p, text));
            ws.closeHandler(v -> {
              if (!p.registered) {
                failRegistration(p, "closed before registration");
              }
              p.registered = false;
            });
          })
          .onFailure(t -> failRegistration(p, "connect: " + t.getMessage()));
    }

    private void failRegistration(Peer p, String why) {
      if (registerFailed.incrementAndGet() <= 5) {
        log("peer %d: %s", p.index, why);
      }
    }

    private void onText(Peer p, String text) {
      ServerFrame f;
      try {
        f = decoder.decode(text);
      } catch (SignallingFrameException e) {
        countError("undecodable");
        return;
      }
      if (f instanceof SignallingMessage m) {
        long t = m.body().getLong("t", 0L);
        long now = System.nanoTime();
        delivered.increment();
        if (t >= measureFromNs && t < measureUntilNs) {
          measuredDelivered.increment();
          deliveryLatency.recordValue(Math.max(0, (now - t) / 1000));
        }
      } else if (f instanceof AckReply) {
        acked.increment();
      } else if (f instanceof Challenge c) {
        p.ws.writeTextMessage(RegisterRequest.signed(p.identity, "reg", c.nonce(), false, null).toJson().encode());
      } else if (f instanceof RegisteredReply) {
        p.registered = true;
        registerLatency.recordValue((System.nanoTime() - p.connectStartNs) / 1000);
        registered.incrementAndGet();
      } else if (f instanceof ErrorReply e) {
        if ("reg".equals(e.id())) {
          failRegistration(p, "registration refused: " + e.code() + " " + e.message());
        }
        countError(e.code());
      }
    }

    private void countError(String code) {
      errors.increment();
      errorCodes.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** Keeps idle connections open: every second, the share of this loop's peers due for a ping. */
    private void pingSome() {
      int mine = (peers.length - k + o.eventLoops() - 1) / o.eventLoops();
      int due = Math.max(1, mine / o.pingS());
      for (int i = 0; i < due && mine > 0; i++) {
        pingCursor = (pingCursor + 1) % mine;
        Peer p = peers[k + pingCursor * o.eventLoops()];
        if (p.registered && p.ws != null) {
          p.ws.writeTextMessage(new PingRequest("p").toJson().encode());
        }
      }
    }

    void startSending(long startNs, int rate) {
      sendStartNs = startNs;
      sentByThisLoop = 0;
      double perLoop = (double) rate / o.eventLoops();
      sendTimer = vertx.setPeriodic(1, t -> {
        long due = (long) ((System.nanoTime() - sendStartNs) / 1e9 * perLoop) - sentByThisLoop;
        // After a long pause (GC, a busy machine) catch up by at most 50 ms of traffic at once.
        due = Math.min(due, Math.max(1, (long) (perLoop / 20)));
        for (long i = 0; i < due; i++) {
          sentByThisLoop++;
          sendOne();
        }
      });
    }

    private void sendOne() {
      int mine = (peers.length - k + o.eventLoops() - 1) / o.eventLoops();
      for (int attempt = 0; attempt < 8; attempt++) {
        Peer from = peers[k + random.nextInt(mine) * o.eventLoops()];
        Peer to = peers[random.nextInt(peers.length)];
        if (from == to || !from.registered || !to.registered) {
          continue;
        }
        long now = System.nanoTime();
        JsonObject body = new JsonObject().put("sessionId", "load-" + k + "-" + messageIds)
            .put("candidate", CANDIDATE).put("t", now);
        from.ws.writeTextMessage(new RelayRequest(SignallingProtocol.CANDIDATE, to.identity.peerId(), messageIds++, body)
            .toJson().encode());
        sent.increment();
        if (now >= measureFromNs && now < measureUntilNs) {
          measuredSent.increment();
        }
        return;
      }
    }

    void stopSending() {
      if (sendTimer >= 0) {
        vertx.cancelTimer(sendTimer);
        sendTimer = -1;
      }
    }

    @Override
    public Future<?> stop() {
      vertx.cancelTimer(pingTimer);
      vertx.cancelTimer(connectTimer);
      stopSending();
      Promise<Void> done = Promise.promise();
      List<Future<?>> closing = new ArrayList<>();
      for (WebSocketClient c : clients) {
        closing.add(c.close());
      }
      Future.join(closing).onComplete(x -> done.complete());
      return done.future();
    }
  }


  private static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[signalling-load] " + format + "%n", args);
  }

  static final String USAGE = String.join("\n",
      "usage: java -cp benchmarks.jar io.p2pquic.bench.SignallingLoad --target ws://127.0.0.1:PORT/signal[,ws://...] [options]",
      "  --peers N             simulated peers, each a WebSocket with its own Ed25519 key (default 1000)",
      "  --sources N           loopback source addresses (default: one per 25,000 connections a node)",
      "  --first-source N      the first is 127.0.0.N (default 2); several generators use distinct ranges",
      "  --connect-rate N      new connections per second during registration (default 2000)",
      "  --rate N[,N...]       messages per second, open loop, between random registered peers; several rates run",
      "                        one after the other on the same connections (default 1000; 0: none)",
      "  --server-pids P[,P]   rendezvous process ids: their CPU over each measured window is reported",
      "  --warmup S            unmeasured seconds of traffic first (default 5)",
      "  --duration S          measured seconds (default 20)",
      "  --hold S              seconds between registration and traffic, pings only (default 0)",
      "  --registered-marker F write F (the registered count) when registration is over",
      "  --go-file F           then wait (at most --hold seconds) until F exists before sending",
      "  --ping S              each peer pings every S seconds (default 20; the server closes idle connections)",
      "  --event-loops N       generator event loops (default 2)",
      "  --register-timeout S  give up waiting for registrations after S seconds (default 300)",
      "  --label L  --out FILE (append the JSON result line)");

  public static void main(String[] args) throws Exception {
    Options o = LoadCommandLine.options(args, USAGE, Options::parse);
    if (o == null) {
      return;
    }
    for (Result r : new SignallingLoad(o).run()) {
      System.out.println(r.text());
      String json = r.toJson().encode();
      System.out.println(json);
      LoadCommandLine.append(o.out(), json);
    }
    System.exit(0);
  }
}
