package io.p2pquic.puncher.nat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Entry points for a {@code nat-check --stun HOST:PORT [--json] [--local IP]} command.
 *
 * <p>A CLI calls {@link #run(Vertx, String, NatCheckOptions)} (it resolves HOST off the event loop)
 * and prints {@link #render}: {@link NatBehavior#describe()} or {@link NatBehavior#toJson()}. The
 * command line is {@code p2p-node nat-check} (node module).
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

  /** The text a CLI prints: one line of JSON (scripts read it line by line), or plain words. */
  public static String render(NatBehavior behavior, boolean json) {
    return json ? behavior.toJson().encode() : behavior.describe();
  }
}
