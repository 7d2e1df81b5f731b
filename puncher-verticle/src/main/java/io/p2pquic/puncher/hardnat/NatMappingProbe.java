package io.p2pquic.puncher.hardnat;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Whether the NAT in front of a session socket maps per destination, measured on that very socket (the
 * mapping hard-NAT punching works with): a Binding to the STUN server's primary address, then one to the
 * address it names in OTHER-ADDRESS (RFC 5780 section 4.3, tests I and III). The same public port both
 * times is an endpoint-independent mapping; another port is endpoint-dependent (a symmetric NAT). Two
 * round trips, run beside gathering; a server without a second address cannot tell, and the result is then
 * empty rather than a guess.
 */
public final class NatMappingProbe {
  /** What the probe saw: the public address of the first Binding, and whether the second got another. */
  public record Result(InetSocketAddress mapped, boolean endpointDependent) {}

  private NatMappingProbe() {}

  /**
   * Probes through {@code stun} (the session socket's client) against {@code server} ("HOST:PORT"). Completes
   * with null when the server has no usable OTHER-ADDRESS or a request went unanswered.
   */
  public static Future<Result> probe(Vertx vertx, StunClient stun, String server, RetransmitPolicy policy) {
    InetSocketAddress parsed;
    try {
      parsed = SocketAddresses.parseHostPort(server);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(null);
    }
    Future<InetSocketAddress> resolved = !parsed.isUnresolved() ? Future.succeededFuture(parsed)
        : vertx.executeBlocking(() -> new InetSocketAddress(InetAddress.getByName(parsed.getHostString()), parsed.getPort()), false);
    return resolved.compose(primary -> stun.bindingResponse(primary, policy).compose(first -> {
      InetSocketAddress mapped = first.mappedAddress().orElse(null);
      InetSocketAddress other = first.otherAddress().orElse(null);
      if (mapped == null || other == null || other.getAddress().isAnyLocalAddress()
          || SocketAddresses.sameEndpoint(other, primary)
          || mapped.getAddress().getAddress().length != other.getAddress().getAddress().length) {
        return Future.succeededFuture((Result) null);
      }
      return stun.bindingResponse(other, policy).map(second -> second.mappedAddress()
          .map(m2 -> new Result(mapped, !SocketAddresses.sameEndpoint(m2, mapped)))
          .orElse(null));
    })).otherwise((Result) null);
  }
}
