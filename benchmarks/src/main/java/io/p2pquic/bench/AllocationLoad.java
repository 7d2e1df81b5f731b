package io.p2pquic.bench;

import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunDecodeException;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.TransactionId;
import io.p2pquic.stun.turn.TurnRestCredentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Holds many TURN allocations on one server, for measuring what an allocation costs the server
 * (benchmarks/run-turn-alloc-bench.sh). Each allocation comes from its own UDP socket (the server keys
 * allocations by 5-tuple), with use-auth-secret credentials: unauthenticated Allocate, the 401's realm
 * and nonce, then the signed Allocate, retransmitted as RFC 8489 says (500 ms doubling, 7 tries).
 *
 * <p>Allocations are made in stages ({@code --stages 1000,5000,10000}: totals held after each stage).
 * After each stage one JSON line goes to stdout ({@code {"stage":1000,"allocated":..,"errors":{..}}})
 * and the client waits for a line on stdin before the next stage, so the caller can measure the server
 * while exactly that many allocations are held. After the last stage it holds them until stdin closes.
 * Client sockets bind {@code --client-ip} (127.0.0.2), so their ephemeral ports never take a port the
 * relay on 127.0.0.1 wants for an allocation. Lifetimes are requested long enough ({@code --lifetime}, 3600 s)
 * that no Refresh is needed while
 * measuring.
 *
 * <pre>java -cp benchmarks.jar io.p2pquic.bench.AllocationLoad --server 127.0.0.1:34782 --secret s \
 *     --stages 1000,5000,10000 --rate 2000 --users 100</pre>
 */
public final class AllocationLoad {
  private static final StunMessageEncoder ENCODER = new StunMessageEncoder();
  private static final StunMessageDecoder DECODER = new StunMessageDecoder();
  private static final StunMessageType ALLOCATE = StunMessageType.of(StunMethod.ALLOCATE, StunClass.REQUEST);

  private enum State { CHALLENGING, ALLOCATING, ALLOCATED, FAILED }

  /** One allocation attempt: its socket, credentials and where the exchange stands. */
  private static final class Slot {
    final DatagramChannel channel;
    final String username;
    final String password;
    State state = State.CHALLENGING;
    byte[] request;
    TransactionId tid;
    long sentNanos;
    int tries;

    Slot(DatagramChannel channel, String username, String password) {
      this.channel = channel;
      this.username = username;
      this.password = password;
    }
  }

  private final InetSocketAddress server;
  /** Where client sockets bind: not the relay's address, whose port range would clash with ours. */
  private final java.net.InetAddress clientIp;
  private final byte[] secret;
  private final int users;
  private final long lifetime;
  private final Selector selector;
  private final List<Slot> slots = new ArrayList<>();
  private final Map<String, Integer> errors = new TreeMap<>();
  private final ByteBuffer in = ByteBuffer.allocate(2048);
  private int allocated;
  private int pending;

  private AllocationLoad(InetSocketAddress server, java.net.InetAddress clientIp, byte[] secret, int users, long lifetime)
      throws IOException {
    this.server = server;
    this.clientIp = clientIp;
    this.secret = secret;
    this.users = users;
    this.lifetime = lifetime;
    this.selector = Selector.open();
  }

  public static void main(String[] args) throws Exception {
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", 34782);
    String secret = "bench-secret";
    List<Integer> stages = List.of(1000);
    int rate = 2000;
    int users = 100;
    long lifetime = 3600;
    String clientIp = "127.0.0.2";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--server" -> {
          String[] hp = args[++i].split(":");
          server = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        }
        case "--secret" -> secret = args[++i];
        case "--stages" -> stages = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--users" -> users = Integer.parseInt(args[++i]);
        case "--lifetime" -> lifetime = Long.parseLong(args[++i]);
        case "--client-ip" -> clientIp = args[++i];
        case "-h", "--help" -> {
          System.out.println("usage: AllocationLoad --server HOST:PORT --secret S [--stages 1000,5000,10000]"
              + " [--rate ALLOCATIONS_PER_S (2000)] [--users N (100)] [--lifetime S (3600)] [--client-ip IP (127.0.0.2)]");
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + " (try --help)");
          System.exit(2);
        }
      }
    }
    AllocationLoad load = new AllocationLoad(server, java.net.InetAddress.getByName(clientIp), secret.getBytes(StandardCharsets.UTF_8),
        users, lifetime);
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (int stage : stages) {
      long t0 = System.nanoTime();
      load.growTo(stage, rate);
      System.out.printf("{\"stage\":%d,\"allocated\":%d,\"failed\":%d,\"errors\":%s,\"ms\":%d}%n", stage, load.allocated,
          load.slots.size() - load.allocated, load.errorsJson(), (System.nanoTime() - t0) / 1_000_000);
      System.out.flush();
      if (stdin.readLine() == null) {
        break;
      }
    }
    while (stdin.readLine() != null) {
      // hold until the caller closes stdin
    }
  }

  /** Opens sockets until {@code total} attempts exist, at {@code rate} per second, and completes every exchange. */
  private void growTo(int total, int rate) throws IOException {
    long start = System.nanoTime();
    int base = slots.size();
    while (slots.size() < total || pending > 0) {
      long due = base + (System.nanoTime() - start) * rate / 1_000_000_000L;
      while (slots.size() < total && slots.size() < due) {
        open();
      }
      selector.select(5);
      for (SelectionKey k : selector.selectedKeys()) {
        onReadable((Slot) k.attachment());
      }
      selector.selectedKeys().clear();
      retransmit();
    }
  }

  private void open() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.bind(new InetSocketAddress(clientIp, 0));
    ch.connect(server);
    ch.configureBlocking(false);
    TurnRestCredentials c = TurnRestCredentials.issue(secret, "load" + (slots.size() % users), Instant.now().plusSeconds(7200));
    Slot s = new Slot(ch, c.username(), c.password());
    ch.register(selector, SelectionKey.OP_READ, s);
    slots.add(s);
    pending++;
    send(s, StunMessage.builder(ALLOCATE).add(StunAttributes.requestedTransport(17)).build());
  }

  private void send(Slot s, StunMessage m) throws IOException {
    s.tid = m.transactionId();
    s.request = ENCODER.encodeToBytes(m);
    s.tries = 1;
    s.sentNanos = System.nanoTime();
    s.channel.write(ByteBuffer.wrap(s.request));
  }

  private void onReadable(Slot s) throws IOException {
    while (true) {
      in.clear();
      int n;
      try {
        n = s.channel.read(in);
      } catch (IOException e) { // ICMP port unreachable: the server is gone
        fail(s, "io");
        return;
      }
      if (n <= 0) {
        return;
      }
      StunMessage r;
      try {
        r = DECODER.decode(java.util.Arrays.copyOf(in.array(), n));
      } catch (StunDecodeException e) {
        errors.merge("undecodable", 1, Integer::sum);
        continue;
      }
      if (!r.transactionId().equals(s.tid) || s.state == State.ALLOCATED || s.state == State.FAILED) {
        continue;
      }
      if (r.type().messageClass() == StunClass.SUCCESS_RESPONSE) {
        s.state = State.ALLOCATED;
        allocated++;
        pending--;
      } else {
        int code = r.errorCode().map(e -> e.code()).orElse(0);
        if (s.state == State.CHALLENGING && code == 401) {
          String realm = r.string(StunAttributeType.REALM).orElse("");
          String nonce = r.string(StunAttributeType.NONCE).orElse("");
          s.state = State.ALLOCATING;
          send(s, StunMessage.builder(ALLOCATE).add(StunAttributes.requestedTransport(17))
              .add(StunAttributes.lifetime(lifetime))
              .add(StunAttributes.username(s.username)).add(StunAttributes.realm(realm)).add(StunAttributes.nonce(nonce))
              .messageIntegrity(StunCredentials.longTermKey(s.username, realm, s.password)).build());
        } else {
          fail(s, Integer.toString(code));
        }
      }
    }
  }

  private void retransmit() throws IOException {
    long now = System.nanoTime();
    for (Slot s : slots) {
      if (s.state != State.CHALLENGING && s.state != State.ALLOCATING) {
        continue;
      }
      long rto = 500_000_000L << (s.tries - 1);
      if (now - s.sentNanos < rto) {
        continue;
      }
      if (s.tries >= 7) {
        fail(s, "timeout");
        continue;
      }
      s.tries++;
      s.sentNanos = now;
      s.channel.write(ByteBuffer.wrap(s.request));
    }
  }

  private void fail(Slot s, String why) {
    s.state = State.FAILED;
    pending--;
    errors.merge(why, 1, Integer::sum);
  }

  private String errorsJson() {
    StringBuilder sb = new StringBuilder("{");
    errors.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return sb.append('}').toString();
  }
}
