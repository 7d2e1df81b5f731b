package io.p2pquic.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Loopback STUN load generator: Binding requests to one UDP server from N sockets, each keeping at most
 * W requests outstanding (a closed loop: an answer, or a timeout, frees the slot for the next request),
 * for a warm-up and then a fixed measured duration. Reports answered requests per second, loss and
 * latency percentiles, as text and as one JSON line ({@code --out} appends it to a file).
 *
 * <p>Safety: the target must be 127.0.0.1 (nothing leaves the machine), every limit is bounded, and the
 * run always ends: after warm-up + duration it stops sending, waits at most one timeout for answers, and
 * also stops sending once {@code --max-requests} have been sent.
 *
 * <p>Requests are the 20-byte Binding request most clients send (no attributes). A response counts only
 * if it is a Binding success response for an outstanding transaction and its XOR-MAPPED-ADDRESS is this
 * socket's own address; anything else is counted as "bad". One thread and one selector drive all
 * sockets, so the generator takes about one core and leaves the other to the server.
 */
public final class StunLoad {
  static final int MAX_SOCKETS = 64;
  static final int MAX_WINDOW = 256;
  static final int MAX_DURATION_S = 300;
  static final int MAX_WARMUP_S = 60;
  static final int MAX_TIMEOUT_MS = 5000;
  private static final int MAGIC_COOKIE = 0x2112A442;

  /** Parsed and bounds-checked options. */
  record Options(
      InetSocketAddress target,
      int sockets,
      int window,
      int durationS,
      int warmupS,
      int timeoutMs,
      long maxRequests,
      String label,
      Path out,
      boolean probe,
      long serverPid) {

    static Options parse(String... args) {
      String target = null;
      int sockets = 4;
      int window = 8;
      int duration = 10;
      int warmup = 3;
      int timeout = 500;
      long maxRequests = 20_000_000L;
      String label = "load";
      Path out = null;
      boolean probe = false;
      long serverPid = 0;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--probe")) {
          probe = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value (try --help)");
        }
        String v = args[++i];
        switch (a) {
          case "--target" -> target = v;
          case "--sockets" -> sockets = Integer.parseInt(v);
          case "--window" -> window = Integer.parseInt(v);
          case "--duration" -> duration = Integer.parseInt(v);
          case "--warmup" -> warmup = Integer.parseInt(v);
          case "--timeout-ms" -> timeout = Integer.parseInt(v);
          case "--max-requests" -> maxRequests = Long.parseLong(v);
          case "--label" -> label = v;
          case "--out" -> out = Path.of(v);
          case "--server-pid" -> serverPid = Long.parseLong(v);
          default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
        }
      }
      if (target == null) {
        throw new IllegalArgumentException("--target 127.0.0.1:PORT is required");
      }
      check(sockets, 1, MAX_SOCKETS, "--sockets");
      check(window, 1, MAX_WINDOW, "--window");
      check(duration, 1, MAX_DURATION_S, "--duration");
      check(warmup, 0, MAX_WARMUP_S, "--warmup");
      check(timeout, 1, MAX_TIMEOUT_MS, "--timeout-ms");
      if (maxRequests < 1 || maxRequests > 1_000_000_000L) {
        throw new IllegalArgumentException("--max-requests must be 1-1000000000");
      }
      return new Options(loopbackTarget(target), sockets, window, duration, warmup, timeout, maxRequests, label, out, probe,
          serverPid);
    }

    private static void check(int v, int min, int max, String name) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " must be " + min + "-" + max + ", is " + v);
      }
    }
  }

  /** Only 127.0.0.1: a load generator must not be pointed at anyone else's server. */
  static InetSocketAddress loopbackTarget(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--target must be 127.0.0.1:PORT, is " + hostPort);
    }
    String host = hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    if (!host.equals("127.0.0.1")) {
      throw new IllegalArgumentException("--target must be 127.0.0.1 (loopback only), is " + host);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, is " + port);
    }
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** What one run measured. */
  record Result(
      String label,
      int sockets,
      int window,
      double measuredSeconds,
      long sent,
      long responses,
      long lost,
      long late,
      long bad,
      long portUnreachable,
      double responsesPerSecond,
      double lossPercent,
      double p50Us,
      double p99Us,
      double p999Us,
      double maxUs,
      double meanUs,
      int responseBytes,
      String responseAttributes,
      double runSeconds,
      long totalResponses,
      double loadCpuSeconds,
      double serverCpuSeconds) {

    /** Server CPU per answered request over the whole run (warm-up included), or NaN without --server-pid. */
    double serverCpuUsPerResponse() {
      return serverCpuSeconds < 0 || totalResponses == 0 ? Double.NaN : serverCpuSeconds * 1e6 / totalResponses;
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("label", label)
          .put("sockets", sockets)
          .put("window", window)
          .put("measuredSeconds", measuredSeconds)
          .put("sent", sent)
          .put("responses", responses)
          .put("lost", lost)
          .put("late", late)
          .put("bad", bad)
          .put("portUnreachable", portUnreachable)
          .put("responsesPerSecond", responsesPerSecond)
          .put("lossPercent", lossPercent)
          .put("p50Us", Double.isNaN(p50Us) ? null : p50Us)
          .put("p99Us", Double.isNaN(p99Us) ? null : p99Us)
          .put("p999Us", Double.isNaN(p999Us) ? null : p999Us)
          .put("maxUs", maxUs)
          .put("meanUs", meanUs)
          .put("responseBytes", responseBytes)
          .put("responseAttributes", responseAttributes)
          .put("runSeconds", runSeconds)
          .put("totalResponses", totalResponses)
          .put("loadCpuSeconds", loadCpuSeconds)
          .put("serverCpuSeconds", serverCpuSeconds)
          .put("loadCpuCores", loadCpuSeconds / runSeconds)
          .put("serverCpuCores", serverCpuSeconds < 0 ? null : serverCpuSeconds / runSeconds)
          .put("serverCpuUsPerResponse", Double.isNaN(serverCpuUsPerResponse()) ? null : serverCpuUsPerResponse());
    }

    String toText() {
      return String.format(
          Locale.ROOT,
          "%s: %d sockets x window %d, %.2f s measured: sent %d, answered %d (%.0f/s), lost %d (%.3f%%), late %d,"
              + " bad %d, port-unreachable %d; latency p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us,"
              + " mean %.1f us; response %d bytes [%s]; whole run %.2f s, %d answers, CPU: load generator %.2f s,"
              + " server %s",
          label, sockets, window, measuredSeconds, sent, responses, responsesPerSecond, lost, lossPercent, late,
          bad, portUnreachable, p50Us, p99Us, p999Us, maxUs, meanUs, responseBytes, responseAttributes,
          runSeconds, totalResponses, loadCpuSeconds,
          serverCpuSeconds < 0 ? "not measured" : String.format(Locale.ROOT, "%.2f s (%.2f cores, %.1f us per answer)",
              serverCpuSeconds, serverCpuSeconds / runSeconds, serverCpuUsPerResponse()));
    }
  }

  private final Options o;
  private final byte[] salt = new byte[6];
  /** Latency histogram with 1 us buckets up to the timeout (answers later than that are "lost"). */
  private final long[] histogram;

  private long latencySumNs;
  private long maxLatencyNs;
  private long sentTotal;
  private long measuredSent;
  private long responses;
  private long totalResponses;
  private long lost;
  private long late;
  private long bad;
  private long portUnreachable;
  private int responseBytes = -1;
  private String responseAttributes = "";

  StunLoad(Options o) {
    this.o = o;
    new SecureRandom().nextBytes(salt);
    this.histogram = new long[o.timeoutMs() * 1000 + 1];
  }

  /** One socket and its window of slots; slot i's current transaction carries generation gen[i]. */
  private final class Client {
    final DatagramChannel channel;
    final int localPort;
    final long[] sentAt;
    final int[] gen;
    final boolean[] outstanding;
    final boolean[] measured;
    final ByteBuffer tx = ByteBuffer.allocateDirect(20);

    Client(Selector selector) throws IOException {
      channel = DatagramChannel.open();
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
      channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      channel.connect(o.target());
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ, this);
      localPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
      sentAt = new long[o.window()];
      gen = new int[o.window()];
      outstanding = new boolean[o.window()];
      measured = new boolean[o.window()];
    }

    void send(int slot, long now, boolean inMeasurement) throws IOException {
      gen[slot]++;
      tx.clear();
      tx.putShort((short) 0x0001).putShort((short) 0).putInt(MAGIC_COOKIE);
      tx.putShort((short) slot).putInt(gen[slot]).put(salt);
      tx.flip();
      sentAt[slot] = now;
      outstanding[slot] = true;
      measured[slot] = inMeasurement;
      sentTotal++;
      if (inMeasurement) {
        measuredSent++;
      }
      try {
        channel.write(tx);
      } catch (PortUnreachableException e) {
        portUnreachable++; // an earlier datagram met a closed port; this one is lost, the slot times out
      }
    }
  }

  Result run() throws IOException {
    List<Client> clients = new ArrayList<>();
    ByteBuffer rx = ByteBuffer.allocateDirect(2048);
    byte[] rxBytes = new byte[2048];
    try (Selector selector = Selector.open()) {
      try {
        for (int i = 0; i < o.sockets(); i++) {
          clients.add(new Client(selector));
        }
        long serverCpuBefore = ProcessCpu.ticks(List.of(o.serverPid()));
        long loadCpuBefore = ProcessCpu.thisJvmNanos();
        long start = System.nanoTime();
        long measureStart = start + TimeUnit.SECONDS.toNanos(o.warmupS());
        long measureEnd = measureStart + TimeUnit.SECONDS.toNanos(o.durationS());
        long timeoutNs = TimeUnit.MILLISECONDS.toNanos(o.timeoutMs());
        long hardEnd = measureEnd + timeoutNs;
        long sendingStoppedAt = -1;
        long nextTimeoutScan = start;
        for (Client c : clients) {
          for (int s = 0; s < o.window() && sentTotal < o.maxRequests(); s++) {
            c.send(s, System.nanoTime(), start >= measureStart);
          }
        }
        while (true) {
          long now = System.nanoTime();
          boolean sending = now < measureEnd && sentTotal < o.maxRequests();
          if (!sending && sendingStoppedAt < 0) {
            sendingStoppedAt = Math.max(now, measureStart);
            hardEnd = Math.min(hardEnd, now + timeoutNs);
          }
          if (now >= hardEnd || (!sending && noneOutstanding(clients))) {
            break;
          }
          selector.select(Math.max(1, Math.min(5, TimeUnit.NANOSECONDS.toMillis(hardEnd - now))));
          for (SelectionKey key : selector.selectedKeys()) {
            Client c = (Client) key.attachment();
            while (true) {
              rx.clear();
              int n;
              try {
                n = c.channel.read(rx);
              } catch (PortUnreachableException e) {
                portUnreachable++;
                continue;
              }
              if (n <= 0) {
                break;
              }
              rx.flip();
              rx.get(rxBytes, 0, n);
              long t = System.nanoTime();
              onResponse(c, rxBytes, n, t, t < measureEnd && sentTotal < o.maxRequests(), t >= measureStart);
            }
          }
          selector.selectedKeys().clear();
          now = System.nanoTime();
          if (now >= nextTimeoutScan) {
            nextTimeoutScan = now + TimeUnit.MILLISECONDS.toNanos(5);
            boolean stillSending = now < measureEnd && sentTotal < o.maxRequests();
            for (Client c : clients) {
              for (int s = 0; s < o.window(); s++) {
                if (c.outstanding[s] && now - c.sentAt[s] > timeoutNs) {
                  c.outstanding[s] = false;
                  if (c.measured[s]) {
                    lost++;
                  }
                  if (stillSending) {
                    c.send(s, now, now >= measureStart);
                  }
                }
              }
            }
          }
        }
        // Whatever measured request is still unanswered now has had its full timeout (or the run's end).
        for (Client c : clients) {
          for (int s = 0; s < o.window(); s++) {
            if (c.outstanding[s] && c.measured[s]) {
              lost++;
            }
          }
        }
        double seconds = Math.max(1e-9, (sendingStoppedAt - measureStart) / 1e9);
        double runSeconds = (System.nanoTime() - start) / 1e9;
        long serverCpuAfter = ProcessCpu.ticks(List.of(o.serverPid()));
        double serverCpu = serverCpuBefore < 0 || serverCpuAfter < 0 ? -1 : (serverCpuAfter - serverCpuBefore) / 100.0;
        return result(seconds, runSeconds, (ProcessCpu.thisJvmNanos() - loadCpuBefore) / 1e9, serverCpu);
      } finally {
        for (Client c : clients) {
          c.channel.close();
        }
      }
    }
  }

  private static boolean noneOutstanding(List<Client> clients) {
    for (Client c : clients) {
      for (boolean b : c.outstanding) {
        if (b) {
          return false;
        }
      }
    }
    return true;
  }

  private void onResponse(Client c, byte[] m, int n, long now, boolean stillSending, boolean inMeasurement)
      throws IOException {
    if (n < 20 || u16(m, 0) != 0x0101 || u32(m, 4) != MAGIC_COOKIE || 20 + u16(m, 2) != n) {
      bad++;
      return;
    }
    for (int i = 0; i < salt.length; i++) {
      if (m[14 + i] != salt[i]) {
        bad++;
        return;
      }
    }
    int slot = u16(m, 8);
    int gen = u32(m, 10);
    if (slot >= o.window()) {
      bad++;
      return;
    }
    if (!c.outstanding[slot] || c.gen[slot] != gen) {
      late++; // answer to a request already declared lost (or a duplicate)
      return;
    }
    if (!mapsToSelf(c, m, n)) {
      bad++;
      return;
    }
    if (responseBytes < 0) {
      responseBytes = n;
      responseAttributes = attributeNames(m, n);
    }
    c.outstanding[slot] = false;
    totalResponses++;
    if (c.measured[slot]) {
      long latency = now - c.sentAt[slot];
      responses++;
      latencySumNs += latency;
      maxLatencyNs = Math.max(maxLatencyNs, latency);
      histogram[(int) Math.min(histogram.length - 1, latency / 1000)]++;
    }
    if (stillSending) {
      c.send(slot, now, inMeasurement);
    }
  }

  /** XOR-MAPPED-ADDRESS present and equal to 127.0.0.1:this socket's port. */
  private static boolean mapsToSelf(Client c, byte[] m, int n) {
    int pos = 20;
    while (pos + 4 <= n) {
      int type = u16(m, pos);
      int len = u16(m, pos + 2);
      if (type == 0x0020 && len == 8 && pos + 12 <= n) {
        int port = u16(m, pos + 6) ^ (MAGIC_COOKIE >>> 16);
        int addr = u32(m, pos + 8) ^ MAGIC_COOKIE;
        return m[pos + 5] == 0x01 && port == c.localPort && addr == 0x7F000001;
      }
      pos += 4 + ((len + 3) & ~3);
    }
    return false;
  }

  private static String attributeNames(byte[] m, int n) {
    List<String> names = new ArrayList<>();
    int pos = 20;
    while (pos + 4 <= n) {
      int type = u16(m, pos);
      int len = u16(m, pos + 2);
      names.add(switch (type) {
        case 0x0001 -> "MAPPED-ADDRESS";
        case 0x0020 -> "XOR-MAPPED-ADDRESS";
        case 0x8022 -> "SOFTWARE(\"" + new String(m, pos + 4, Math.min(len, n - pos - 4), StandardCharsets.UTF_8) + "\")";
        case 0x802B -> "RESPONSE-ORIGIN";
        case 0x802C -> "OTHER-ADDRESS";
        case 0x8028 -> "FINGERPRINT";
        case 0x0008 -> "MESSAGE-INTEGRITY";
        default -> String.format(Locale.ROOT, "0x%04X", type);
      });
      pos += 4 + ((len + 3) & ~3);
    }
    return String.join(", ", names);
  }



  private Result result(double seconds, double runSeconds, double loadCpuSeconds, double serverCpuSeconds) {
    return new Result(
        o.label(),
        o.sockets(),
        o.window(),
        seconds,
        measuredSent,
        responses,
        lost,
        late,
        bad,
        portUnreachable,
        responses / seconds,
        measuredSent == 0 ? 0 : 100.0 * lost / measuredSent,
        percentileUs(0.50),
        percentileUs(0.99),
        percentileUs(0.999),
        maxLatencyNs / 1000.0,
        responses == 0 ? 0 : latencySumNs / 1000.0 / responses,
        responseBytes,
        responseAttributes,
        runSeconds,
        totalResponses,
        loadCpuSeconds,
        serverCpuSeconds);
  }

  /** Upper edge of the 1 us bucket holding the given quantile (nearest-rank), in microseconds. */
  double percentileUs(double q) {
    long total = 0;
    for (long h : histogram) {
      total += h;
    }
    if (total == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < histogram.length; i++) {
      seen += histogram[i];
      if (seen >= rank) {
        return i + 1;
      }
    }
    return histogram.length;
  }

  /** Sends one request at a time until one is answered; for waiting on a server that prints nothing. */
  static boolean probe(InetSocketAddress target, long maxWaitMs) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(maxWaitMs, 60_000));
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      ch.connect(target);
      ch.configureBlocking(false);
      byte[] tid = new byte[12];
      new SecureRandom().nextBytes(tid);
      ByteBuffer req = ByteBuffer.allocate(20).putShort((short) 1).putShort((short) 0).putInt(MAGIC_COOKIE).put(tid);
      ByteBuffer rx = ByteBuffer.allocate(2048);
      try (Selector selector = Selector.open()) {
        ch.register(selector, SelectionKey.OP_READ);
        while (System.nanoTime() < deadline) {
          try {
            ch.write(req.flip().position(0));
            if (selector.select(200) > 0) {
              selector.selectedKeys().clear();
              rx.clear();
              if (ch.read(rx) >= 20 && rx.getShort(0) == 0x0101) {
                return true;
              }
            }
          } catch (PortUnreachableException e) {
            sleepQuietly(100); // not listening yet
          }
        }
      }
    }
    return false;
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int u16(byte[] m, int i) {
    return ((m[i] & 0xFF) << 8) | (m[i + 1] & 0xFF);
  }

  private static int u32(byte[] m, int i) {
    return ((m[i] & 0xFF) << 24) | ((m[i + 1] & 0xFF) << 16) | ((m[i + 2] & 0xFF) << 8) | (m[i + 3] & 0xFF);
  }

  static final String USAGE = String.join("\n",
      "usage: StunLoad --target 127.0.0.1:PORT [options]",
      "  --sockets N        client sockets (1-" + MAX_SOCKETS + ", default 4)",
      "  --window W         outstanding requests per socket (1-" + MAX_WINDOW + ", default 8)",
      "  --duration S       measured seconds (1-" + MAX_DURATION_S + ", default 10)",
      "  --warmup S         unmeasured seconds first (0-" + MAX_WARMUP_S + ", default 3)",
      "  --timeout-ms T     unanswered after T ms = lost (1-" + MAX_TIMEOUT_MS + ", default 500)",
      "  --max-requests M   stop sending after M requests in all (default 20000000)",
      "  --label L          name in the result (default load)",
      "  --out FILE         append the result as one JSON line",
      "  --server-pid PID   also report that process's CPU time over the run (Linux /proc)",
      "  --probe            only wait (up to the timeout x 20) until the server answers; exit 0 if it did",
      "The target must be 127.0.0.1.");

  public static void main(String[] args) throws IOException {
    Options o = LoadCommandLine.options(args, USAGE, Options::parse);
    if (o == null) {
      return;
    }
    if (o.probe()) {
      boolean up = probe(o.target(), 20L * o.timeoutMs());
      System.out.println(up ? "UP " + o.target() : "NO ANSWER from " + o.target());
      System.exit(up ? 0 : 1);
      return;
    }
    Result r = new StunLoad(o).run();
    System.out.println(r.toText());
    String json = r.toJson().encode();
    System.out.println("RESULT " + json);
    LoadCommandLine.append(o.out(), json);
  }
}
