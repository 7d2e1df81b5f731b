package io.p2pquic.puncher.nat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.puncher.stun.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Entry points for a {@code nat-check --stun HOST:PORT [--json] [--local IP]} command.
 *
 * <p>A CLI calls {@link #run(Vertx, String, NatCheckOptions)} (it resolves HOST off the event loop)
 * and prints {@link #render}: {@link NatBehavior#describe()} or {@link NatBehavior#toJson()}. {@link
 * #main} is such a CLI, usable directly with the puncher's classpath.
 */
public final class NatCheck {
  /** The IANA STUN port, used when HOST:PORT has no port. */
  public static final int DEFAULT_STUN_PORT = 3478;

  private NatCheck() {}

  public static Future<NatBehavior> run(Vertx vertx, InetSocketAddress server, NatCheckOptions options) {
    return run(vertx, server, options, new SimpleMeterRegistry());
  }

  public static Future<NatBehavior> run(
      Vertx vertx, InetSocketAddress server, NatCheckOptions options, MeterRegistry registry) {
    return new NatBehaviorDiscovery(vertx, options, registry).discover(server);
  }

  /**
   * As {@link #run(Vertx, InetSocketAddress, NatCheckOptions)} with {@code HOST[:PORT]} (port 3478 by
   * default; a name is resolved in a worker thread, the first address of the local address's family,
   * else the first address, is used).
   */
  public static Future<NatBehavior> run(Vertx vertx, String hostPort, NatCheckOptions options) {
    InetSocketAddress parsed;
    try {
      parsed = SocketAddresses.parseHostPort(hostPort, DEFAULT_STUN_PORT);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Future<InetSocketAddress> server = !parsed.isUnresolved()
        ? Future.succeededFuture(parsed)
        : vertx.executeBlocking(() -> {
          InetAddress[] all = InetAddress.getAllByName(parsed.getHostString());
          InetAddress pick = all[0];
          if (options.localAddress() != null) {
            boolean v6 = options.localAddress().indexOf(':') >= 0;
            for (InetAddress a : all) {
              if ((a instanceof java.net.Inet6Address) == v6) {
                pick = a;
                break;
              }
            }
          }
          return new InetSocketAddress(pick, parsed.getPort());
        }, false);
    return server.compose(s -> run(vertx, s, options));
  }

  /** The text a CLI prints: pretty JSON, or the plain-words description. */
  public static String render(NatBehavior behavior, boolean json) {
    return json ? behavior.toJson().encodePrettily() : behavior.describe();
  }

  /**
   * {@code nat-check --stun HOST[:PORT] [--json] [--local IP] [--rto MS] [--tries N]}. Exit status 0
   * when the NAT was classified (UDP blocked included), 3 when UNKNOWN, 2 on bad arguments, 1 when
   * discovery could not run.
   */
  public static void main(String[] args) {
    String stun = null;
    boolean json = false;
    NatCheckOptions options = new NatCheckOptions();
    long rto = options.retransmit().initialRto().toMillis();
    int tries = options.retransmit().maxRequests();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--stun" -> stun = args[++i];
          case "--json" -> json = true;
          case "--local" -> options.localAddress(args[++i]);
          case "--rto" -> rto = Long.parseLong(args[++i]);
          case "--tries" -> tries = Integer.parseInt(args[++i]);
          case "-h", "--help" -> {
            System.out.println(usage());
            return;
          }
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      if (stun == null) {
        throw new IllegalArgumentException("--stun HOST:PORT is required");
      }
      options.retransmit(io.p2pquic.puncher.stun.RetransmitPolicy.of(rto, tries, options.retransmit().lastWaitMultiplier()));
    } catch (RuntimeException e) {
      System.err.println("nat-check: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    int status;
    try {
      NatBehavior b = run(vertx, stun, options).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.println(render(b, json));
      status = b.classified() ? 0 : 3;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("nat-check: " + cause.getMessage());
      status = 1;
    } finally {
      vertx.close();
    }
    System.exit(status);
  }

  private static String usage() {
    return "usage: nat-check --stun HOST[:PORT] [--json] [--local IP] [--rto MS] [--tries N]";
  }
}
